"""Meta webhook plumbing: the GET verification, the POST signature, and the split
of one delivery into events the base stores one by one.

Meta delivers at least once (retries for 36 h) and batches many entries and
events in one POST, so each event gets a delivery key that stays the same when
Meta sends it again: the database's unique index then drops the duplicate.
"""

import hashlib
import hmac
import json

from odoo.addons.social_care.tools.normalized import ParsedDelivery, PayloadError

# Feed items that are posts; other items (reaction, like, share...) concern a
# post or comment but are not it, so their key also names the item and the actor.
FEED_POST_ITEMS = ("post", "status", "photo", "video")
# Top-level lists of an entry that carry Messenger-style events.
MESSAGING_LISTS = ("messaging", "standby")
# The entry id of the samples Meta's App Dashboard sends with its "Test" button.
DASHBOARD_TEST_ENTRY = "0"


def verify_challenge(params, verify_token):
    """The ``hub.challenge`` to echo if Meta's subscription check is genuine, else None.

    ``params`` is the GET query (a dict or werkzeug MultiDict). The token is
    compared in constant time; an empty configured token never matches.
    """
    if not verify_token or not isinstance(verify_token, str):
        return None
    if params.get("hub.mode") != "subscribe":
        return None
    token = params.get("hub.verify_token")
    challenge = params.get("hub.challenge")
    if not isinstance(token, str) or not isinstance(challenge, str) or not challenge:
        return None
    if not hmac.compare_digest(token.encode(), verify_token.encode()):
        return None
    return challenge


def _key_bytes(secret):
    return secret.encode() if isinstance(secret, str) else bytes(secret)


