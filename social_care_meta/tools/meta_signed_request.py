"""Facebook ``signed_request`` (data deletion and deauthorize callbacks).

The body is ``<base64url signature>.<base64url JSON>``, signed with the app
secret: anyone can POST to the callback, so nothing in it is trusted before
the signature is checked in constant time.
"""

import base64
import hashlib
import hmac
import json
import re

from odoo.addons.social_care.tools.normalized import PayloadError

ALGORITHM = "HMAC-SHA256"
PART_RE = re.compile(r"[A-Za-z0-9_-]+={0,2}")


def _b64encode(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(part):
    part = part.rstrip("=")
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def _digest(app_secret, encoded_payload):
    key = app_secret.encode() if isinstance(app_secret, str) else app_secret
    return hmac.new(key, encoded_payload.encode("ascii"), hashlib.sha256).digest()


def parse_signed_request(signed_request, app_secret):
    """The verified payload (e.g. ``{"user_id", "algorithm", "issued_at"}``).

    Raises PayloadError when the request is malformed, the signature does not
    match, or the algorithm is not HMAC-SHA256.
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
    except ValueError as error:
        raise PayloadError("the signed request's payload is not JSON") from error
    if not isinstance(data, dict):
        raise PayloadError("the signed request's payload is not an object")
    algorithm = data.get("algorithm")
    if not isinstance(algorithm, str) or algorithm.upper() != ALGORITHM:
        raise PayloadError(f"unsupported signed request algorithm {algorithm!r:.40}")
    return data


def make_signed_request(payload, app_secret):
    """A signed request as Facebook builds it, for tests and the simulator."""
    data = {"algorithm": ALGORITHM, **payload}
    encoded = _b64encode(json.dumps(data, separators=(",", ":")).encode())
    return f"{_b64encode(_digest(app_secret, encoded))}.{encoded}"
