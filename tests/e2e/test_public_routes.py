"""Issue 11: the public routes attacked as an outsider would, on a live Odoo.

The outsider knows an app id (they are small integers) and nothing else.
"""

import json
import socket
import time
import urllib.error
import urllib.parse
import urllib.request

from simulator import addon_tools

MAX_BODY = 1024 * 1024  # the webhook routes' cap (social_care.controllers.main)


def _request(url, data=None, headers=None):
    """(status, body text) of one plain HTTP request."""
    request = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")


def _events(odoo, app_id):
    return odoo.call("social.care.event", "search_count", [("app_id", "=", app_id)])


def test_crc_answer_cannot_sign_a_forged_dm(odoo, world):
    app = world.config.x_app_id
    url = f"{odoo.url}/social_care/webhook/{app}"
    forged = json.dumps(
        {
            "for_user_id": world.config.x_user_id,
            "direct_message_events": [
                {
                    "type": "message_create",
                    "id": "1999999999999999999",
                    "created_timestamp": str(int(time.time() * 1000)),
                    "message_create": {
                        "target": {"recipient_id": world.config.x_user_id},
                        "sender_id": "4242",
                        "message_data": {"text": "Forged: refund me"},
                    },
                }
            ],
        }
    )
    before = _events(odoo, app)
    status, answer = _request(f"{url}?{urllib.parse.urlencode({'crc_token': forged})}")
    signature = json.loads(answer)["response_token"] if status == 200 else ""
    post_status, _ = _request(
        url,
        data=forged.encode(),
        headers={
            "Content-Type": "application/json",
            addon_tools.X_SIGNATURE_HEADER: signature,
        },
    )
    assert (status, post_status) == (403, 403)
    assert _events(odoo, app) == before, "the forged DM must not be stored"


def test_a_token_x_would_send_is_still_answered(odoo, world):
    app = world.config.x_app_id
    token = "MGI2ZjJmNGUtM2MxZC00ZThhLTlmNTctMmQ2YzhhMWI0ZTkw"  # base64 of a UUID
    status, answer = _request(
        f"{odoo.url}/social_care/webhook/{app}?crc_token={token}&nonce=MTc4ODI1NjgwMDEyMw"
    )
    assert status == 200
    assert json.loads(answer) == addon_tools.x_webhook.crc_response(
        world.config.x_secret, token
    )


def test_unknown_app_ids_answer_as_known_ones(odoo, world):
    body = b'{"object": "page", "entry": []}'
    for app in (world.config.x_app_id, world.config.meta_app_id):
        known = _request(f"{odoo.url}/social_care/webhook/{app}", data=body)
        unknown = _request(f"{odoo.url}/social_care/webhook/987654321", data=body)
        assert known[0] == 403
        assert unknown == known
    deletion = f"{odoo.url}/social_care_meta/deletion/"
    form = urllib.parse.urlencode({"signed_request": "forged.e30"}).encode()
    known = _request(deletion + str(world.config.meta_app_id), data=form)
    unknown = _request(deletion + "987654321", data=form)
    assert known[0] == 403
    assert unknown == known


def test_malformed_signed_request_is_refused_not_a_server_error(odoo, world):
    url = f"{odoo.url}/social_care_meta/deletion/{world.config.meta_app_id}"
    form = urllib.parse.urlencode({"signed_request": "AAAAA.e30"}).encode()
    status, _ = _request(url, data=form)
    assert status == 403


def test_endless_chunked_body_is_cut_at_the_cap(odoo, world):
    url = urllib.parse.urlparse(odoo.url)
    path = f"/social_care/webhook/{world.config.x_app_id}"
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {url.hostname}\r\n"
        "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    ).encode()
    piece = b"x" * 65536
    with socket.create_connection((url.hostname, url.port), timeout=20) as sock:
        sock.sendall(head)
        for _ in range(MAX_BODY // len(piece) + 2):
            sock.sendall(b"%x\r\n%s\r\n" % (len(piece), piece))
        # The body never ends: only a capped reader answers.
        try:
            answer = sock.recv(64)
        except TimeoutError:
            answer = b""
    assert answer.startswith(b"HTTP/1.1 413"), answer
