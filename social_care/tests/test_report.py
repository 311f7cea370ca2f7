from datetime import timedelta

from odoo.tests import tagged

from .common import FakeResponse, SocialCareCase, outbound


@tagged("post_install", "-at_install")
class TestTicketReport(SocialCareCase):
    """Every channel measured the same way; missing times left out of averages."""

    def test_averages_leave_out_unanswered_and_open_tickets(self):
        email = self.env.ref("helpdesk_mgmt.helpdesk_ticket_channel_email")
        answered = self.env["helpdesk.ticket"].create(
            {"name": "By email", "description": "<p>x</p>", "channel_id": email.id}
        )
        self.env.cr.execute(
            "UPDATE helpdesk_ticket SET create_date = %s WHERE id = %s",
            [answered.create_date - timedelta(hours=2), answered.id],
        )
        answered.invalidate_recordset(["create_date"])
        answered.with_user(self.agent).message_post(
            body="Hello", message_type="comment", subtype_xmlid="mail.mt_comment"
        )
        self.deliver(self.message("m1", "No answer yet"))
        social = self.ticket_of("m1")
        self.env.flush_all()

        report = self.env["social.care.ticket.report"]
        tickets = (answered | social).ids
        groups = report._read_group(
            [("ticket_id", "in", tickets)],
            ["channel_id"],
            ["ticket_count:sum", "first_response_hours:avg", "resolution_hours:avg"],
        )
        by_channel = {channel: rest for channel, *rest in groups}
        count, response, resolution = by_channel[email]
        self.assertEqual(count, 1)
        self.assertAlmostEqual(response, 2.0, delta=0.1)
        self.assertFalse(resolution, "an open ticket has no resolution time")
        facebook = self.env.ref("social_care.helpdesk_ticket_channel_facebook")
        count, response, _resolution = by_channel[facebook]
        self.assertEqual(count, 1)
        self.assertFalse(response, "an unanswered ticket is not counted as 0 hours")
        row = report.search([("ticket_id", "=", social.id)])
        self.assertTrue(row.is_social)
        self.assertFalse(row.is_answered)

    def test_overview_figures_for_an_agent(self):
        self.deliver(self.message("m1", "First"), self.message("m2", "Second"))
        answered = self.ticket_of("m1")
        answered.with_user(self.agent).message_post(
            body="Hello", message_type="comment", subtype_xmlid="mail.mt_comment"
        )
        # Issue 13: a social reply is a response once the platform has it.
        with outbound(FakeResponse(200, {"id": "r-overview"})):
            self.env["social.care.message"]._cron_send_messages()
        self.env.flush_all()
        account = self.account.with_user(self.agent)
        self.assertEqual(account.open_ticket_count, 2)
        self.assertEqual(account.awaiting_ticket_count, 1)
        # One of the two answered in time: an unanswered one is not in time.
        self.assertEqual(account.within_target_30d, 50.0)
        self.assertGreaterEqual(account.first_response_hours_30d, 0.0)
        action = account.action_view_awaiting_tickets()
        awaiting = self.env["helpdesk.ticket"].search(action["domain"])
        self.assertEqual(awaiting, self.ticket_of("m2"))
