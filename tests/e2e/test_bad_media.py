"""Bad media through the live webhook route: the message lands, the media does not.

A Messenger message announces an image whose URL is on a foreign host, is
HTML posing as an image, is over 10 MB, or redirects to a foreign host. The
simulator serves the files (its address stands for Meta's CDN, as the app's
``api_base_url``); a canary server answers on ``localhost`` under another
port, a host that is not the platform's, and must never be asked anything.
"""

import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from simulator.core import TINY_PNG

from .e2e_support import messages, ticket_of, wait_for

pytestmark = pytest.mark.usefixtures("calls_left_as_found")


class Canary(BaseHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 (the stdlib's name)
        pass

    def do_GET(self):  # noqa: N802 (the stdlib's name)
        self.server.requests.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", "0")
        self.end_headers()


@pytest.fixture(scope="module")
def canary():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Canary)
    server.daemon_threads = True
    server.requests = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def deliver_messenger_image(world, text, url):
    """A Messenger message with one image, delivered signed to the live route."""
    cfg = world.config
    person = cfg.people["facebook"][0]
    stamp = int(time.time() * 1000)
    mid = f"m_media{secrets.token_hex(12)}"
    payload = {
        "object": "page",
        "entry": [
            {
                "id": cfg.page_id,
                "time": stamp,
                "messaging": [
                    {
                        "sender": {"id": person["id"]},
                        "recipient": {"id": cfg.page_id},
                        "timestamp": stamp,
                        "message": {
                            "mid": mid,
                            "text": text,
                            "attachments": [{"type": "image", "payload": {"url": url}}],
                        },
                    }
                ],
            }
        ],
    }
    status, answer = world.deliver("meta", payload)
    return mid, status, answer


def chatter(odoo, ticket):
    return odoo.call(
        "mail.message",
        "search_read",
        [("model", "=", "helpdesk.ticket"), ("res_id", "=", ticket)],
        fields=["body", "attachment_ids", "message_type"],
    )


def stored_attachments(odoo, ticket):
    return odoo.call(
        "ir.attachment",
        "search_read",
        [("res_model", "=", "helpdesk.ticket"), ("res_id", "=", ticket)],
        fields=["name", "mimetype", "file_size"],
    )


def _cases(world, canary):
    media = f"{world.base_url}/media"
    stolen = f"http://localhost:{canary.server_port}/stolen.png"
    return {
        "foreign host": (stolen, None, "not from the platform's hosts"),
        "HTML announced as an image": (
            f"{media}/not-image.png",
            "not-image.png",
            "announced as image, the file is application/xml",
        ),
        "over 10 MB": (f"{media}/huge.jpg", "huge.jpg", "larger than 10 MB"),
        "redirect to a foreign host": (
            f"{media}/redirect/{stolen}",
            f"redirect/{stolen}",
            "redirected to a host that is not the platform's: localhost:",
        ),
    }


@pytest.mark.parametrize(
    "case",
    [
        "foreign host",
        "HTML announced as an image",
        "over 10 MB",
        "redirect to a foreign host",
    ],
)
def test_bad_media_is_refused_and_the_message_kept(odoo, world, canary, case):
    url, served, reason = _cases(world, canary)[case]
    text = f"Look at this photo ({case})"
    mid, status, answer = deliver_messenger_image(world, text, url)
    # The delivery itself is fine: acknowledged and stored.
    assert (status, json.loads(answer)) == (200, {"received": 1, "new": 1})
    ticket = ticket_of(odoo, world.accounts["facebook"], mid)
    (row,) = messages(
        odoo,
        [("account_id", "=", world.accounts["facebook"]), ("external_id", "=", mid)],
        fields=("text", "ticket_id"),
    )
    assert row["text"] == text
    # The note says why, and nothing of the media was stored.
    notes = wait_for(
        lambda: [m["body"] for m in chatter(odoo, ticket) if reason in m["body"]],
        what=f"a note saying {reason!r}",
    )
    assert len(notes) == 1
    assert not any(
        a["name"].endswith((".png", ".jpg")) or a["mimetype"].startswith("image/")
        for a in stored_attachments(odoo, ticket)
    )
    assert not any(m["attachment_ids"] for m in chatter(odoo, ticket))
    # Odoo asked the platform only, never the foreign host.
    if served:
        assert served in world.media_requests
    assert canary.requests == []


def test_good_image_is_stored(odoo, world, canary):
    mid, status, _answer = deliver_messenger_image(
        world, "The box, as it arrived", f"{world.base_url}/media/image.png"
    )
    assert status == 200
    ticket = ticket_of(odoo, world.accounts["facebook"], mid)
    stored = wait_for(
        lambda: stored_attachments(odoo, ticket), what="the image attached"
    )
    assert [(a["mimetype"], a["file_size"]) for a in stored] == [
        ("image/png", len(TINY_PNG))
    ]
    assert canary.requests == []
