"""Graph API failures in words an agent or admin can act on, and when to retry.

Codes from PLATFORM-APIS.md §10 (Graph error-handling guide and Messenger
error codes). The message quotes Meta's own text, with anything that looks
like an access token removed, because it ends up in the chatter and logs.
"""

import json
import math
import re
from dataclasses import dataclass

DEFAULT_RATE_LIMIT_WAIT = 300  # seconds, when Meta gives no estimate
TRANSIENT_CODES = (1, 2)
# 4 app, 17 user, 32 page, 341 application, 613 custom limits; 80000-80014 are
# the Business Use Case limits (80001 Pages, 80002 Instagram, 80006 Messenger).
RATE_LIMIT_CODES = frozenset({4, 17, 32, 341, 613, *range(80000, 80015)})
RECONNECT = "reconnect the account in Social Care."
AUTH_SUBCODES = {
    458: "The app is no longer installed for this Facebook user: " + RECONNECT,
    459: "Facebook wants the user to log in at facebook.com to pass a security "
    "checkpoint; then " + RECONNECT,
    460: "The access token stopped working because the user changed their "
    "Facebook password: " + RECONNECT,
    463: "The access token has expired: " + RECONNECT,
    464: "The Facebook user has not confirmed their account yet: they must do so "
    "at facebook.com; then " + RECONNECT,
    467: "The access token is no longer valid (logged out or revoked): " + RECONNECT,
}
USAGE_HEADERS = ("x-app-usage", "x-page-usage", "x-business-use-case-usage")
USAGE_KEYS = ("call_count", "total_cputime", "total_time")
PERMISSION_RE = re.compile(r"\b(?:pages|instagram|business|read|publish|ads)_[a-z_]+\b")
TOKEN_PARAM_RE = re.compile(r"(access_token|appsecret_proof)=[^&\s\"']+")
CODE_RE = re.compile(r"\d{1,12}", re.ASCII)
TOKEN_RE = re.compile(r"\b(?:EAA|IGQ|IGA)[A-Za-z0-9_-]{16,}")


@dataclass(frozen=True)
class MetaError:
    """A classified failure; ``retry_at`` (epoch seconds) is set for rate limits.

    ``kind`` is one of rate_limited, transient, auth, permission, window_closed,
    user_unavailable, duplicate, invalid, policy.
    """

    kind: str
    message: str
    retry_at: float | None = None
    code: int | None = None
    subcode: int | None = None

    @property
    def retryable(self):
        return self.kind in ("rate_limited", "transient")


def _int(value):
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and CODE_RE.fullmatch(value.strip()):
        return int(value)
    return None


def _finite(value):
    if not isinstance(value, int | float) or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


def redact(text):
    """``text`` without access tokens or app secret proofs."""
    return TOKEN_RE.sub("[token]", TOKEN_PARAM_RE.sub(r"\1=[hidden]", text))


def _usage_entries(headers):
    """The usage objects of Meta's usage headers (a plain dict or requests' headers)."""
    if not hasattr(headers, "items"):
        return []
    entries = []
    for name, raw in headers.items():
        name = name.lower() if isinstance(name, str) else ""
        if name not in USAGE_HEADERS:
            continue
        try:
            data = json.loads(raw)
        except (TypeError, ValueError, RecursionError):
            continue
        if not isinstance(data, dict):
            continue
        if name == "x-business-use-case-usage":  # {"<id>": [{type, call_count...}]}
            for usages in data.values():
                if isinstance(usages, list):
                    entries.extend(u for u in usages if isinstance(u, dict))
        else:
            entries.append(data)
    return entries


def parse_usage_headers(headers):
    """The highest usage percentage Meta reports; back off as it nears 100."""
    numbers = (
        _finite(e.get(key)) for e in _usage_entries(headers) for key in USAGE_KEYS
    )
    return max((n for n in numbers if n is not None), default=0.0)


