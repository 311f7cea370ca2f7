from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.tests import tagged

from ..tools import ParsedDelivery, SendError, generic
from .common import SocialCareCase


@tagged("post_install", "-at_install")
class TestPoll(SocialCareCase):
    """The poll framework: cursor, pace, errors, and overlap with webhooks."""

    def setUp(self):
        super().setUp()
        self.account.write(
            {"poll_enabled": True, "poll_interval": 5, "poll_cursor": {}}
        )
        self.account_class = type(self.env["social.care.account"])

    def poll_returning(self, deliveries, cursor):
        return patch.object(
            self.account_class, "_social_poll", return_value=(deliveries, cursor)
        )

    def test_poll_stores_pages_and_advances_the_cursor(self):
        item = self.message("p1", "seen by the poll", thread="t-poll")
        page = ParsedDelivery("brand", "poll:page:p1", "generic.message", item)
        with self.poll_returning([page], {"since_id": "p1"}):
            self.env["social.care.account"]._cron_poll_accounts()
        self.assertEqual(self.account.poll_cursor, {"since_id": "p1", "idle": 0})
        self.assertTrue(self.account.last_poll_at)
        self.assertAlmostEqual(
            self.account.next_poll_at,
            self.account.last_poll_at + timedelta(minutes=5),
            delta=timedelta(seconds=5),
        )
        self.env["social.care.event"]._cron_process_events()
        self.assertTrue(self.ticket_of("p1"))
        # The same message arriving by webhook afterwards makes nothing new.
        self.deliver(item)
        messages = self.env["social.care.message"].search([("external_id", "=", "p1")])
        self.assertEqual(len(messages), 1)

    def test_idle_accounts_are_polled_less_often(self):
        paces = []
        for _round in range(4):
            self.account.next_poll_at = False
            with self.poll_returning([], dict(self.account.poll_cursor or {})):
                self.env["social.care.account"]._cron_poll_accounts()
            paces.append(self.account.next_poll_at - self.account.last_poll_at)
        minutes = [round(pace.total_seconds() / 60) for pace in paces]
        self.assertEqual(minutes, [10, 20, 20, 20])

    def test_a_failing_poll_waits_and_says_why(self):
        reset = fields.Datetime.now() + timedelta(minutes=12)
        error = SendError("rate_limited", "Rate limited until later.", reset)
        with patch.object(self.account_class, "_social_poll", side_effect=error):
            self.env["social.care.account"]._cron_poll_accounts()
        self.assertEqual(self.account.next_poll_at, reset)
        self.assertEqual(self.account.last_error, "Rate limited until later.")
        self.assertEqual(self.account.state, "connected")

    def test_revoked_access_puts_the_account_in_error(self):
        error = SendError("auth", "Access revoked: reconnect the account.")
        with patch.object(self.account_class, "_social_poll", side_effect=error):
            self.env["social.care.account"]._cron_poll_accounts()
        self.assertEqual(self.account.state, "error")
        self.assertTrue(self.account.activity_ids)
        # An account in error is not polled until an admin reconnects it.
        with self.poll_returning([], {}) as poll:
            self.account.next_poll_at = False
            self.env["social.care.account"]._cron_poll_accounts()
        poll.assert_not_called()

    def test_cross_channel_duplicate_merges_in_one_step(self):
        self.deliver(self.message("m1", thread="c-1", author="u9"))
        self.deliver(
            self.message("m2", thread="dm-u9", channel="messenger", author="u9")
        )
        second = self.ticket_of("m2")
        action = second.action_merge_social_duplicate()
        wizard = (
            self.env[action["res_model"]].with_context(**action["context"]).create({})
        )
        self.assertEqual(wizard.duplicate_of_id, self.ticket_of("m1"))
        wizard.action_confirm()
        self.assertEqual(second.duplicate_id, self.ticket_of("m1"))

    def test_generic_signature_helpers(self):
        body = b'{"messages": []}'
        self.assertTrue(generic.verify_signature("s", body, generic.sign("s", body)))
        self.assertFalse(generic.verify_signature("", body, generic.sign("", body)))
