from urllib.parse import urlparse

from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import APP_ID, SECRET, VERIFY_TOKEN, MetaCase


@tagged("post_install", "-at_install")
class TestMetaOnboarding(MetaCase):
    """Facebook Login through a sandbox, and the app's webhook subscriptions."""

    def test_sandbox_serves_the_login_dialog(self):
        self.app.api_base_url = "http://127.0.0.1:8071/meta"
        url = urlparse(self.app._meta_authorize_url("the-state"))
        self.assertEqual(
            (url.scheme, url.netloc, url.path),
            ("http", "127.0.0.1:8071", "/meta/v26.0/dialog/oauth"),
        )
        self.app.api_base_url = False
        url = urlparse(self.app._meta_authorize_url("the-state"))
        self.assertEqual(url.netloc, "www.facebook.com")

    def test_register_webhook_subscribes_page_and_instagram_objects(self):
        routes = {("POST", f"{APP_ID}/subscriptions"): {"success": True}}
        with self.graph(routes) as graph:
            action = self.app.action_meta_register_webhook()
        self.assertEqual(action["params"]["type"], "success")
        calls = graph.find("POST", f"{APP_ID}/subscriptions")
        self.assertEqual(
            [call["params"]["object"] for call in calls], ["page", "instagram"]
        )
        page = calls[0]["params"]
        self.assertEqual(page["callback_url"], self.app.webhook_url)
        self.assertEqual(page["verify_token"], VERIFY_TOKEN)
        self.assertEqual(page["access_token"], f"{APP_ID}|{SECRET}")
        self.assertIn("feed", page["fields"].split(","))
        self.assertEqual(calls[1]["params"]["fields"], "comments,mentions,messages")
        self.assertTrue(self.app.meta_webhook_registered_at)

    def test_missing_verify_token_is_generated(self):
        self.app.sudo().verify_token = False
        routes = {("POST", f"{APP_ID}/subscriptions"): {"success": True}}
        with self.graph(routes) as graph:
            self.app.action_meta_register_webhook()
        token = self.app.sudo().verify_token
        self.assertGreaterEqual(len(token), 24)
        self.assertEqual(graph.calls[0]["params"]["verify_token"], token)

    def test_failed_verification_is_shown_and_not_recorded(self):
        failure = (
            400,
            {
                "error": {
                    "message": "(#2200) callback verification failed with the "
                    "following errors: HTTP Status Code = 403",
                    "type": "GraphMethodException",
                    "code": 2200,
                }
            },
        )
        routes = {("POST", f"{APP_ID}/subscriptions"): failure}
        with self.graph(routes), self.assertRaises(UserError) as raised:
            self.app.action_meta_register_webhook()
        message = str(raised.exception)
        self.assertIn(self.app.webhook_url, message)
        self.assertIn("verify", message)
        self.assertFalse(self.app.meta_webhook_registered_at)

    def test_register_needs_the_app_keys(self):
        self.app.sudo().client_secret = False
        with self.assertRaises(UserError):
            self.app.action_meta_register_webhook()

    def test_the_apps_list_reads_urls_of_several_apps(self):
        other = self.env["social.care.app"].create(
            {"name": "Other", "provider": "meta"}
        )
        rows = (self.app | other).read(["webhook_url", "meta_oauth_redirect_url"])
        self.assertEqual(
            [row["webhook_url"] for row in rows],
            [self.app.webhook_url, other.webhook_url],
        )
        self.assertTrue(rows[1]["webhook_url"].endswith(f"/webhook/{other.id}"))
