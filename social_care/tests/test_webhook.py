import json

from odoo.tests import HttpCase, tagged

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

    def test_unknown_app_is_not_found(self):
        response = self.url_open("/social_care/webhook/999999", data=b"{}")
        self.assertEqual(response.status_code, 404)

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
