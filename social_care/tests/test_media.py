import contextlib
import gzip
import threading
import tracemalloc
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from unittest.mock import patch

from odoo.tests import tagged

from ..models import social_care_account
from ..tools import Attachment
from .common import SocialCareCase

# A compression bomb as the outside review sent it: zeros gzipped twice,
# announced as "Content-Encoding: gzip, gzip" (40 MB here, under 1 kB sent).
BOMB_INFLATED = 40 * 1024 * 1024
STACKED_BOMB = gzip.compress(gzip.compress(bytes(BOMB_INFLATED), 9), 9)
SINGLE_BOMB = gzip.compress(bytes(BOMB_INFLATED), 9)
# Bytes no sniffer recognises, then a script (a file Meta's conversations
# API would describe with its own "mime_type" and "name").
UNKNOWN_WITH_SCRIPT = b"\x00\x01\x02<script>alert(document.cookie)</script>"
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c63000100000500010d0a2db40000000049454e44ae426082"
)


class MediaHandler(BaseHTTPRequestHandler):
    """A platform's CDN (on 127.0.0.1) or a foreign host (on localhost)."""

    def log_message(self, format, *args):  # noqa: A002 (the stdlib's name)
        pass

    def do_GET(self):  # noqa: N802 (the stdlib's name)
        self.server.requests.append(self.path)
        status, content_type, body, headers = self.server.files.get(
            self.path, (404, "text/plain", b"missing", {})
        )
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(body)  # the client may stop reading a file too large


def serve(host, files):
    server = ThreadingHTTPServer((host, 0), MediaHandler)
    server.daemon_threads = True
    server.files, server.requests = files, []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@tagged("post_install", "-at_install")
class TestMediaDownload(SocialCareCase):
    """Media come from the platform only, and are what they claim to be.

    The app points at a sandbox (``api_base_url``) on 127.0.0.1, which stands
    for the platform's hosts; ``localhost`` on another port is a foreign host
    that must never be asked anything.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.foreign = serve("localhost", {"/stolen.png": (200, "image/png", PNG, {})})
        cls.addClassCleanup(cls.foreign.server_close)
        cls.addClassCleanup(cls.foreign.shutdown)
        foreign_url = f"http://localhost:{cls.foreign.server_port}/stolen.png"
        cls.platform = serve(
            "127.0.0.1",
            {
                "/photo.png": (200, "image/png", PNG, {}),
                "/page.png": (200, "image/png", b"<html><script>x</script></html>", {}),
                "/huge.jpg": (
                    200,
                    "image/jpeg",
                    b"\xff\xd8\xff\xe0" + bytes(11 * 1024 * 1024),
                    {},
                ),
                "/away.png": (302, "text/plain", b"", {"Location": foreign_url}),
                "/hop.png": (302, "text/plain", b"", {"Location": "/photo.png"}),
                "/bomb.png": (
                    200,
                    "image/png",
                    STACKED_BOMB,
                    {"Content-Encoding": "gzip, gzip"},
                ),
                "/bomb1.png": (
                    200,
                    "image/png",
                    SINGLE_BOMB,
                    {"Content-Encoding": "gzip"},
                ),
                "/page.html": (200, "text/html", UNKNOWN_WITH_SCRIPT, {}),
            },
        )
        cls.addClassCleanup(cls.platform.server_close)
        cls.addClassCleanup(cls.platform.shutdown)
        cls.base = f"http://127.0.0.1:{cls.platform.server_port}"
        cls.app.api_base_url = f"{cls.base}/api"
        cls.foreign_url = foreign_url

    def deliver_media(self, external_id, *paths):
        urls = [p if "://" in p else self.base + p for p in paths]
        self.deliver(
            self.message(
                external_id,
                "Here is a photo",
                attachments=[{"url": url, "kind": "image"} for url in urls],
            )
        )
        ticket = self.ticket_of(external_id)
        notes = " ".join(ticket.message_ids.mapped("body"))
        return ticket, notes

    def test_image_from_the_platform_is_stored(self):
        ticket, _notes = self.deliver_media("m1", "/photo.png", "/hop.png")
        self.assertEqual(ticket.attachment_ids.mapped("mimetype"), ["image/png"] * 2)
        self.assertEqual(ticket.attachment_ids[0].raw, PNG)

    def test_foreign_host_is_never_asked(self):
        ticket, notes = self.deliver_media("m2", self.foreign_url, "/away.png")
        self.assertFalse(ticket.attachment_ids)
        self.assertIn("not from the platform", notes)
        self.assertIn("redirected to a host that is not the platform", notes)
        self.assertEqual(self.foreign.requests, [])
        self.assertEqual(
            self.ticket_of("m2").social_message_ids.text, "Here is a photo"
        )

    def test_not_an_image_and_too_large_are_refused(self):
        ticket, notes = self.deliver_media("m3", "/page.png", "/huge.jpg")
        self.assertFalse(ticket.attachment_ids)
        self.assertIn("the file is application/xml", notes)
        self.assertIn("larger than 10 MB", notes)
        self.assertEqual(len(ticket.social_message_ids), 1, "the message is kept")

    def test_a_compression_bomb_is_refused_without_inflating(self):
        """Memory stays near the cap (1 MB here) though the answer inflates
        to 40 MB: the body is never decoded in one unbounded step."""
        for path in ("/bomb.png", "/bomb1.png"):
            with (
                self.subTest(path),
                patch.object(social_care_account, "MEDIA_MAX_BYTES", 1024 * 1024),
            ):
                tracemalloc.start()
                try:
                    with self.assertRaises(ValueError):
                        self.account._social_fetch_media(self.base + path)
                    peak = tracemalloc.get_traced_memory()[1]
                finally:
                    tracemalloc.stop()
                self.assertLess(peak, 4 * 1024 * 1024)
        ticket, notes = self.deliver_media("m5", "/bomb.png", "/bomb1.png")
        self.assertFalse(ticket.attachment_ids)
        self.assertIn("content encoding not accepted", notes)
        self.assertIn("larger than 10 MB", notes)
        self.assertEqual(ticket.social_message_ids.text, "Here is a photo")

    def test_the_announced_type_is_never_the_stored_one_unconfirmed(self):
        """An unrecognised file announced as HTML is kept as opaque bytes."""
        ticket, _notes = self.deliver_media("m6")
        message = ticket.social_message_ids
        stored = message._social_download_media(
            [
                Attachment(
                    url=self.base + "/page.html",
                    kind="file",
                    name="invoice.html",
                    mimetype="text/html",
                )
            ]
        )
        self.assertEqual(stored.mimetype, "application/octet-stream")
        self.assertEqual(stored.raw, UNKNOWN_WITH_SCRIPT)