def _retry_at(headers, now):
    waits = (
        _finite(entry.get("estimated_time_to_regain_access"))
        for entry in _usage_entries(headers)
    )
    minutes = max((w for w in waits if w is not None), default=0.0)
    return now + (minutes * 60 if minutes > 0 else DEFAULT_RATE_LIMIT_WAIT)


def _permission_sentence(said):
    named = PERMISSION_RE.search(said)
    if named:
        return (
            f"The connected account lacks the {named[0]} permission: reconnect it "
            f"and grant {named[0]} (the app may need it approved in App Review)."
        )
    return (
        "The app or the connected account lacks a permission for this, or the "
        "person who connected it lost their role on the Page: reconnect it and "
        "grant the requested permissions."
    )


def _classify(status, code, subcode, error, said):
    """(kind, sentence) from the Graph error code, else from the HTTP status."""
    if code is None:
        if status is None:
            return "transient", "Facebook could not be reached (timeout or network)."
        if status == 429:
            return "rate_limited", "Facebook's rate limit was reached."
        if status >= 500:
            return "transient", f"Facebook had a server error (HTTP {status})."
        if status == 401:
            return "auth", "Facebook refused the access token: " + RECONNECT
        if status == 403:
            return "permission", _permission_sentence(said)
        return "invalid", f"Facebook rejected the request (HTTP {status})."
    if code in TRANSIENT_CODES:
        return "transient", (
            "Facebook reported a temporary problem; if it persists, the person "
            "may have blocked the Page."
        )
    if code in RATE_LIMIT_CODES:
        return "rate_limited", "Facebook's rate limit for this app or Page was reached."
    if code == 190:
        default = "Facebook refused the access token: " + RECONNECT
        return "auth", AUTH_SUBCODES.get(subcode, default)
    if code == 10 and subcode == 2018278:
        return "window_closed", (
            "The customer's messaging window is closed (24 hours after their last "
            "message, 7 days for a person with the human agent tag): wait for them "
            "to write again."
        )
    if code == 10 or 200 <= code <= 299:
        return "permission", _permission_sentence(said)
    if code == 551:
        return "user_unavailable", (
            "This person isn't available right now: they blocked the Page or "
            "turned off messages. Do not retry."
        )
    if code == 368:
        return "policy", (
            "Facebook temporarily blocked this action for a policy reason: wait "
            "before trying again and check the Page's quality in Meta Business Suite."
        )
    if code == 506:
        return "duplicate", "Facebook refused a duplicate of a recent post."
    if error.get("is_transient") is True or (status or 0) >= 500:
        return "transient", "Facebook reported a temporary problem."
    return "invalid", "Facebook rejected the request."


def classify_error(status, error, headers, now):
    """Classify a failed Graph call; never raises.

    ``status`` is the HTTP status (None for a timeout or connection error),
    ``error`` the ``error`` object of the body (or the whole body), ``headers``
    the response headers and ``now`` the current epoch time.
    """
    status = _int(status)
    error = error if isinstance(error, dict) else {}
    if isinstance(error.get("error"), dict):
        error = error["error"]
    code = _int(error.get("code"))
    subcode = _int(error.get("error_subcode"))
    # The technical message names the missing permission; the user one may not.
    text = error.get("message") or error.get("error_user_msg")
    said = redact(text.strip())[:300] if isinstance(text, str) else ""
    kind, sentence = _classify(status, code, subcode, error, said)
    retry_at = None
    if kind == "rate_limited":
        retry_at = _retry_at(headers, now)
        minutes = max(1, round((retry_at - now) / 60))
        sentence += f" Sending resumes automatically in about {minutes} minutes."
    if said:
        reference = f" (code {code}/{subcode})" if subcode else f" (code {code})"
        sentence += f" Facebook said: {said}{reference if code is not None else ''}"
    return MetaError(kind, sentence, retry_at, code, subcode)
