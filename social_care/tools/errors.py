"""How a platform call failed, in terms the pipeline acts on."""

from dataclasses import dataclass

# transient: retry with backoff; rate_limited: retry at retry_at;
# auth: the account's access is gone (account in error, admins told);
# permanent: this message cannot be sent as it is (agent told).
SEND_ERROR_KINDS = ("transient", "rate_limited", "auth", "permanent")


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
    """What the platform answered to a sent message."""

    external_id: str
    permalink: str = ""
