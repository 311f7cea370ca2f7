import json
from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.tests import HttpCase, tagged

from ..models.social_care_event import VIA_WEBHOOK
from ..tools import ParsedDelivery, generic
from .common import SECRET, SocialCareCase


@tagged("post_install", "-at_install")
class TestWebhookSilence(SocialCareCase):
    """A silent channel is an alarm, learned from the account's own deliveries.

    The histories are built as the webhook route stores deliveries (one row
    per unit, marked as pushed), then moved back in time: what an account
    that received them over the last days would hold.
    """

    def setUp(self):
        super().setUp()
        self.Account = self.env["social.care.account"]
        self.can_poll = patch.object(
            type(self.Account), "_social_can_poll", return_value=True
        )
        self.account.write({"poll_enabled": False, "poll_interval": 15})

    def history(self, accounts, count, every, last_ago):
        """``count`` webhook deliveries ``every`` apart, the last ``last_ago`` ago."""
        units = [
            ParsedDelivery(account.external_ref, f"h{n}", "generic.message", {"n": n})
            for account in accounts
            for n in range(count)
        ]
        self.app.with_context(**{VIA_WEBHOOK: True})._social_store_deliveries(units)
        last = fields.Datetime.now() - last_ago
        self.env.flush_all()
        self.env.cr.execute(
            """
            UPDATE social_care_event event
               SET create_date = %(last)s - (%(count)s - position) * %(every)s
              FROM (SELECT id, row_number() OVER (PARTITION BY account_id ORDER BY id)
                               AS position
                      FROM social_care_event WHERE account_id = ANY(%(ids)s)) ranked
             WHERE ranked.id = event.id
            """,
            {"last": last, "count": count, "every": every, "ids": accounts.ids},
        )
        self.env.invalidate_all()

    def check(self):
        self.Account._cron_check_webhook_silence()

    def silence_activities(self, accounts):
        return self.env["mail.activity"].search(
            [
                ("res_model", "=", "social.care.account"),
                ("res_id", "in", accounts.ids),
                ("summary", "=", "Webhook silent: no deliveries"),
            ]
        )

    def test_a_regular_account_gone_silent_raises_one_alarm(self):
        # Every 20 minutes for ten days, then three hours of nothing.
        self.history(self.account, 720, timedelta(minutes=20), timedelta(hours=3))
        self.assertEqual(self.account.webhook_usual_gap, 20)
        with self.can_poll:
            self.check()
            self.assertTrue(self.account.webhook_silent_since)
            self.assertIn(
                "usually comes at least every 20 minutes. Polling takes over",
                self.account.webhook_silence_warning,
            )
            self.assertEqual(len(self.silence_activities(self.account)), 1)
            self.assertTrue(self.account.poll_enabled)
            self.assertEqual(self.account.poll_interval, 5)
            self.assertTrue(self.account.next_poll_at <= fields.Datetime.now())
            # Checked again while still silent: no second activity.
            self.check()
            self.assertEqual(len(self.silence_activities(self.account)), 1)
            activity = self.account.webhook_silence_activity_id
            self.assertTrue(activity)

            # The platform pushes again: warning cleared, polling as before.
            deliveries = generic.split_delivery({"messages": [self.message("back")]})
            self.app.with_context(**{VIA_WEBHOOK: True})._social_store_deliveries(
                deliveries
            )
            self.check()
        self.assertFalse(self.account.webhook_silent_since)
        self.assertFalse(activity.exists())
        self.assertFalse(self.silence_activities(self.account))
        self.assertIn(
            "Webhook deliveries resumed",
            self.account.message_ids[0].body,
            "the activity is marked done with a note",
        )
        self.assertFalse(self.account.poll_enabled)
        self.assertEqual(self.account.poll_interval, 15)

    def test_what_a_poll_brings_does_not_end_the_silence(self):
        self.history(self.account, 720, timedelta(minutes=20), timedelta(hours=3))
        with self.can_poll:
            self.check()
            with patch.object(
                type(self.Account),
                "_social_poll",
                return_value=(
                    [ParsedDelivery("brand", "poll:1", "poll.page", {"n": 1})],
                    {},
                ),
            ):
                self.account._social_poll_once()
            self.check()
        self.assertTrue(self.account.webhook_silent_since)

    def test_an_account_that_cannot_poll_is_warned_and_left_alone(self):
        self.history(self.account, 720, timedelta(minutes=20), timedelta(hours=3))
        self.check()
        self.assertTrue(self.account.webhook_silent_since)
        self.assertIn("cannot be polled", self.silence_activities(self.account).note)
        self.assertFalse(self.account.poll_enabled)
        self.assertEqual(self.account.poll_interval, 15)

    def test_little_history_raises_no_alarm(self):
        self.history(self.account, 5, timedelta(minutes=20), timedelta(days=2))
        with self.can_poll:
            self.check()
        self.assertEqual(self.account.webhook_usual_gap, 0)
        self.assertFalse(self.account.webhook_silent_since)
        self.assertFalse(self.silence_activities(self.account))

    def test_a_burst_of_deliveries_is_not_a_pace(self):
        # Many deliveries within one hour (a test session), none since.
        self.history(self.account, 60, timedelta(minutes=1), timedelta(hours=5))
        self.check()
        self.assertFalse(self.account.webhook_silent_since)

    def test_an_always_quiet_account_raises_no_false_alarm(self):
        # One delivery every 8 hours for two weeks; the last one 10 hours ago.
        self.history(self.account, 40, timedelta(hours=8), timedelta(hours=10))
        with self.can_poll:
            self.check()
        self.assertEqual(self.account.webhook_usual_gap, 480)
        self.assertFalse(self.account.webhook_silent_since)
        self.assertFalse(self.silence_activities(self.account))

    def test_the_check_of_many_accounts_takes_the_same_queries(self):
        # Measured: 31 queries to flag 50 accounts (one search, one pace query,
        # one batched UPDATE, one INSERT of the activities...), 3 to find
        # them all still silent; neither grows with the number of accounts.
        accounts = self.Account.create(
            [
                {
                    "name": f"Brand {n}",
                    "app_id": self.app.id,
                    "external_ref": f"brand-{n}",
                    "state": "connected",
                    "poll_enabled": False,
                }
                for n in range(50)
            ]
        )
        self.history(accounts, 25, timedelta(minutes=60), timedelta(hours=5))
        self.env.flush_all()
        self.env.invalidate_all()
        with self.can_poll, self.assertQueryCount(__system__=31):
            self.check()
            self.env.flush_all()
        self.assertEqual(len(accounts.filtered("webhook_silent_since")), 50)
        self.assertEqual(len(self.silence_activities(accounts)), 50)
        self.assertTrue(all(accounts.mapped("poll_enabled")))
        # Checked again while all are silent: nothing to write.
        self.env.invalidate_all()
        with self.can_poll, self.assertQueryCount(__system__=3):
            self.check()
            self.env.flush_all()


