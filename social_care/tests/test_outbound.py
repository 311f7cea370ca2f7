from datetime import timedelta
from unittest.mock import patch

import requests
from urllib3.exceptions import MaxRetryError, NewConnectionError

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged

from ..tools import generic
from .common import OUTBOUND_SECRET, SECRET, FakeResponse, SocialCareCase, outbound


@tagged("post_install", "-at_install")
class TestOutbound(SocialCareCase):
    def setUp(self):
        super().setUp()
        self.deliver(self.message("m1", "Where is my order?", thread="t1"))
        self.ticket = self.ticket_of("m1")

    def reply(self, text="We are checking, sorry!", **context):
        ticket = self.ticket.with_user(self.agent).with_context(**context)
        ticket.message_post(
            body=text, message_type="comment", subtype_xmlid="mail.mt_comment"
        )
        return self.env["social.care.message"].search(
            [("ticket_id", "=", self.ticket.id), ("direction", "=", "out")],
            order="id desc",
            limit=1,
        )

    def test_reply_is_queued_then_sent_on_the_channel(self):
        message = self.reply()
        self.assertEqual(message.state, "queued")
        self.assertEqual(message.parent_id.external_id, "m1")
        self.assertFalse(message.is_private)
        # Issue 13: queued is not answered; the response is recorded when sent.
        self.assertFalse(self.ticket.first_response_at)
        with outbound(
            FakeResponse(
                200, {"id": "r-1", "permalink": "https://platform.example/r-1"}
            )
        ) as calls:
            self.env["social.care.message"]._cron_send_messages()
        self.assertEqual(len(calls), 1)
        body = calls[0]["body"]
        self.assertEqual(
            (body["in_reply_to"], body["private"], body["text"]),
            ("m1", False, "We are checking, sorry!"),
        )
        self.assertEqual((message.state, message.external_id), ("sent", "r-1"))
        self.assertEqual(self.ticket.first_response_at, message.posted_at)
        # The platform's echo of our reply does not make a second message.
        self.deliver(
            self.message(
                "r-1", "We are checking, sorry!", thread="t1", from_account=True
            )
        )
        self.assertEqual(
            self.env["social.care.message"].search_count([("external_id", "=", "r-1")]),
            1,
        )
        # Sending again sends nothing.
        with outbound() as calls:
            self.env["social.care.message"]._cron_send_messages()
        self.assertFalse(calls)

    def test_private_switch_sends_a_private_message(self):
        message = self.reply(social_care_private=True)
        self.assertTrue(message.is_private)
        self.assertEqual(message.channel, "messenger")
        with outbound(FakeResponse(200, {"id": "dm-1"})) as calls:
            self.env["social.care.message"]._cron_send_messages()
        self.assertTrue(calls[0]["body"]["private"])
        self.assertEqual(calls[0]["body"]["recipient"], "u1")

    def test_rate_limit_and_server_errors_retry(self):
        message = self.reply()
        with outbound(FakeResponse(429, headers={"Retry-After": "120"})):
            self.env["social.care.message"]._cron_send_messages()
        self.assertEqual(message.state, "queued")
        self.assertGreater(
            message.next_attempt_at, fields.Datetime.now() + timedelta(seconds=100)
        )
        message.next_attempt_at = False
        with outbound(FakeResponse(503)):
            self.env["social.care.message"]._cron_send_messages()
        self.assertEqual(message.state, "queued")
        self.assertIn("HTTP 503", message.error)
        message.next_attempt_at = False
        with outbound(requests.ConnectTimeout("slow")):
            self.env["social.care.message"]._cron_send_messages()
        self.assertEqual(message.state, "queued")
        message.next_attempt_at = False
        with outbound(FakeResponse(200, {"id": "r-2"})) as calls:
            self.env["social.care.message"]._cron_send_messages()
        self.assertEqual(len(calls), 1)
        self.assertEqual((message.state, message.attempts), ("sent", 4))

    def test_permanent_error_fails_with_an_activity(self):
        message = self.reply()
        with outbound(FakeResponse(400, {"error": "nope"})):
            self.env["social.care.message"]._cron_send_messages()
        self.assertEqual(message.state, "failed")
        self.assertIn("refused", message.error)
        activity = self.ticket.activity_ids.filtered(
            lambda a: a.activity_type_id
            == self.env.ref("social_care.mail_activity_social_reply_failed")
        )
        self.assertEqual(activity.user_id, self.agent)
        message.action_retry()
        self.assertEqual(message.state, "queued")

    def test_revoked_credentials_hold_the_reply_until_reconnected(self):
        message = self.reply()
        later = self.reply("A second reply, queued behind the first")
        with outbound(FakeResponse(401)) as calls:
            self.env["social.care.message"]._cron_send_messages()
        self.assertEqual(len(calls), 1, "the account's other replies are not tried")
        self.assertEqual(self.account.state, "error")
        self.assertIn("credentials", self.account.last_error)
        self.assertEqual(
            self.account.activity_ids.summary, "Social account needs attention"
        )
        # Not failed, not lost: both wait for the reconnection.
        self.assertEqual((message.state, later.state), ("queued", "queued"))
        self.assertIn("Waiting for the account to be reconnected", message.error)
        with outbound() as calls:
            self.env["social.care.message"]._cron_send_messages()
        self.assertFalse(calls, "nothing is sent while the account is in error")
        self.account.action_enable()
        with outbound(
            FakeResponse(200, {"id": "r-5"}), FakeResponse(200, {"id": "r-6"})
        ) as calls:
            self.env["social.care.message"]._cron_send_messages()
        self.assertEqual(
            [c["body"]["reference"] for c in calls], [message.id, later.id]
        )
        self.assertEqual((message.state, later.state), ("sent", "sent"))

    def test_timeout_after_sending_is_uncertain_and_never_resent(self):
        for answer in (
            requests.ReadTimeout("read timed out"),
            requests.ConnectionError("Connection aborted: remote end closed"),
            FakeResponse(200),  # accepted, but the answer is unreadable
        ):
            message = self.reply(f"Reply ending with {answer!r}")
            with outbound(answer) as calls:
                self.env["social.care.message"]._cron_send_messages()
            self.assertEqual(len(calls), 1)
            self.assertEqual(message.state, "failed")
            self.assertIn("may have been posted: check", message.error)
            activity = self.ticket.activity_ids.filtered(
                lambda a: a.summary == "Social reply may have been sent"
            )
            self.assertTrue(activity)
            with outbound() as calls:
                self.env["social.care.message"]._cron_send_messages()
            self.assertFalse(calls, "an uncertain reply is never retried blindly")
            activity.unlink()
        self.assertEqual(self.account.state, "connected")

    def test_connection_refused_is_retried(self):
        refused = requests.ConnectionError(
            MaxRetryError(
                None,
                "/hook",
                NewConnectionError(None, "Connection refused"),
            )
        )
        message = self.reply()
        with outbound(refused):
            self.env["social.care.message"]._cron_send_messages()
        self.assertEqual(message.state, "queued")
        self.assertIn("could not be reached", message.error)
        self.assertTrue(message.next_attempt_at)

    def test_interrupted_send_is_never_resent_blindly(self):
        message = self.reply()
        message.write({"state": "sending"})
        message.flush_recordset()
        self.env.cr.execute(
            "UPDATE social_care_message SET write_date = %s WHERE id = %s",
            [fields.Datetime.now() - timedelta(hours=1), message.id],
        )
        message.invalidate_recordset()
        with outbound() as calls:
            self.env["social.care.message"]._cron_send_messages()
        self.assertFalse(calls)
        self.assertEqual(message.state, "failed")
        self.assertIn("may or may not", message.error)

    def test_interrupted_send_whose_echo_came_is_sent(self):
        message = self.reply()
        # The platform's echo gave the row its id while the send was under way.
        message.write({"state": "sending", "external_id": "r-echoed"})
        message.flush_recordset()
        self.env.cr.execute(
            "UPDATE social_care_message SET write_date = %s WHERE id = %s",
            [fields.Datetime.now() - timedelta(hours=1), message.id],
        )
        message.invalidate_recordset()
        with outbound() as calls:
            self.env["social.care.message"]._cron_send_messages()
        self.assertFalse(calls)
        self.assertEqual((message.state, message.external_id), ("sent", "r-echoed"))

    def test_empty_reply_is_refused_before_posting(self):
        count = len(self.ticket.message_ids)
        with self.assertRaises(UserError):
            self.reply("   ")
        self.assertEqual(len(self.ticket.message_ids), count)

    def test_public_replies_wait_for_approval_when_the_team_asks(self):
        self.team.social_care_approve_public = True
        message = self.reply()
        self.assertEqual(message.state, "to_approve")
        with outbound() as calls:
            self.env["social.care.message"]._cron_send_messages()
        self.assertFalse(calls)
        with self.assertRaises(UserError):
            message.with_user(self.agent).action_approve()
        message.action_approve()
        with outbound(FakeResponse(200, {"id": "r-3"})):
            self.env["social.care.message"]._cron_send_messages()
        self.assertEqual(message.state, "sent")
        private = self.reply(social_care_private=True)
        self.assertEqual(private.state, "queued", "private replies need no approval")

    def test_outbound_secret_is_used_to_sign(self):
        # Issue 11: replies were signed with the inbound secret, so whoever
        # checked them could forge deliveries. Now a separate secret signs them.
        message = self.reply()
        with outbound(FakeResponse(200, {"id": "r-4"})) as calls:
            self.env["social.care.message"]._cron_send_messages()
        self.assertEqual(message.state, "sent")
        signature = calls[0]["headers"][generic.SIGNATURE_HEADER]
        self.assertTrue(
            generic.verify_signature(OUTBOUND_SECRET, calls[0]["raw"], signature)
        )
        self.assertFalse(generic.verify_signature(SECRET, calls[0]["raw"], signature))
        self.assertFalse(
            generic.verify_signature("other-secret", calls[0]["raw"], signature)
        )

    def test_no_outbound_secret_sends_nothing(self):
        self.app.generic_outbound_secret = False
        message = self.reply()
        with outbound(FakeResponse(200, {"id": "r-5"})) as calls:
            self.env["social.care.message"]._cron_send_messages()
        self.assertFalse(calls, "never unsigned, never with the inbound secret")
        self.assertEqual(message.state, "failed")
        self.assertIn("outbound secret", message.error)


