"""A reply on a social ticket goes to one channel: the platform's, or e-mail.

What the chatter's "Send message" sends, as Odoo 18's web composer sends it
(mail/static/src/core/common/store_service.js ``getMessagePostParams``): the
checked suggested recipients in ``partner_ids`` and ``mail_post_autofollow``
in the context. Before this, the customer (suggested by helpdesk_mgmt) got an
e-mail copy of every social reply and became a follower.
"""

from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import SocialCareCase

CUSTOMER_EMAIL = "maria.verdi@example.com"


@tagged("post_install", "-at_install")
class TestReplyChannel(SocialCareCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.colleague = cls.env["res.users"].create(
            {
                "name": "Colleague Carla",
                "login": "carla_social",
                "email": "carla@example.com",
                "notification_type": "email",
                "groups_id": [
                    (6, 0, [cls.env.ref("helpdesk_mgmt.group_helpdesk_user").id])
                ],
            }
        )

    def setUp(self):
        super().setUp()
        self.deliver(self.message("m1", "Where is my order?", thread="t1"))
        self.ticket = self.ticket_of("m1")
        self.customer = self.ticket.partner_id
        # Linked to an existing customer: the contact has an e-mail address.
        self.customer.email = CUSTOMER_EMAIL
        self.ticket.message_subscribe(partner_ids=self.colleague.partner_id.ids)

    def send_message(self, text="We are checking, sorry!"):
        """The chatter's Send message, with the customer checked as recipient."""
        return (
            self.ticket.with_user(self.agent)
            .with_context(mail_post_autofollow=True, mail_notify_force_send=False)
            .message_post(
                body=text,
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
                partner_ids=self.customer.ids,
            )
        )

    def notified(self, message):
        return self.env["mail.notification"].search(
            [("mail_message_id", "=", message.id)]
        )

    def mails_to(self, partner):
        return self.env["mail.mail"].search(
            [("recipient_ids", "in", partner.ids), ("model", "=", "helpdesk.ticket")]
        )

    def outbound_rows(self):
        return self.env["social.care.message"].search(
            [("ticket_id", "=", self.ticket.id), ("direction", "=", "out")]
        )

    def test_customer_is_not_suggested_as_an_email_recipient(self):
        suggested = self.ticket._message_get_suggested_recipients()
        self.assertNotIn(self.customer.id, [r.get("partner_id") for r in suggested])
        # helpdesk_mgmt's suggestion stays on tickets that are not social.
        ticket = self.env["helpdesk.ticket"].create(
            {"name": "By e-mail", "description": "x", "partner_id": self.customer.id}
        )
        suggested = ticket._message_get_suggested_recipients()
        self.assertIn(self.customer.id, [r.get("partner_id") for r in suggested])

    def test_social_reply_is_not_emailed_to_the_customer(self):
        message = self.send_message()
        self.assertEqual(message.social_care_channel, "facebook_comment")
        self.assertEqual(len(self.outbound_rows()), 1)
        self.assertNotIn(self.customer, self.notified(message).res_partner_id)
        self.assertNotIn(self.customer, message.partner_ids)
        self.assertFalse(self.mails_to(self.customer))
        self.assertNotIn(self.customer, self.ticket.message_partner_ids)
        # Colleagues following the ticket still get it.
        colleague = self.notified(message).filtered(
            lambda n: n.res_partner_id == self.colleague.partner_id
        )
        self.assertEqual(colleague.notification_type, "email")
        self.assertTrue(self.mails_to(self.colleague.partner_id))

    def test_the_recorded_channel_cannot_be_rewritten(self):
        message = self.send_message()
        for user in (self.agent, self.env.ref("base.user_admin")):
            with self.assertRaises(AccessError):
                message.with_user(user).write({"social_care_channel": "email"})
        self.assertEqual(message.social_care_channel, "facebook_comment")

    def test_customer_already_following_is_not_emailed_a_social_reply(self):
        """A follower since an earlier e-mail exchange: still one channel."""
        self.ticket.message_subscribe(partner_ids=self.customer.ids)
        message = self.send_message()
        self.assertNotIn(self.customer, self.notified(message).res_partner_id)
        self.assertFalse(self.mails_to(self.customer))
        self.assertEqual(len(self.outbound_rows()), 1)

    def test_email_reply_is_an_explicit_choice_and_goes_by_email_only(self):
        self.ticket.with_user(self.agent).social_reply_by_email = True
        message = self.send_message("Here is the invoice you asked for.")
        self.assertEqual(message.social_care_channel, "email")
        self.assertFalse(self.outbound_rows(), "no platform call")
        notifications = self.notified(message).filtered(
            lambda n: n.res_partner_id == self.customer
        )
        self.assertEqual(len(notifications), 1)
        self.assertEqual(notifications.notification_type, "email")
        self.assertEqual(len(self.mails_to(self.customer)), 1)
        self.assertIn(self.colleague.partner_id, self.notified(message).res_partner_id)
        self.assertNotIn(
            self.customer,
            self.ticket.message_partner_ids,
            "an e-mail reply does not make the next social replies e-mails",
        )
        self.assertFalse(self.ticket.social_awaiting_reply)
        # Back to the platform: the next reply is not e-mailed.
        self.ticket.social_reply_by_email = False
        message = self.send_message()
        self.assertEqual(len(self.mails_to(self.customer)), 1)
        self.assertEqual(len(self.outbound_rows()), 1)

    def test_move_to_private_goes_back_to_the_platform(self):
        """Moving to private is a platform action: its public reply is not e-mailed."""
        self.company.social_care_private_template = "We have sent you a DM."
        self.ticket.social_reply_by_email = True
        self.ticket.with_user(self.agent).action_move_to_private()
        self.assertFalse(self.ticket.social_reply_by_email)
        (public,) = self.outbound_rows()
        self.assertEqual(
            (public.text, public.is_private), ("We have sent you a DM.", False)
        )
        self.assertEqual(public.mail_message_id.social_care_channel, "facebook_comment")
        self.assertFalse(self.mails_to(self.customer))

    def test_email_reply_needs_the_customers_address(self):
        self.customer.email = False
        self.ticket.social_reply_by_email = True
        count = len(self.ticket.message_ids)
        with self.assertRaises(UserError):
            self.send_message()
        self.assertEqual(len(self.ticket.message_ids), count)

    def test_email_reply_skips_the_platforms_rules(self):
        """The window closed: e-mail is how the agent still answers."""
        account_class = type(self.env["social.care.account"])
        self.ticket.social_reply_by_email = True
        with patch.object(
            account_class, "_social_outbound_problem", return_value="Window closed."
        ):
            message = self.send_message()
        self.assertEqual(message.social_care_channel, "email")

    def test_non_social_ticket_emails_its_customer_as_before(self):
        ticket = self.env["helpdesk.ticket"].create(
            {"name": "By e-mail", "description": "x", "partner_id": self.customer.id}
        )
        message = (
            ticket.with_user(self.agent)
            .with_context(mail_post_autofollow=True, mail_notify_force_send=False)
            .message_post(
                body="Hello",
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
                partner_ids=self.customer.ids,
            )
        )
        self.assertFalse(message.social_care_channel)
        self.assertIn(self.customer, self.notified(message).res_partner_id)

    def test_account_without_outbound_url_refuses_before_posting(self):
        self.account.generic_outbound_url = False
        self.assertTrue(self.ticket.social_reply_blocked)
        count = len(self.ticket.message_ids)
        with self.assertRaisesRegex(UserError, "no outbound URL"):
            self.send_message()
        self.assertEqual(len(self.ticket.message_ids), count)
        self.assertFalse(self.outbound_rows())

    def test_window_closing_soon_filter(self):
        account_class = type(self.env["social.care.account"])
        now = fields.Datetime.now()
        Ticket = self.env["helpdesk.ticket"]
        for hours, expected in ((1, True), (3, False), (-1, False)):
            with patch.object(
                account_class,
                "_social_window_deadline",
                return_value=now + timedelta(hours=hours),
            ):
                self.ticket.social_last_customer_message_at = now - timedelta(
                    minutes=hours
                )
                self.ticket.flush_recordset()
                found = Ticket.search([("social_window_closing_soon", "=", True)])
                self.assertEqual(self.ticket in found, expected, hours)
                self.assertEqual(self.ticket.social_window_closing_soon, expected)
                others = Ticket.search([("social_window_closing_soon", "=", False)])
                self.assertEqual(self.ticket in others, not expected, hours)
