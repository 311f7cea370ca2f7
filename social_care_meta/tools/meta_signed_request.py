"""Facebook ``signed_request`` (data deletion and deauthorize callbacks).

The body is ``<base64url signature>.<base64url JSON>``, signed with the app
secret: anyone can POST to the callback, so nothing in it is trusted before
the signature is checked in constant time.
"""

import base64
import binascii
import hashlib
import hmac
import json
import re
import time

from odoo.addons.social_care.tools.normalized import PayloadError

ALGORITHM = "HMAC-SHA256"
PART_RE = re.compile(r"[A-Za-z0-9_-]+={0,2}")


def _b64encode(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


# How old a signed request may be. Meta calls at once; a day covers its delays
# and clock skew, and refuses a request captured and replayed later.
MAX_AGE = 24 * 3600
CLOCK_SKEW = 300  # seconds a request may seem to come from the future


def _b64decode(part):
    part = part.rstrip("=")
    try:
        return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    except (binascii.Error, ValueError) as error:  # e.g. a length of 4k+1
        raise PayloadError("the signed request is not base64url") from error


def _check_issued_at(data, max_age, now):
    issued_at = data.get("issued_at")
    if not isinstance(issued_at, int) or isinstance(issued_at, bool):
        raise PayloadError("the signed request says not when it was issued")
    if issued_at < now - max_age or issued_at > now + CLOCK_SKEW:
        raise PayloadError("the signed request is too old or from the future")


def _digest(app_secret, encoded_payload):
    key = app_secret.encode() if isinstance(app_secret, str) else app_secret
    return hmac.new(key, encoded_payload.encode("ascii"), hashlib.sha256).digest()


def parse_signed_request(signed_request, app_secret, max_age=None, now=None):
    """The verified payload (e.g. ``{"user_id", "algorithm", "issued_at"}``).

    Raises PayloadError when the request is malformed, the signature does not
    match, the algorithm is not HMAC-SHA256, or (with ``max_age`` seconds) it
    was issued longer ago than that.
    """
    if not app_secret or not isinstance(app_secret, str | bytes):
        raise PayloadError("no app secret is configured to check the signed request")
    if not isinstance(signed_request, str) or signed_request.count(".") != 1:
        raise PayloadError("a signed request is '<signature>.<payload>'")
    encoded_signature, encoded_payload = signed_request.split(".")
    if not PART_RE.fullmatch(encoded_signature) or not PART_RE.fullmatch(
        encoded_payload
    ):
        raise PayloadError("the signed request is not base64url")
    signature = _b64decode(encoded_signature)
    if not hmac.compare_digest(signature, _digest(app_secret, encoded_payload)):
        raise PayloadError("the signed request's signature does not match")
    try:
        data = json.loads(_b64decode(encoded_payload))
    except (ValueError, RecursionError) as error:
        raise PayloadError("the signed request's payload is not JSON") from error
    if not isinstance(data, dict):
        raise PayloadError("the signed request's payload is not an object")
    algorithm = data.get("algorithm")
    if not isinstance(algorithm, str) or algorithm.upper() != ALGORITHM:
        raise PayloadError(f"unsupported signed request algorithm {algorithm!r:.40}")
    if max_age is not None:
        _check_issued_at(data, max_age, time.time() if now is None else now)
    return data


def make_signed_request(payload, app_secret):
    """A signed request as Facebook builds it, for tests and the simulator."""
    data = {"algorithm": ALGORITHM, "issued_at": int(time.time()), **payload}
    encoded = _b64encode(json.dumps(data, separators=(",", ":")).encode())
    return f"{_b64encode(_digest(app_secret, encoded))}.{encoded}"