@tagged("post_install", "-at_install")
class TestAgentExperience(SocialCareCase):
    def setUp(self):
        super().setUp()
        self.deliver(self.message("m1", "Your product is terrible", thread="t1"))
        self.ticket = self.ticket_of("m1")

    def test_move_to_private_posts_the_template_then_goes_private(self):
        self.company.social_care_private_template = "We have sent you a DM."
        self.ticket.with_user(self.agent).action_move_to_private()
        self.assertTrue(self.ticket.social_reply_private)
        public = self.env["social.care.message"].search(
            [("ticket_id", "=", self.ticket.id), ("direction", "=", "out")]
        )
        self.assertEqual(
            (public.text, public.is_private), ("We have sent you a DM.", False)
        )
        self.ticket.with_user(self.agent).message_post(
            body="Could you send us your order number?",
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )
        private = self.env["social.care.message"].search(
            [("ticket_id", "=", self.ticket.id), ("is_private", "=", True)]
        )
        self.assertEqual(private.channel, "messenger")
        self.assertEqual(
            self.ticket.social_thread_key, "t1", "same ticket, same history"
        )

    def test_awaiting_reply_and_answered_within_target(self):
        self.assertTrue(self.ticket.social_awaiting_reply)
        self.company.social_care_response_target_hours = 1.0
        self.ticket.with_user(self.agent).message_post(
            body="Sorry to hear that!",
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )
        self.assertFalse(self.ticket.social_awaiting_reply)
        with outbound(FakeResponse(200, {"id": "r-target"})):
            self.env["social.care.message"]._cron_send_messages()
        self.assertEqual(self.ticket.answered_within_target, 100.0)
        self.deliver(self.message("m2", "Still waiting", thread="t1"))
        self.assertTrue(self.ticket.social_awaiting_reply)

    def test_window_deadline_comes_from_the_provider(self):
        deadline = fields.Datetime.now() - timedelta(hours=1)
        account_class = type(self.env["social.care.account"])
        with patch.object(
            account_class, "_social_window_deadline", return_value=deadline
        ):
            self.ticket.social_last_customer_message_at = fields.Datetime.now()
            self.ticket.flush_recordset()
            self.assertEqual(self.ticket.social_window_deadline, deadline)
            self.assertTrue(self.ticket.social_window_closed)
