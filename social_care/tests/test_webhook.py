import json
import socket
from urllib.parse import urlparse

from odoo.tests import HttpCase, tagged

from ..controllers.main import MAX_BODY_BYTES
from ..tools import generic
from .common import SECRET


@tagged("post_install", "-at_install")
class TestWebhook(HttpCase):
    """The real route: verify, store, answer; nothing stored on a failed check."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.app = cls.env["social.care.app"].create(
            {"name": "Hook app", "provider": "generic", "client_secret": SECRET}
        )
        cls.account = cls.env["social.care.account"].create(
            {
                "name": "Brand",
                "app_id": cls.app.id,
                "external_ref": "brand",
                "state": "connected",
            }
        )
        cls.url = f"/social_care/webhook/{cls.app.id}"

    def post(self, body, signature=None, secret=SECRET):
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        headers = {"Content-Type": "application/json"}
        if signature is not False:
            headers[generic.SIGNATURE_HEADER] = signature or generic.sign(secret, raw)
        return self.url_open(self.url, data=raw, headers=headers)

    def delivery(self, *ids):
        return {
            "messages": [
                {
                    "account": "brand",
                    "id": i,
                    "channel": "x_public",
                    "thread": "c1",
                    "text": "hi",
                    "author": {"id": "u1", "handle": "cust"},
                }
                for i in ids
            ]
        }

    def events(self):
        return self.env["social.care.event"].search([("app_id", "=", self.app.id)])

    def test_signed_delivery_is_stored_once(self):
        response = self.post(self.delivery("a", "b"))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json(), {"received": 2, "new": 2})
        self.assertEqual(set(self.events().mapped("state")), {"pending"})
        again = self.post(self.delivery("a", "b"))
        self.assertEqual(again.json(), {"received": 2, "new": 0})
        self.assertEqual(len(self.events()), 2)

    def test_wrong_or_missing_signature_is_refused_and_stores_nothing(self):
        self.assertEqual(self.post(self.delivery("a"), secret="wrong").status_code, 403)
        self.assertEqual(
            self.post(self.delivery("a"), signature=False).status_code, 403
        )
        self.assertEqual(
            self.post(self.delivery("a"), signature="sha256=00").status_code, 403
        )
        self.assertFalse(self.events())

    def test_app_without_secret_refuses_everything(self):
        self.app.client_secret = False
        response = self.post(self.delivery("a"), secret="")
        self.assertEqual(response.status_code, 403)
        self.assertFalse(self.events())

    def test_oversized_body_is_refused(self):
        response = self.post(b"{" + b" " * (1024 * 1024 + 10) + b"}")
        self.assertEqual(response.status_code, 413)
        self.assertFalse(self.events())

    def test_malformed_json_is_kept_as_an_error(self):
        response = self.post(b'{"messages": [')
        self.assertEqual(response.status_code, 400)
        event = self.events()
        self.assertEqual(event.state, "error")
        self.assertEqual(event.payload, {"raw": '{"messages": ['})

    def test_unknown_app_is_refused_as_a_bad_signature_is(self):
        # Issue 11: a 404 here told outsiders which app ids exist.
        response = self.url_open("/social_care/webhook/999999", data=b"{}")
        self.assertEqual(response.status_code, 403)

    def test_get_without_challenge_is_refused(self):
        response = self.url_open(self.url)
        self.assertEqual(response.status_code, 403)

    def test_nan_or_infinity_is_kept_as_unreadable(self):
        # Python's json reads them; jsonb refuses them: stored as raw text, 400.
        response = self.post(b'{"messages": [], "score": NaN, "x": -Infinity}')
        self.assertEqual(response.status_code, 400)
        (event,) = self.events()
        self.assertEqual(event.state, "error")
        self.assertIn("NaN", event.payload["raw"])


@tagged("post_install", "-at_install")
class TestWebhookAttacks(HttpCase):
    """Issue 11: what an outsider can send the public route, through HTTP."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.app = cls.env["social.care.app"].create(
            {"name": "Attacked app", "provider": "generic", "client_secret": SECRET}
        )
        cls.url = f"/social_care/webhook/{cls.app.id}"

    def events(self):
        return self.env["social.care.event"].search([("app_id", "=", self.app.id)])

    def raw_request(self, head, chunks, timeout=20):
        """Send ``head`` then ``chunks`` on a socket, never ending the body;
        return the first bytes of the answer (b"" when none came in time)."""
        url = urlparse(self.base_url())
        with socket.create_connection((url.hostname, url.port), timeout=timeout) as s:
            s.sendall(head)
            for chunk in chunks:
                s.sendall(chunk)
            try:
                return s.recv(64)
            except TimeoutError:
                return b""

    def test_endless_chunked_body_is_cut_at_the_limit(self):
        # No Content-Length: a reader without a cap waits for the body's end
        # (here: never), holding all of it in memory meanwhile.
        head = (
            f"POST {self.url} HTTP/1.1\r\nHost: localhost\r\n"
            "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
        ).encode()
        piece = b"x" * 65536
        count = MAX_BODY_BYTES // len(piece) + 2
        chunks = [b"%x\r\n%s\r\n" % (len(piece), piece)] * count
        answer = self.raw_request(head, chunks)
        self.assertTrue(answer.startswith(b"HTTP/1.1 413"), answer)
        self.assertFalse(self.events())

    def test_chunked_form_body_is_cut_before_odoo_parses_it(self):
        # Odoo reads form bodies before the route runs: the cap comes first.
        head = (
            f"POST {self.url} HTTP/1.1\r\nHost: localhost\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            "Transfer-Encoding: chunked\r\n\r\n"
        ).encode()
        piece = b"a" * 65536
        count = MAX_BODY_BYTES // len(piece) + 2
        chunks = [b"%x\r\n%s\r\n" % (len(piece), piece)] * count
        answer = self.raw_request(head, chunks)
        self.assertTrue(answer.startswith(b"HTTP/1.1 413"), answer)

    def test_chunked_body_within_the_limit_is_read(self):
        body = json.dumps({"messages": []}).encode()
        response = self.url_open(
            self.url,
            data=iter([body[:5], body[5:]]),  # a generator: requests sends it chunked
            headers={generic.SIGNATURE_HEADER: generic.sign(SECRET, body)},
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json(), {"received": 0, "new": 0})

    def test_non_ascii_signature_is_refused(self):
        body = json.dumps({"messages": []}).encode()
        for value in ("sha256=\u00e9\u00e8", "\u00ff" * 71):
            with self.subTest(value=value):
                response = self.url_open(
                    self.url, data=body, headers={generic.SIGNATURE_HEADER: value}
                )
                self.assertEqual(response.status_code, 403)
        self.assertFalse(self.events())

    def test_deeply_nested_signed_json_is_kept_as_unreadable(self):
        for depth in (100, 100000):
            with self.subTest(depth=depth):
                body = b'{"messages": ' + b"[" * depth + b"]" * depth + b"}"
                response = self.url_open(
                    self.url,
                    data=body,
                    headers={generic.SIGNATURE_HEADER: generic.sign(SECRET, body)},
                )
                self.assertEqual(response.status_code, 400)
                self.assertEqual(response.text, "unreadable payload")
        events = self.events()
        self.assertEqual(len(events), 2, "signed: kept, never lost")
        self.assertEqual(set(events.mapped("state")), {"error"})
        self.assertTrue(all("nested" in error for error in events.mapped("error")))

    def test_unsigned_posts_to_an_app_without_secret_log_once(self):
        self.app.client_secret = False  # this class's app: it never logged yet
        with self.assertLogs("odoo.addons.social_care.controllers.main") as logs:
            for _attempt in range(5):
                response = self.url_open(self.url, data=b'{"messages": []}')
                self.assertEqual(response.status_code, 403)
        self.assertEqual(len(logs.records), 1, logs.output)
        self.assertIn("has no secret", logs.output[0])
