"""Turn an X API failure into something the send queue and an agent can act on.

The queue needs to know whether to retry and when (rate limits, outages); the
agent needs a sentence saying what to do instead (reconnect, send a DM, reword).
Both v2 problem bodies ({"title", "detail", "type"}) and legacy bodies
({"errors": [{"code", "message"}]}) are read.
"""

import math
import re
from dataclasses import dataclass

KINDS = (
    "rate_limited",
    "transient",
    "auth",
    "forbidden",
    "duplicate",
    "not_found",
    "invalid",
    "usage_capped",
)
MIN_RETRY_DELAY = 60  # seconds; X's own advice for a 429

# Legacy error codes (v1.1, still seen in some bodies).
_DUPLICATE_CODES = {187}
_NOT_FOUND_CODES = {8, 17, 34, 50, 144, 385}  # 385: replying to a deleted post
_NOT_SUMMONED_CODES = {433}  # the author restricted who can reply
_DM_REFUSED_CODES = {150, 151, 349}
_DELETED_RE = re.compile(r"deleted|not visible|does not exist|not found", re.IGNORECASE)
_NOT_SUMMONED_RE = re.compile(
    r"mentioned|summon|engaged|who can reply|reply to this conversation", re.IGNORECASE
)
_DM_REFUSED_RE = re.compile(
    r"direct message|send messages|messages to this user", re.IGNORECASE
)
_PERMISSION_TYPES = {
    "client-forbidden",
    "oauth1-permissions",
    "unsupported-authentication",
}
_PERMISSION_RE = re.compile(
    r"scope|permission|access level|not enrolled|oauth1", re.IGNORECASE
)
# Anything that could be a credential is cut out of messages shown to people.
_SECRET_RE = re.compile(r"[A-Za-z0-9_\-.~+/=%]{32,}")

_AUTH = "the X account's access was revoked or expired: reconnect it"
_NOT_SUMMONED = (
    "X only lets this app reply publicly to posts that mention or quote the "
    "account; send a direct message instead"
)
_DM_REFUSED = "the customer does not accept direct messages from this account"
_PERMISSION = (
    "the X app or the connected account lacks the permission for this action: "
    "reconnect the account granting every requested permission (tweet.write, "
    "dm.write), or raise the app's access in the X developer console"
)
# Public: a "forbidden" error with this message is the account's problem, not
# the message's, so the ORM layer puts the account in error for it.
MISSING_PERMISSION = _PERMISSION
_DUPLICATE = (
    "X refuses to post the same text twice: reword the message and send it again"
)
_NOT_FOUND = (
    "the post or conversation no longer exists on X (deleted or hidden): "
    "the message cannot be delivered there"
)
_RATE_LIMITED = "X's rate limit for this account is reached: the message waits for it"
_USAGE_CAPPED = (
    "the X app has used up its credits or monthly usage cap: add credits or raise "
    "the cap in the X developer console, then send again"
)


@dataclass(frozen=True)
class XError:
    """A classified X failure; ``retry_at`` (epoch seconds) when waiting helps."""

    kind: str
    message: str
    retry_at: float | None = None


def _problem(body):
    """The problem types, legacy codes and texts a body carries."""
    types, codes, texts = set(), set(), []
    entries = [body] if isinstance(body, dict) else []
    if isinstance(body, dict) and isinstance(body.get("errors"), list):
        entries += [entry for entry in body["errors"] if isinstance(entry, dict)]
    for entry in entries:
        if isinstance(entry.get("type"), str):
            types.add(entry["type"].rstrip("/").rsplit("/", 1)[-1])
        if isinstance(entry.get("code"), int):
            codes.add(entry["code"])
        for field in ("title", "detail", "message"):
            if isinstance(entry.get(field), str) and entry[field].strip():
                texts.append(entry[field].strip())
    return types, codes, " ".join(dict.fromkeys(texts))


def _epoch(value):
    try:
        moment = float(value)
    except (TypeError, ValueError):
        return None
    return moment if math.isfinite(moment) else None


def _retry_at(headers, now):
    """When the exhausted window reopens: the 15-minute one or a 24-hour one."""
    candidates = [now + MIN_RETRY_DELAY, _epoch(headers.get("x-rate-limit-reset"))]
    for scope in ("x-user-limit-24hour", "x-app-limit-24hour"):
        if headers.get(f"{scope}-remaining") in ("0", 0):
            candidates.append(_epoch(headers.get(f"{scope}-reset")))
    return max(moment for moment in candidates if moment is not None)


def _said(text):
    """X's own words, safe to show: no credential-like strings, bounded length."""
    text = _SECRET_RE.sub("[…]", " ".join(text.split()))
    return text[:200]


def _with_detail(sentence, text):
    return f"{sentence} (X said: {_said(text)})" if text else sentence


def _forbidden_reason(types, codes, text):
    """Why X refused (403), in words saying what to do instead."""
    if codes & _NOT_SUMMONED_CODES or _NOT_SUMMONED_RE.search(text):
        return _NOT_SUMMONED
    if codes & _DM_REFUSED_CODES or _DM_REFUSED_RE.search(text):
        return _DM_REFUSED
    if types & _PERMISSION_TYPES or _PERMISSION_RE.search(text):
        return _PERMISSION
    return _with_detail("X refused this action", text)


def classify_error(
    status: int | None, body: dict | None, headers: dict | None, now: float
) -> XError:
    """Classify a failed call; ``status`` None means no answer (timeout, network)."""
    headers = {str(key).lower(): value for key, value in (headers or {}).items()}
    types, codes, text = _problem(body)
    if status is None:
        return XError(
            "transient", "X did not answer in time; the message will be retried"
        )
    if status == 429:
        if "usage-capped" in types or re.search(r"usage.?cap", text, re.IGNORECASE):
            return XError("usage_capped", _USAGE_CAPPED)
        return XError("rate_limited", _RATE_LIMITED, _retry_at(headers, now))
    if status >= 500:
        delay = _epoch(headers.get("retry-after"))
        return XError(
            "transient",
            _with_detail(
                f"X is having trouble (HTTP {status}); the message will be retried",
                text,
            ),
            now + max(delay, 0) if delay is not None else None,
        )
    if status == 401:
        return XError("auth", _AUTH)
    if codes & _DUPLICATE_CODES or "duplicate" in text.lower():
        return XError("duplicate", _DUPLICATE)
    if (
        status == 404
        or "resource-not-found" in types
        or codes & _NOT_FOUND_CODES
        or (status in (400, 403) and _DELETED_RE.search(text))
    ):
        return XError("not_found", _with_detail(_NOT_FOUND, text))
    if status == 403:
        return XError("forbidden", _forbidden_reason(types, codes, text))
    return XError(
        "invalid",
        _with_detail(f"X rejected the request as invalid (HTTP {status})", text),
    )
