"""The generic provider: normalized JSON over a signed webhook.

Lets any middleware (or a platform we have no connector for) feed the
helpdesk, and lets the base addon be tested without a connector. Deliveries
are ``{"messages": [...]}`` signed with ``X-Social-Care-Signature:
sha256=<hex HMAC-SHA256(app secret, raw body)>``; replies go out signed the
same way with the app's separate outbound secret, so whoever checks our
replies cannot forge deliveries.
"""

import hashlib
import hmac
from datetime import datetime, timezone

from .normalized import (
    CHANNELS,
    Attachment,
    Author,
    OriginPost,
    ParsedDelivery,
    ParsedEvent,
    PayloadError,
    SocialMessage,
)

SIGNATURE_HEADER = "X-Social-Care-Signature"


def sign(secret, body):
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify_signature(secret, body, header_value):
    """Whether ``header_value`` signs the raw ``body``; never raises.

    Headers are any text an outsider chooses: they are compared as bytes, so a
    non-ASCII value is a refusal, not a TypeError.
    """
    if not secret or not isinstance(secret, str):
        return False
    if not header_value or not isinstance(header_value, str):
        return False
    if not isinstance(body, bytes | bytearray):
        return False
    return hmac.compare_digest(
        sign(secret, bytes(body)).encode(),
        header_value.strip().encode("utf-8", "replace"),
    )


def _text(value, field, required=False):
    if value is None or value == "":
        if required:
            raise PayloadError(f"missing {field}")
        return ""
    if not isinstance(value, str | int):
        raise PayloadError(f"{field} must be a string")
    return str(value)


def split_delivery(payload):
    if not isinstance(payload, dict) or not isinstance(payload.get("messages"), list):
        raise PayloadError('a delivery is an object with a "messages" list')
    deliveries = []
    for item in payload["messages"]:
        if not isinstance(item, dict):
            raise PayloadError("each message must be an object")
        account = _text(item.get("account"), "account", required=True)
        external_id = _text(item.get("id"), "id", required=True)
        action = _text(item.get("action"), "action") or "create"
        deliveries.append(
            ParsedDelivery(account, f"{external_id}:{action}", "generic.message", item)
        )
    return deliveries


def _parse_time(value):
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError as error:
        raise PayloadError(f"bad time {value!r}") from error
    if moment.tzinfo:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment


def _origin_post(value):
    """``post``: ``{"id", "permalink"?, "text"?, "own"?, "kind"?}``, or absent."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise PayloadError("post must be an object")
    return OriginPost(
        external_id=_text(value.get("id"), "post.id", required=True),
        permalink=_text(value.get("permalink"), "post.permalink"),
        text=_text(value.get("text"), "post.text"),
        from_account=value.get("own") is True,
        kind=_text(value.get("kind"), "post.kind") or "post",
    )


def parse_event(payload, account_ref):
    if not isinstance(payload, dict):
        raise PayloadError("a message must be an object")
    channel = _text(payload.get("channel"), "channel", required=True)
    if channel not in CHANNELS:
        raise PayloadError(f"unknown channel {channel!r}")
    author_data = payload.get("author") or {}
    if not isinstance(author_data, dict):
        raise PayloadError("author must be an object")
    author = None
    if author_data:
        followers = author_data.get("followers_count")
        author = Author(
            external_id=_text(author_data.get("id"), "author.id", required=True),
            handle=_text(author_data.get("handle"), "author.handle"),
            name=_text(author_data.get("name"), "author.name"),
            avatar_url=_text(author_data.get("avatar_url"), "author.avatar_url"),
            profile_url=_text(author_data.get("profile_url"), "author.profile_url"),
            followers_count=followers if isinstance(followers, int) else None,
            email=_text(author_data.get("email"), "author.email"),
            phone=_text(author_data.get("phone"), "author.phone"),
        )
    attachments = payload.get("attachments") or []
    if not isinstance(attachments, list) or not all(
        isinstance(a, dict) and isinstance(a.get("url"), str) for a in attachments
    ):
        raise PayloadError("attachments must be a list of objects with a url")
    message = SocialMessage(
        account_ref=account_ref,
        external_id=_text(payload.get("id"), "id", required=True),
        channel=channel,
        thread_key=_text(payload.get("thread"), "thread", required=True),
        action=_text(payload.get("action"), "action") or "create",
        kind=_text(payload.get("kind"), "kind") or "comment",
        text=_text(payload.get("text"), "text"),
        author=author,
        parent_external_id=_text(payload.get("parent_id"), "parent_id"),
        permalink=_text(payload.get("permalink"), "permalink"),
        created_at=_parse_time(payload.get("created_at")),
        from_account=bool(payload.get("from_account")),
        attachments=tuple(
            Attachment(url=a["url"], kind=str(a.get("kind") or "file"))
            for a in attachments
        ),
        origin_post=_origin_post(payload.get("post")),
    )
    return ParsedEvent(messages=[message])
