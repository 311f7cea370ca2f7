"""X Activity API subscriptions of an account: create, list, delete, rights.

The answers below have the shapes X documents: the quickstart's
"Subscription management" (https://docs.x.com/x-api/activity/quickstart) and
the API reference, whose OpenAPI is openapi.json of
github.com/xdevplatform/docs (createActivitySubscription answers
``data.subscription``; getActivitySubscriptions ``data`` items;
deleteActivitySubscription ``data.deleted``), as of 2026-08-22.
"""

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import ACME, JANE, FakeX, XCase, fake_x

HOOK_ID = "1976325569252868099"
SUBSCRIPTIONS = "/2/activity/subscriptions"
NEEDED = ("post.mention.create", "post.reply.create", "dm.received", "dm.sent")


def subscription(sub_id, event_type, user_id=ACME, webhook_id=HOOK_ID):
    """One item of X's list (quickstart "List subscriptions", plus webhook_id
    and tag as the API reference lists them)."""
    item = {
        "subscription_id": sub_id,
        "event_type": event_type,
        "filter": {"user_id": user_id},
        "created_at": "2026-10-09T16:35:08.000Z",
        "updated_at": "2026-10-10T03:50:59.000Z",
        "tag": "social-care",
    }
    if webhook_id:
        item["webhook_id"] = webhook_id
    return item


def listed(*items):
    return {"data": list(items), "meta": {"total_subscriptions": len(items)}}


def created(sub_id, event_type):
    """The API reference's create answer: ``data.subscription``."""
    return {"data": {"subscription": subscription(sub_id, event_type)}}


DELETED = {"data": {"deleted": True}, "meta": {"total_subscriptions": 0}}