@tagged("post_install", "-at_install")
class TestWebhookSilenceRoute(HttpCase):
    """What the route stores is marked as pushed; the silence is learned from it."""

    def test_the_route_marks_its_deliveries_as_pushed(self):
        app = self.env["social.care.app"].create(
            {"name": "Hook app", "provider": "generic", "client_secret": SECRET}
        )
        self.env["social.care.account"].create(
            {"name": "Brand", "app_id": app.id, "external_ref": "brand"}
        )
        body = json.dumps(
            {
                "messages": [
                    {
                        "account": "brand",
                        "id": "m1",
                        "channel": "x_public",
                        "thread": "c1",
                        "text": "hi",
                        "author": {"id": "u1", "handle": "cust"},
                    }
                ]
            }
        ).encode()
        response = self.url_open(
            f"/social_care/webhook/{app.id}",
            data=body,
            headers={
                "Content-Type": "application/json",
                generic.SIGNATURE_HEADER: generic.sign(SECRET, body),
            },
        )
        self.assertEqual(response.status_code, 200)
        event = self.env["social.care.event"].search([("app_id", "=", app.id)])
        self.assertTrue(event.via_webhook)
        # Stored outside the route (a poll, a review): not pushed.
        app._social_store_deliveries(
            [ParsedDelivery("brand", "poll:1", "poll.page", {"n": 1})]
        )
        polled = self.env["social.care.event"].search(
            [("app_id", "=", app.id), ("delivery_key", "=", "poll:1")]
        )
        self.assertFalse(polled.via_webhook)
