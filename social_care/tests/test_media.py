import contextlib
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from odoo.tests import tagged

from .common import SocialCareCase

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
