"""Meta's messaging window is a hard reply deadline next to the SLA (issue 15).

Meta lets a Page answer a Messenger conversation until 7 days after the
customer's last message (24 h standard window, then the HUMAN_AGENT tag:
developers.facebook.com/documentation/business-messaging/messenger-platform/
policy/, as summarised in PLATFORM-APIS.md section 9). When
that closes before the SLA's deadline, the earlier one is the one to show.
"""

from datetime import timedelta

from odoo.tests import tagged

from .common import PSID, MetaCase


@tagged("post_install", "-at_install")
class TestMetaSlaWindow(MetaCase):
    def setUp(self):
        super().setUp()
        self.policy = self.env["social.care.sla.policy"].create(
            {
                "name": "Slow lane",
                "always_on": True,
                # Ten days: longer than Meta's 7-day window.
                "first_response_hours": 240,
                "next_response_hours": 12,
            }
        )

    def test_the_window_closes_before_the_sla_deadline(self):
        with self.graph({("GET", PSID): {"first_name": "Maija"}}):
            self.deliver(self.messenger("m_sla", "Where is it?"))
        ticket = self.message_of(self.page, "m_sla").ticket_id
        self.assertEqual(ticket.sla_policy_id, self.policy)
        window = ticket.social_last_customer_message_at + timedelta(days=7)
        self.assertEqual(ticket.social_window_deadline, window)
        self.assertEqual(
            ticket.sla_first_response_deadline,
            ticket.create_date + timedelta(hours=240),
        )
        self.assertLess(window, ticket.sla_first_response_deadline)
        self.assertEqual(ticket.sla_reply_deadline, window)

    def test_the_sla_deadline_shows_when_it_comes_first(self):
        self.policy.first_response_hours = 2
        with self.graph({("GET", PSID): {"first_name": "Maija"}}):
            self.deliver(self.messenger("m_sla2", "Where is it?"))
        ticket = self.message_of(self.page, "m_sla2").ticket_id
        self.assertEqual(
            ticket.sla_reply_deadline, ticket.create_date + timedelta(hours=2)
        )