def sign(app_secret, body):
    """The ``X-Hub-Signature-256`` value Meta sends for ``body`` (raw bytes)."""
    digest = hmac.new(_key_bytes(app_secret), bytes(body), hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify_signature(app_secret, body, header_value):
    """Whether ``header_value`` signs the raw request ``body``; never raises.

    Meta signs the bytes it sends (unicode escaped as ``\\u00e4``), so the body
    must be the raw bytes, never re-serialized JSON. No secret or no header is
    a refusal, never a pass.
    """
    if not app_secret or not header_value or not isinstance(body, bytes | bytearray):
        return False
    if isinstance(header_value, bytes):
        header_value = header_value.decode("latin-1")
    if not isinstance(header_value, str) or not isinstance(app_secret, str | bytes):
        return False
    algorithm, _sep, digest = header_value.strip().partition("=")
    if algorithm.lower() != "sha256":
        return False
    expected = sign(app_secret, body).partition("=")[2]
    return hmac.compare_digest(expected.encode(), digest.lower().encode())


def _scalar(value):
    """An id-like value as text, or "" (ids are strings, some counters numbers)."""
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return ""


def _sub(parent, key):
    value = parent.get(key)
    return value if isinstance(value, dict) else {}


def _sha256(*parts):
    canonical = json.dumps(parts, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def ig_comment_key(comment_id, verb="add"):
    """Key of an Instagram comment event; the poll uses it too, so the database
    keeps one event for a comment both a poll and a webhook delivered."""
    return f"igc:{comment_id}:{verb}"


def ig_mention_key(target_id):
    """Key of an Instagram mention event (the comment's or the media's id); the
    poll uses it too, so a mention both delivered is stored once."""
    return f"igm:{target_id}"


def _change_key(obj, entry_id, field, change):
    """Key of one ``changes[]`` event, without ``entry.time``: retries change it."""
    value = _sub(change, "value")
    if field == "feed":
        target = _scalar(value.get("comment_id")) or _scalar(value.get("post_id"))
        verb = _scalar(value.get("verb"))
        item = _scalar(value.get("item"))
        if target and verb:
            key = f"feed:{target}:{verb}:{_scalar(value.get('created_time'))}"
            if item != "comment" and item not in FEED_POST_ITEMS:
                key += f":{item}:{_scalar(_sub(value, 'from').get('id'))}"
            if verb == "edited":  # successive edits may share the creation time
                key += ":" + _sha256(value.get("message"))[:16]
            return key
    elif obj == "instagram" and field in ("comments", "live_comments"):
        comment_id = _scalar(value.get("id")) or _scalar(value.get("comment_id"))
        if comment_id:
            return ig_comment_key(comment_id, _scalar(value.get("verb")) or "add")
    elif obj == "instagram" and field == "mentions":
        target = _scalar(value.get("comment_id")) or _scalar(value.get("media_id"))
        if target:
            return ig_mention_key(target)
    return "sha256:" + _sha256(obj, entry_id, field, change)


def _messaging_key(obj, entry_id, event):
    """Key of one ``messaging[]`` event: the message id, or what names a receipt."""
    sender = _scalar(_sub(event, "sender").get("id"))
    timestamp = _scalar(event.get("timestamp"))
    message = _sub(event, "message")
    edit = _sub(event, "message_edit")
    read = _sub(event, "read")
    delivery = _sub(event, "delivery")
    reaction = _sub(event, "reaction")
    postback = _sub(event, "postback")
    if _scalar(message.get("mid")):
        mid = _scalar(message["mid"])
        # Instagram reports a deletion with the deleted message's own mid.
        return (
            f"mid:{mid}:deleted" if message.get("is_deleted") is True else f"mid:{mid}"
        )
    if _scalar(edit.get("mid")):
        return f"edit:{_scalar(edit['mid'])}:{_scalar(edit.get('num_edit'))}"
    # Messenger reads carry a watermark, Instagram reads (messaging_seen) a mid.
    seen = _scalar(read.get("watermark")) or _scalar(read.get("mid"))
    if sender and seen:
        return f"read:{sender}:{seen}"
    if sender and _scalar(delivery.get("watermark")):
        return f"delivery:{sender}:{_scalar(delivery['watermark'])}"
    if sender and _scalar(reaction.get("mid")) and timestamp:
        action = _scalar(reaction.get("action"))
        return f"reaction:{sender}:{_scalar(reaction['mid'])}:{action}:{timestamp}"
    if _scalar(postback.get("mid")):
        return f"postback:{_scalar(postback['mid'])}"
    if sender and timestamp and ("postback" in event or "referral" in event):
        kind = "postback" if "postback" in event else "referral"
        return f"{kind}:{sender}:{timestamp}"
    return "sha256:" + _sha256(obj, entry_id, "messaging", event)


def _events(entry, key, index):
    events = entry.get(key, [])
    if not isinstance(events, list) or not all(isinstance(e, dict) for e in events):
        raise PayloadError(f"entry {index}: {key!r} must be a list of objects")
    return events


def is_dashboard_test(delivery):
    """Whether a ParsedDelivery is a sample from the App Dashboard's "Test" button.

    Meta sends those for entry id 0, which no Page or account has.
    """
    return delivery.account_ref == DASHBOARD_TEST_ENTRY


def split_delivery(payload):
    """One ParsedDelivery per event of a webhook delivery, in delivery order.

    ``account_ref`` is ``entry.id`` (page id or Instagram account id); each
    payload is self-contained: ``{"object", "entry_id", "time", "change"}`` or
    ``{..., "messaging"}``. Event types are ``<object>.<field>`` for changes and
    ``<object>.messaging`` / ``<object>.standby`` for Messenger-style events.
    """
    if not isinstance(payload, dict) or not isinstance(payload.get("entry"), list):
        raise PayloadError("a Meta delivery is an object with an 'entry' list")
    obj = payload.get("object")
    if not isinstance(obj, str) or not obj:
        raise PayloadError("the Meta delivery does not say its 'object'")
    deliveries = []
    for index, entry in enumerate(payload["entry"]):
        if not isinstance(entry, dict):
            raise PayloadError(f"entry {index} is not an object")
        entry_id = _scalar(entry.get("id"))
        if not entry_id:
            raise PayloadError(f"entry {index} has no page or account id")
        unit = {"object": obj, "entry_id": entry_id, "time": entry.get("time")}
        for change in _events(entry, "changes", index):
            field = change.get("field")
            if not isinstance(field, str) or not field:
                raise PayloadError(f"entry {index}: a change has no 'field'")
            deliveries.append(
                ParsedDelivery(
                    account_ref=entry_id,
                    delivery_key=_change_key(obj, entry_id, field, change),
                    event_type=f"{obj}.{field}",
                    payload={**unit, "change": change},
                )
            )
        for key in MESSAGING_LISTS:
            prefix = "" if key == "messaging" else f"{key}:"
            for event in _events(entry, key, index):
                deliveries.append(
                    ParsedDelivery(
                        account_ref=entry_id,
                        delivery_key=prefix + _messaging_key(obj, entry_id, event),
                        event_type=f"{obj}.{key}",
                        payload={**unit, "messaging": event},
                    )
                )
    return deliveries
