"""How a platform call failed, in terms the pipeline acts on."""

from dataclasses import dataclass

import requests
from urllib3.exceptions import ConnectTimeoutError

# transient: retry with backoff; rate_limited: retry at retry_at;
# auth: the account's access is gone (account in error, admins told, the
# message waits for the reconnection); permanent: this message cannot be sent
# as it is (agent told); uncertain: the request reached the platform but no
# answer came back, so it may have been posted: never retried blindly.
SEND_ERROR_KINDS = ("transient", "rate_limited", "auth", "permanent", "uncertain")


class SendError(Exception):
    """Raised by a provider's sender; ``message`` is safe to show to agents."""

    def __init__(self, kind, message, retry_at=None):
        if kind not in SEND_ERROR_KINDS:
            raise ValueError(f"unknown send error kind {kind!r}")
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.retry_at = retry_at

    @property
    def retryable(self):
        return self.kind in ("transient", "rate_limited")


@dataclass(frozen=True)
class SendResult:
    """What the platform answered to a sent message.

    ``thread_key``: the private conversation a message opened or went into,
    when it is not the ticket's own (a Meta private reply lands in Messenger
    or Instagram Direct, an X DM in the customer's DM conversation), so that
    the customer's answer there joins the ticket.
    """

    external_id: str
    permalink: str = ""
    thread_key: str = ""


def request_never_sent(error):
    """Whether a ``requests`` failure happened before the request left.

    Only then is a retry safe for a post: a connection refused, a name that
    does not resolve, a connect timeout. A read timeout, or a connection cut
    while waiting for the answer, comes after the platform received the
    request, which it may have carried out.
    """
    if isinstance(error, requests.ConnectTimeout):
        return True
    if not isinstance(error, requests.ConnectionError):
        return False
    reason = getattr(error.args[0], "reason", None) if error.args else None
    # urllib3's NewConnectionError (refused, unresolvable) is a ConnectTimeoutError.
    return isinstance(reason, ConnectTimeoutError)
