"""X webhooks: the CRC challenge, the POST signature, and splitting a delivery.

One app-level webhook serves every connected account, and one POST can carry
several events. ``split_delivery`` cuts a body into units that each make sense
alone and carry a key that stays the same when X delivers the thing again, so
the database's unique index drops duplicates.
"""

import base64
import hashlib
import hmac
import json
import re

from odoo.addons.social_care.tools.normalized import ParsedDelivery, PayloadError

SIGNATURE_HEADER = "x-twitter-webhooks-signature"

# X's CRC and POST signatures are the same HMAC with the same key, so the CRC
# answer would sign any body an outsider sends as crc_token. X's tokens are
# opaque base64 strings (a 2026 capture: 48 characters, the base64 of a UUID);
# only those are answered, and no body of that shape is ever accepted as signed.
CRC_TOKEN_RE = re.compile(rb"[A-Za-z0-9+/_=-]{1,256}")

# Top-level keys of an Account Activity delivery that describe it, not events.
_AAA_CONTEXT = ("for_user_id", "user_has_blocked", "is_blocked_by", "users", "apps")
# Event arrays we parse: the unit's event type, its key prefix, the item's id.
_AAA_EVENTS = {
    "tweet_create_events": ("aaa.tweet_create", "tweet", lambda i: _get(i, "id_str")),
    "direct_message_events": ("aaa.direct_message", "dm", lambda i: _get(i, "id")),
    "tweet_delete_events": (
        "aaa.tweet_delete",
        "delete",
        lambda i: _get(i.get("status"), "id_str", "id"),
    ),
}


def _digest(secret, message):
    mac = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return "sha256=" + base64.b64encode(mac).decode("ascii")


def is_crc_token(value) -> bool:
    """Whether ``value`` (str or bytes) has the shape of an X CRC token."""
    if isinstance(value, str):
        value = value.encode("utf-8", "replace")
    return isinstance(value, bytes | bytearray) and bool(CRC_TOKEN_RE.fullmatch(value))


def crc_response(consumer_secret: str, crc_token: str) -> dict:
    """The JSON body that answers X's ``GET ?crc_token=`` challenge.

    Raises ValueError for a token X would not send: signing it would forge a
    delivery's signature.
    """
    if not consumer_secret:
        raise ValueError(
            "the X app has no consumer secret: the challenge cannot be met"
        )
    if not is_crc_token(crc_token):
        raise ValueError("not an X CRC token")
    return {"response_token": _digest(consumer_secret, crc_token.encode())}


def sign(consumer_secret: str, body: bytes) -> str:
    """The signature header value X sends with ``body`` (for tests and simulators)."""
    return _digest(consumer_secret, body)


def verify_signature(consumer_secret: str, body: bytes, header_value) -> bool:
    """Whether ``header_value`` signs the raw ``body``; a missing secret refuses all.

    A body shaped like a CRC token is refused whatever its signature: the CRC
    answer could have signed it.
    """
    if not consumer_secret or not isinstance(consumer_secret, str):
        return False
    if not header_value or not isinstance(header_value, str):
        return False
    if not isinstance(body, bytes | bytearray) or is_crc_token(body):
        return False
    expected = sign(consumer_secret, bytes(body)).encode()
    return hmac.compare_digest(
        expected, header_value.strip().encode("utf-8", "replace")
    )


def _get(value, *keys):
    """The first of ``keys`` that ``value`` holds as a non-empty string, else None."""
    if isinstance(value, dict):
        for key in keys:
            if isinstance(value.get(key), str) and value[key]:
                return value[key]
    return None


def _content_key(payload):
    """A key for things X gives no id to: the hash of their canonical JSON."""
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()


def _unit(account_ref, event_type, payload, key=None):
    return ParsedDelivery(
        account_ref=account_ref,
        delivery_key=key or _content_key(payload),
        event_type=event_type,
        payload=payload,
    )


def _split_activity(body):
    """XAA: one event per body, keyed by its ``event_uuid``."""
    data = body["data"]
    account_ref = _get(data.get("filter"), "user_id")
    if account_ref is None:  # oauth.revoke comes with an empty filter
        account_ref = _get(data.get("payload"), "user_id") or ""
    key = _get(data, "event_uuid")
    return [_unit(account_ref, "xaa." + data["event_type"], body, key)]


def _split_revoke(body):
    user_event = body["user_event"]
    if not isinstance(user_event, dict):
        raise PayloadError("user_event is not an object")
    if "revoke" not in user_event:
        return [_unit("", "aaa.unknown.user_event", {"user_event": user_event})]
    revoke = user_event["revoke"]
    user_id = _get(
        revoke.get("source") if isinstance(revoke, dict) else None, "user_id"
    )
    if user_id is None:
        raise PayloadError("a revoke event without source.user_id")
    key = f"revoke:{user_id}:{_get(revoke, 'date_time') or ''}"
    return [_unit(user_id, "aaa.revoke", {"user_event": {"revoke": revoke}}, key)]


def _split_account_activity(body):
    """AAA: one unit per item of each event array, with the delivery's context."""
    units = _split_revoke(body) if "user_event" in body else []
    events = {
        key: value
        for key, value in body.items()
        if key not in _AAA_CONTEXT and key != "user_event"
    }
    if not events:
        return units
    account_ref = body.get("for_user_id")
    if not isinstance(account_ref, str) or not account_ref:
        raise PayloadError("an Account Activity delivery without for_user_id")
    context = {key: body[key] for key in _AAA_CONTEXT if key in body}
    for name, value in events.items():
        event_type, prefix, id_of = _AAA_EVENTS.get(
            name, (f"aaa.unknown.{name}", None, None)
        )
        if isinstance(value, dict):  # not an array: keep it whole
            units.append(_unit(account_ref, event_type, {**context, name: value}))
            continue
        if not isinstance(value, list):
            continue  # a flag we do not know; nothing happened
        for item in value:
            if not isinstance(item, dict):
                raise PayloadError(f"an item of {name} is not an object")
            item_id = id_of(item) if id_of else None
            key = f"{prefix}:{item_id}" if item_id else None
            units.append(_unit(account_ref, event_type, {**context, name: [item]}, key))
    return units


def split_delivery(payload: dict) -> list[ParsedDelivery]:
    """Cut one webhook POST body (AAA or XAA) into self-contained, keyed units."""
    if not isinstance(payload, dict):
        raise PayloadError("an X webhook body must be a JSON object")
    data = payload.get("data")
    if isinstance(data, dict) and isinstance(data.get("event_type"), str):
        return _split_activity(payload)
    if "for_user_id" in payload or "user_event" in payload:
        return _split_account_activity(payload)
    raise PayloadError("not an X Account Activity or X Activity delivery")