@tagged("post_install", "-at_install")
class TestXActivitySubscriptions(XCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.app.sudo().write(
            {
                "twitter_bearer_token": "app-bearer",
                "twitter_webhook_id": HOOK_ID,
                "twitter_webhook_api": "activity",
            }
        )
        cls.manager = cls.env["res.users"].create(
            {
                "name": "Manager Max",
                "login": "max_x",
                "groups_id": [
                    (6, 0, [cls.env.ref("social_care.group_social_care_manager").id])
                ],
            }
        )

    def subscribe(self, x):
        with fake_x(x):
            return self.account.action_twitter_xaa_subscribe()

    def test_subscribe_creates_only_what_is_missing(self):
        x = FakeX()
        x.on(
            "GET",
            SUBSCRIPTIONS,
            listed(
                subscription("901", "dm.received"),
                subscription("902", "post.mention.create", user_id=JANE),
            ),
        )
        for number, event_type in enumerate(NEEDED[:2] + NEEDED[3:], start=1):
            x.on("POST", SUBSCRIPTIONS, created(f"91{number}", event_type))
        action = self.subscribe(x)
        self.assertEqual(action["params"]["type"], "success")
        listing, *posts = x.calls
        self.assertEqual(listing.headers["Authorization"], "Bearer app-bearer")
        self.assertEqual(listing.params["max_results"], "1000")
        self.assertEqual(
            [call.json["event_type"] for call in posts],
            ["post.mention.create", "post.reply.create", "dm.sent"],
        )
        for call in posts:  # private events: the user's own token
            self.assertEqual(call.headers["Authorization"], "Bearer access-1")
            self.assertEqual(call.json["filter"], {"user_id": ACME})
            self.assertEqual(call.json["webhook_id"], HOOK_ID)
        lines = self.account.twitter_subscription_ids
        self.assertEqual(sorted(lines.mapped("event_type")), sorted(NEEDED))
        self.assertEqual(set(lines.mapped("state")), {"active"})
        self.assertEqual(
            lines.filtered(lambda s: s.subscription_ref == "901").tag, "social-care"
        )
        self.assertTrue(self.account.twitter_webhook_subscribed)
        usage = self.account.twitter_usage_ids.filtered(
            lambda u: u.endpoint == "POST /2/activity/subscriptions"
        )
        self.assertEqual(usage.count, 3)

    def test_the_quickstart_answer_shape_is_read_too(self):
        x = FakeX().on("GET", SUBSCRIPTIONS, listed())
        for number, event_type in enumerate(NEEDED):
            x.on(
                "POST", SUBSCRIPTIONS, {"data": subscription(f"92{number}", event_type)}
            )
        self.subscribe(x)
        self.assertEqual(len(self.account.twitter_subscription_ids), 4)

    def test_refresh_marks_what_x_no_longer_lists(self):
        x = FakeX().on(
            "GET",
            SUBSCRIPTIONS,
            listed(*(subscription(f"93{n}", t) for n, t in enumerate(NEEDED))),
        )
        with fake_x(x):
            self.account.action_twitter_xaa_refresh()
        x = FakeX().on("GET", SUBSCRIPTIONS, listed(subscription("930", NEEDED[0])))
        with fake_x(x):
            self.account.action_twitter_xaa_refresh()
        lines = self.account.twitter_subscription_ids
        self.assertEqual(
            lines.filtered(lambda s: s.state == "active").mapped("subscription_ref"),
            ["930"],
        )
        self.assertEqual(len(lines.filtered(lambda s: s.state == "missing")), 3)

    def test_refresh_follows_the_pages(self):
        x = FakeX()
        first = listed(subscription("941", "dm.received"))
        first["meta"]["next_token"] = "0000000000000001"
        x.on("GET", SUBSCRIPTIONS, first)
        x.on("GET", SUBSCRIPTIONS, listed(subscription("942", "dm.sent")))
        with fake_x(x):
            self.account.action_twitter_xaa_refresh()
        self.assertEqual(x.calls[1].params["pagination_token"], "0000000000000001")
        self.assertEqual(len(self.account.twitter_subscription_ids), 2)

    def test_delete_a_line_deletes_it_on_x(self):
        self.subscribe_all()
        line = self.account.twitter_subscription_ids[:1]
        x = FakeX().on("DELETE", f"{SUBSCRIPTIONS}/{line.subscription_ref}", DELETED)
        with fake_x(x):
            line.action_twitter_delete()
        self.assertEqual(x.calls[0].headers["Authorization"], "Bearer app-bearer")
        self.assertFalse(line.exists())
        self.assertEqual(len(self.account.twitter_subscription_ids), 3)

    def test_a_refused_delete_keeps_the_line(self):
        self.subscribe_all()
        line = self.account.twitter_subscription_ids[:1]
        x = FakeX().on(
            "DELETE",
            f"{SUBSCRIPTIONS}/{line.subscription_ref}",
            {"title": "Forbidden", "detail": "Forbidden", "status": 403},
            status=403,
        )
        with fake_x(x), self.assertRaises(UserError):
            line.action_twitter_delete()
        self.assertTrue(line.exists())

    def test_archiving_the_account_deletes_its_subscriptions(self):
        self.subscribe_all()
        x = FakeX()
        for line in self.account.twitter_subscription_ids:
            x.on("DELETE", f"{SUBSCRIPTIONS}/{line.subscription_ref}", DELETED)
        with fake_x(x):
            self.account.action_archive()
        self.assertEqual(len(x.calls), 4)
        self.assertFalse(self.account.twitter_subscription_ids)
        self.assertFalse(self.account.twitter_webhook_subscribed)

    def test_deleting_the_account_deletes_its_subscriptions(self):
        self.subscribe_all()
        x = FakeX()
        for line in self.account.twitter_subscription_ids:
            x.on("DELETE", f"{SUBSCRIPTIONS}/{line.subscription_ref}", DELETED)
        with fake_x(x):
            self.account.unlink()
        self.assertEqual(len(x.calls), 4)

    def test_a_disabled_account_whose_delete_fails_says_so(self):
        self.subscribe_all()
        x = FakeX()
        for line in self.account.twitter_subscription_ids:
            x.on(
                "DELETE",
                f"{SUBSCRIPTIONS}/{line.subscription_ref}",
                {"title": "Service Unavailable"},
                status=503,
            )
        with fake_x(x):
            self.account.action_disable()
        self.assertEqual(self.account.state, "disabled")
        self.assertEqual(len(self.account.twitter_subscription_ids), 4)
        self.assertTrue(
            any(
                "X may still deliver" in (m.body or "")
                for m in self.account.message_ids
            )
        )

    def test_connect_subscribes_through_the_activity_api(self):
        self.account.twitter_subscription_ids.unlink()
        x = FakeX()
        x.on("GET", "/2/users/me", {"data": {"id": ACME, "username": "AcmeSupport"}})
        x.on("GET", SUBSCRIPTIONS, listed())
        for number, event_type in enumerate(NEEDED):
            x.on("POST", SUBSCRIPTIONS, created(f"95{number}", event_type))
        self.account.sudo().write(
            {
                "twitter_oauth_state": "st",
                "twitter_code_verifier": "v",
                "twitter_oauth_expires_at": "2999-01-01 00:00:00",
            }
        )
        x.on("POST", "/2/oauth2/token", {"access_token": "fresh"})
        with fake_x(x):
            self.assertTrue(self.account._twitter_finish_oauth("the-code"))
        self.assertEqual(len(self.account.twitter_subscription_ids), 4)
        self.assertFalse(
            [c for c in x.calls if "account_activity" in c.path],
            "an XAA app makes no Account Activity subscription",
        )

    def test_register_webhook_subscribes_the_accounts_through_xaa(self):
        self.app.twitter_webhook_id = False
        x = FakeX()
        x.on("GET", "/2/webhooks", {"data": []})
        x.on("POST", "/2/webhooks", {"data": {"id": HOOK_ID, "valid": True}})
        x.on("GET", SUBSCRIPTIONS, listed())
        for number, event_type in enumerate(NEEDED):
            x.on("POST", SUBSCRIPTIONS, created(f"96{number}", event_type))
        with fake_x(x):
            action = self.app.action_twitter_register_webhook()
        self.assertIn("accounts subscribed: 1", action["params"]["message"])
        self.assertEqual(len(self.account.twitter_subscription_ids), 4)

    def test_apps_that_have_account_activity_keep_it(self):
        self.app.twitter_webhook_api = "account_activity"
        route = f"/2/account_activity/webhooks/{HOOK_ID}/subscriptions/all"
        x = FakeX().on("GET", route, {"data": {"subscribed": True}})
        with fake_x(x):
            self.account.action_twitter_subscribe_webhook()
        self.assertEqual([c.path for c in x.calls], [route])
        self.assertFalse(self.account.twitter_subscription_ids)

    def test_default_api_by_plan_and_history(self):
        apps = self.env["social.care.app"]
        fresh = apps.create({"name": "PPU", "provider": "twitter"})
        self.assertEqual(fresh.twitter_webhook_api, "activity")
        pro = apps.create({"name": "Pro", "provider": "twitter", "twitter_plan": "pro"})
        self.assertEqual(pro.twitter_webhook_api, "account_activity")
        # A pay-per-use app whose accounts receive Account Activity events.
        self.app.twitter_plan = "basic"
        self.account.twitter_webhook_subscribed = True
        self.app.twitter_plan = "pay_per_use"
        self.assertEqual(self.app.twitter_webhook_api, "account_activity")

    def test_missing_bearer_token_is_said_before_any_call(self):
        self.app.sudo().twitter_bearer_token = False
        with fake_x() as x, self.assertRaises(UserError):
            self.account.action_twitter_xaa_subscribe()
        self.assertFalse(x.calls)

    def test_a_refused_create_is_told(self):
        x = FakeX().on("GET", SUBSCRIPTIONS, listed())
        x.on(
            "POST",
            SUBSCRIPTIONS,
            {
                "title": "Forbidden",
                "detail": "You are not permitted to create this subscription.",
                "type": "about:blank",
                "status": 403,
            },
            status=403,
        )
        action = self.subscribe(x)
        self.assertEqual(action["params"]["type"], "danger")
        self.assertFalse(self.account.twitter_webhook_subscribed)

    def test_agents_and_managers_make_no_call(self):
        self.subscribe_all()
        line = self.account.twitter_subscription_ids[:1]
        for user in (self.agent, self.manager):
            with fake_x() as x:
                account = self.account.with_user(user)
                for action in (
                    account.action_twitter_xaa_subscribe,
                    account.action_twitter_xaa_refresh,
                    line.with_user(user).action_twitter_delete,
                ):
                    with self.assertRaises(AccessError):
                        action()
                with self.assertRaises(AccessError):
                    account.write({"active": False})
            self.assertFalse(x.calls, user.name)
        self.assertTrue(self.account.active)
        self.assertEqual(len(self.account.twitter_subscription_ids), 4)

    def subscribe_all(self):
        x = FakeX().on("GET", SUBSCRIPTIONS, listed())
        for number, event_type in enumerate(NEEDED):
            x.on("POST", SUBSCRIPTIONS, created(f"97{number}", event_type))
        self.subscribe(x)
