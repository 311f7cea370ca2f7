from urllib.parse import parse_qs, urlparse

from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import ACME, FakeX, XCase, fake_x

TOKEN = "/2/oauth2/token"
WEBHOOKS = "/2/webhooks"
HOOK_ID = "1146654567674912769"
SUBSCRIPTION = f"/2/account_activity/webhooks/{HOOK_ID}/subscriptions/all"


@tagged("post_install", "-at_install")
class TestOnboarding(XCase):
    """Connect through a sandbox, register the webhook, subscribe accounts."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.app.sudo().twitter_bearer_token = "app-bearer"
        # These tests are of the Account Activity flow, which apps that still
        # have it keep; new pay-per-use apps use the X Activity API (test_xaa).
        cls.app.twitter_webhook_api = "account_activity"

    def test_sandbox_serves_the_consent_page(self):
        self.app.api_base_url = "http://127.0.0.1:8071/x/"
        action = self.account.action_twitter_connect()
        url = urlparse(action["url"])
        self.assertEqual(
            (url.scheme, url.netloc, url.path),
            ("http", "127.0.0.1:8071", "/x/i/oauth2/authorize"),
        )
        self.app.api_base_url = False
        url = urlparse(self.account.action_twitter_connect()["url"])
        self.assertEqual((url.netloc, url.path), ("x.com", "/i/oauth2/authorize"))

    def test_connect_from_the_app_names_the_account_and_subscribes_it(self):
        self.app.twitter_webhook_id = HOOK_ID
        action = self.app.action_twitter_connect_account()
        state = parse_qs(urlparse(action["url"]).query)["state"][0]
        account = self.env["social.care.account"]._twitter_from_oauth_state(state)
        self.assertEqual(account.name, "New X account")
        x = FakeX()
        x.on("POST", TOKEN, {"access_token": "user-access", "expires_in": 7200})
        x.on("GET", "/2/users/me", {"data": {"id": "77", "username": "NewBrand"}})
        x.on("GET", SUBSCRIPTION, {"data": {"subscribed": False}})
        x.on("POST", SUBSCRIPTION, {"data": {"subscribed": True}})
        with fake_x(x):
            self.assertTrue(account._twitter_finish_oauth("the-code"))
        self.assertEqual(account.name, "@NewBrand")
        self.assertTrue(account.twitter_webhook_subscribed)
        self.assertEqual(x.calls[-1].headers["Authorization"], "Bearer user-access")

    def test_register_webhook_then_subscribe_the_connected_accounts(self):
        x = FakeX()
        x.on("GET", WEBHOOKS, {"data": [], "meta": {"result_count": 0}})
        x.on(
            "POST",
            WEBHOOKS,
            {"data": {"id": HOOK_ID, "url": self.app.webhook_url, "valid": True}},
        )
        x.on("GET", SUBSCRIPTION, {"data": {"subscribed": False}})
        x.on("POST", SUBSCRIPTION, {"data": {"subscribed": True}})
        with fake_x(x):
            action = self.app.action_twitter_register_webhook()
        self.assertEqual(action["params"]["type"], "success")
        self.assertIn("accounts subscribed: 1", action["params"]["message"])
        register = x.calls[1]
        self.assertEqual(register.json, {"url": self.app.webhook_url})
        self.assertEqual(register.headers["Authorization"], "Bearer app-bearer")
        self.assertEqual(x.calls[3].headers["Authorization"], "Bearer access-1")
        self.assertEqual(self.app.twitter_webhook_id, HOOK_ID)
        self.assertTrue(self.account.twitter_webhook_subscribed)

    def test_an_invalid_webhook_is_checked_again_and_subscribed_once(self):
        x = FakeX()
        x.on(
            "GET",
            WEBHOOKS,
            {"data": [{"id": HOOK_ID, "url": self.app.webhook_url, "valid": False}]},
        )
        x.on("PUT", f"{WEBHOOKS}/{HOOK_ID}", {"data": {"valid": True}})
        x.on("GET", SUBSCRIPTION, {"data": {"subscribed": True}})
        with fake_x(x):
            self.app.action_twitter_register_webhook()
        self.assertEqual(self.app.twitter_webhook_id, HOOK_ID)
        self.assertEqual(len(x.calls), 3)  # no second subscription

    def test_crc_failure_is_shown_and_nothing_kept(self):
        x = FakeX()
        x.on("GET", WEBHOOKS, {"data": []})
        x.on(
            "POST",
            WEBHOOKS,
            {
                "title": "Invalid Request",
                "detail": "CRC validation failed: HTTP Status Code = 403",
                "type": "https://api.twitter.com/2/problems/invalid-request",
            },
            status=400,
        )
        with fake_x(x), self.assertRaises(UserError) as raised:
            self.app.action_twitter_register_webhook()
        message = str(raised.exception)
        self.assertIn("CRC validation failed", message)
        self.assertIn(self.app.webhook_url, message)
        self.assertFalse(self.app.twitter_webhook_id)
        self.assertFalse(self.account.twitter_webhook_subscribed)

    def test_register_needs_the_bearer_token(self):
        self.app.sudo().twitter_bearer_token = False
        with self.assertRaises(UserError):
            self.app.action_twitter_register_webhook()

    def test_subscription_refused_is_told_on_the_account(self):
        self.app.twitter_webhook_id = HOOK_ID
        x = FakeX().on("GET", SUBSCRIPTION, {"title": "Unauthorized"}, status=401)
        with fake_x(x):
            action = self.account.action_twitter_subscribe_webhook()
        self.assertEqual(action["params"]["type"], "danger")
        self.assertIn("reconnect", action["params"]["message"])
        self.assertFalse(self.account.twitter_webhook_subscribed)
        self.assertEqual(self.account.external_ref, ACME)
