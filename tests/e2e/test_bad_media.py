"""Bad media through the live webhook route: the message lands, the media does not.

A Messenger message announces an image whose URL is on a foreign host, is
HTML posing as an image, is over 10 MB, or redirects to a foreign host. The
simulator serves the files (its address stands for Meta's CDN, as the app's
``api_base_url``); a canary server answers on ``localhost`` under another
port, a host that is not the platform's, and must never be asked anything.

Then the URL tricks of an outside security review and of SSRF write-ups,
each aimed at canaries on 127.0.0.1 and ::1 (which count connections, not
just requests: a TLS handshake is one too): a backslash before ``@`` (read as
Meta's CDN by ``urllib.parse``, as the canary by requests), IPv4 in decimal,
octal and hex, IPv6, userinfo, ports, percent-encoding, Unicode dots, and
redirects to such addresses.
"""

import json
import secrets
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import quote

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


class CountingServer(ThreadingHTTPServer):
    """Counts every connection accepted, whatever is then sent on it."""

    daemon_threads = True

    def verify_request(self, request, client_address):
        self.connections += 1
        return True


class CountingServer6(CountingServer):
    address_family = socket.AF_INET6


def _serve(server_class, host):
    server = server_class((host, 0), Canary)
    server.requests, server.connections = [], 0
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture(scope="module")
def canary():
    server = _serve(CountingServer, "127.0.0.1")
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def canary6():
    server = _serve(CountingServer6, "::1")
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


CDN = "scontent.xx.fbcdn.net"  # Meta's media host (its suffix is listed)
NOT_FETCHED = "Attachment not fetched (not from the platform's hosts: "
REDIRECTED = "redirected to a host that is not the platform's: "
CHARACTERS = "backslash, space, control or non-ASCII characters in the address"
IP = "an IP address instead of the platform's host name"


def _tricks(world, canary, canary6):
    """``{name: (url, parts of the note)}``: each URL, if followed, would
    reach a canary."""
    p, p6 = canary.server_port, canary6.server_port
    direct = {
        "backslash userinfo": (rf"https://127.0.0.1:{p}\@{CDN}/a.png", CHARACTERS),
        "backslash userinfo, IPv6": (rf"https://[::1]:{p6}\@{CDN}/a.png", CHARACTERS),
        "backslash, plain http": (rf"http://127.0.0.1:{p}\@{CDN}/a.png", CHARACTERS),
        "IPv4 literal": (f"https://127.0.0.1:{p}/a.png", IP),
        "IPv6 literal": (f"https://[::1]:{p6}/a.png", IP),
        "IPv4-mapped IPv6": (f"https://[::ffff:127.0.0.1]:{p}/a.png", IP),
        "decimal IPv4": (f"https://2130706433:{p}/a.png", IP),
        "octal IPv4": (f"https://017700000001:{p}/a.png", IP),
        "hex IPv4": (f"https://0x7f.1:{p}/a.png", IP),
        "the sandbox's host, another port": (
            f"http://127.0.0.1:{p}/a.png",
            "not https",
        ),
        "the CDN on another port": (
            f"https://{CDN}:{p}/a.png",
            "a port other than 443",
        ),
        "percent-encoded backslash": (
            f"https://127.0.0.1:{p}%5C@{CDN}/a.png",
            "a user name or password in the address",
        ),
        "percent-encoded host": (
            f"https://127.0.0.1%3A{p}/a.png",
            "a host that is not the platform's",
        ),
        "unicode dots": (f"https://127\u30020\u30020\u30021:{p}/a.png", CHARACTERS),
        "fullwidth at sign": (f"https://127.0.0.1:{p}\uff20{CDN}/a.png", CHARACTERS),
    }
    cases = {name: (url, (NOT_FETCHED + why,)) for name, (url, why) in direct.items()}
    for name, (target, why) in {
        "redirect, backslash userinfo": direct["backslash userinfo"],
        "redirect, IPv6 backslash": direct["backslash userinfo, IPv6"],
        "redirect, decimal IPv4": direct["decimal IPv4"],
        "redirect, the sandbox's host on another port": direct[
            "the sandbox's host, another port"
        ],
        "redirect, percent-encoded backslash": direct["percent-encoded backslash"],
        "redirect, protocol-relative": (f"//127.0.0.1:{p}/a.png", "not https"),
    }.items():
        url = f"{world.base_url}/media/redirect/{quote(target, safe='')}"
        cases[name] = (url, (REDIRECTED, f" ({why})): "))
    return cases


TRICKS = [
    "backslash userinfo",
    "backslash userinfo, IPv6",
    "backslash, plain http",
    "IPv4 literal",
    "IPv6 literal",
    "IPv4-mapped IPv6",
    "decimal IPv4",
    "octal IPv4",
    "hex IPv4",
    "the sandbox's host, another port",
    "the CDN on another port",
    "percent-encoded backslash",
    "percent-encoded host",
    "unicode dots",
    "fullwidth at sign",
    "redirect, backslash userinfo",
    "redirect, IPv6 backslash",
    "redirect, decimal IPv4",
    "redirect, the sandbox's host on another port",
    "redirect, percent-encoded backslash",
    "redirect, protocol-relative",
]


@pytest.mark.parametrize("case", TRICKS)
def test_url_tricks_never_reach_another_host(odoo, world, canary, canary6, case):
    url, reason = _tricks(world, canary, canary6)[case]
    canary.connections = canary6.connections = 0  # counted per case
    text = f"Here is the photo ({case})"
    mid, status, _answer = deliver_messenger_image(world, text, url)
    assert status == 200
    ticket = ticket_of(odoo, world.accounts["facebook"], mid)
    # One conversation holds all cases: the note is the one naming this URL
    # (whatever it says: on a fetch that reached a host, it says that failed).
    notes = wait_for(
        lambda: [m["body"] for m in chatter(odoo, ticket) if f"{url}</p>" in m["body"]],
        what=f"a note about {url!r}",
    )
    # Not a request, not even a connection (a TLS handshake would be one).
    assert (canary.connections, canary6.connections) == (0, 0)
    assert canary.requests == canary6.requests == []
    assert len(notes) == 1
    assert all(part in notes[0] for part in reason), (reason, notes[0])
    (row,) = messages(
        odoo,
        [("account_id", "=", world.accounts["facebook"]), ("external_id", "=", mid)],
        fields=("text", "mail_message_id"),
    )
    assert row["text"] == text
    # The ticket may hold other tests' media (one conversation): not this post.
    (post,) = odoo.call(
        "mail.message", "read", [row["mail_message_id"][0]], ["attachment_ids"]
    )
    assert post["attachment_ids"] == []


def test_a_compression_bomb_is_refused(odoo, world, canary):
    """Under 1 kB sent as "gzip, gzip", 40 MB inflated: refused unread."""
    mid, status, _answer = deliver_messenger_image(
        world, "The photo, compressed", f"{world.base_url}/media/bomb.png"
    )
    assert status == 200
    ticket = ticket_of(odoo, world.accounts["facebook"], mid)
    reason = "content encoding not accepted"
    wait_for(
        lambda: [m for m in chatter(odoo, ticket) if reason in m["body"]],
        what=f"a note saying {reason!r}",
    )
    assert "bomb.png" in world.media_requests
