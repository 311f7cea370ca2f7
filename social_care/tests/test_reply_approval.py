"""Approval of public replies, and when a reply counts as the response (issue 13).

A reply held for approval, queued or failed has not reached the customer:
the first response is recorded when the platform takes it. A manager may
reject it (the agent sees why) or correct it (checked again, and noted).
"""

from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import FakeResponse, SocialCareCase, outbound


@tagged("post_install", "-at_install")
class TestReplyApproval(SocialCareCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = cls.env["res.users"].create(
            {
                "name": "Manager Marta",
                "login": "marta_social",
                "email": "marta@example.com",
                "groups_id": [
                    (6, 0, [cls.env.ref("helpdesk_mgmt.group_helpdesk_manager").id])
                ],
            }
        )

    def setUp(self):
        super().setUp()
        self.team.social_care_approve_public = True
        self.deliver(self.message("a1", "Your shop charged me twice", thread="a"))
        self.ticket = self.ticket_of("a1")
        self.ticket.with_user(self.agent).message_post(
            body="We refund you today.",
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )
        self.reply = self.ticket.social_message_ids.filtered(
            lambda m: m.direction == "out"
        )

    def send(self, *responses):
        with outbound(*responses) as calls:
            self.env["social.care.message"]._cron_send_messages()
        return calls

    def test_the_response_is_recorded_when_the_approved_reply_is_sent(self):
        self.assertEqual(self.reply.state, "to_approve")
        self.assertFalse(self.ticket.first_response_at, "written is not answered")
        self.reply.with_user(self.manager).action_approve()
        self.send(FakeResponse(200, {"id": "r-a1"}))
        self.assertEqual(self.reply.state, "sent")
        self.assertEqual(self.ticket.first_response_at, self.reply.posted_at)

    def test_reject_with_a_reason_the_agent_sees(self):
        with self.assertRaises(UserError):
            self.reply.with_user(self.agent).action_reject()
        action = self.reply.with_user(self.manager).action_reject()
        wizard = (
            self.env[action["res_model"]]
            .with_user(self.manager)
            .with_context(**action["context"])
            .create({"reason": "Never promise a refund date in public."})
        )
        wizard.action_reject()
        self.assertEqual(self.reply.state, "rejected")
        self.assertEqual(
            self.reply.rejection_reason, "Never promise a refund date in public."
        )
        self.assertFalse(self.send(), "a rejected reply is never sent")
        self.assertFalse(self.ticket.first_response_at)
        note = self.ticket.message_ids[0]
        self.assertIn("Never promise a refund date in public.", note.body)
        self.assertIn("Manager Marta", note.body)
        activity = self.ticket.activity_ids.filtered(
            lambda a: a.activity_type_id
            == self.env.ref("social_care.mail_activity_social_reply_rejected")
        )
        self.assertEqual(activity.user_id, self.agent)
        self.reply.with_user(self.manager).action_approve()
        self.assertEqual(
            self.reply.state, "rejected", "approving later changes nothing"
        )

    def test_an_agent_cannot_reject_through_the_wizard(self):
        wizard = self.env["social.care.reply.reject"].create(
            {"message_ids": [(6, 0, self.reply.ids)], "reason": "no"}
        )
        with self.assertRaises(UserError):
            wizard.with_user(self.agent).action_reject()
        self.assertEqual(self.reply.state, "to_approve")

    def test_a_managers_correction_is_checked_and_noted(self):
        with self.assertRaises(UserError):
            self.reply.with_user(self.manager).write({"text": "   "})
        self.assertEqual(self.reply.text, "We refund you today.")
        self.reply.with_user(self.manager).write(
            {"text": "We are looking into the double charge."}
        )
        self.assertIn("Manager Marta", self.ticket.message_ids[0].body)
        self.assertIn("double charge", self.ticket.message_ids[0].body)
        self.reply.with_user(self.manager).action_approve()
        calls = self.send(FakeResponse(200, {"id": "r-a1"}))
        self.assertEqual(
            calls[0]["body"]["text"], "We are looking into the double charge."
        )
