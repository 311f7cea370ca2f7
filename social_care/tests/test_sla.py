"""SLA policies: one standard for every channel, on working time (issue 15).

Ground truth: the expected deadlines are worked out by hand from the
calendar's definition — Monday to Friday 09:00-17:00 Europe/Rome (UTC+2 in
summer), with Tuesday 2 June 2026 (Festa della Repubblica) as a public
holiday — and written down as UTC times.
"""

from contextlib import contextmanager
from datetime import datetime, timedelta

from freezegun import freeze_time

from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import FakeResponse, SocialCareCase, outbound

# Friday 29 May 2026, 15:00 in Rome.
FRIDAY_15 = datetime(2026, 5, 29, 13, 0)


@tagged("post_install", "-at_install")
class TestSla(SocialCareCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.calendar = cls.env["resource.calendar"].create(
            {
                "name": "Rome office hours",
                "tz": "Europe/Rome",
                "attendance_ids": [(5, 0, 0)]
                + [
                    (
                        0,
                        0,
                        {
                            "name": f"Day {day}",
                            "dayofweek": str(day),
                            "hour_from": 9,
                            "hour_to": 17,
                            "day_period": "morning",
                        },
                    )
                    for day in range(5)
                ],
            }
        )
        cls.env["resource.calendar.leaves"].create(
            {
                "name": "Festa della Repubblica",
                "calendar_id": cls.calendar.id,
                # The whole 2 June in Rome, in UTC.
                "date_from": datetime(2026, 6, 1, 22, 0),
                "date_to": datetime(2026, 6, 2, 22, 0),
            }
        )
        cls.leader = cls.env["res.users"].create(
            {
                "name": "Leader Lea",
                "login": "lea_sla",
                "groups_id": [
                    (6, 0, [cls.env.ref("helpdesk_mgmt.group_helpdesk_user").id])
                ],
            }
        )
        cls.team.write({"sla_calendar_id": cls.calendar.id, "user_id": cls.leader.id})
        cls.policy = cls.env["social.care.sla.policy"].create(
            {
                "name": "Standard",
                "team_ids": [(6, 0, cls.team.ids)],
                "first_response_hours": 4,
                "next_response_hours": 2,
                "resolution_hours": 16,
                "at_risk_percent": 80,
            }
        )
        cls.email = cls.env.ref("helpdesk_mgmt.helpdesk_ticket_channel_email")
        cls.waiting = cls.env["helpdesk.ticket.stage"].create(
            {"name": "Waiting on customer", "sla_pause": True}
        )
        cls.in_progress = cls.env["helpdesk.ticket.stage"].create(
            {"name": "In progress SLA"}
        )
        cls.done = cls.env["helpdesk.ticket.stage"].create(
            {"name": "Done SLA", "closed": True}
        )

    def ticket(self, created=FRIDAY_15, **values):
        """A ticket of the team, created at ``created`` (UTC)."""
        with self.at(created):
            ticket = self.env["helpdesk.ticket"].create(
                dict(
                    {
                        "name": "Where is my order?",
                        "description": "<p>x</p>",
                        "team_id": self.team.id,
                        "channel_id": self.email.id,
                    },
                    **values,
                )
            )
            self.backdate(ticket, created)
        return ticket

    def backdate(self, ticket, created):
        self.env.cr.execute(
            "UPDATE helpdesk_ticket SET create_date = %s WHERE id = %s",
            [created, ticket.id],
        )
        ticket.invalidate_recordset(["create_date"])
        ticket.modified(["create_date"])

    @contextmanager
    def at(self, moment):
        """Act at ``moment`` (UTC): time-dependent states are stored then."""
        with freeze_time(moment):
            yield
            self.env.flush_all()
        self.env.invalidate_all()

    def check(self, ticket, moment):
        """Run the SLA cron at ``moment`` (UTC)."""
        with self.at(moment):
            self.env["helpdesk.ticket"]._cron_sla_check()

    def test_deadlines_skip_the_weekend_and_the_public_holiday(self):
        ticket = self.ticket()
        self.assertEqual(ticket.sla_policy_id, self.policy)
        # 4 h: Friday 15-17 (2 h), Monday 9-11 (2 h) -> Monday 11:00 Rome.
        self.assertEqual(ticket.sla_first_response_deadline, datetime(2026, 6, 1, 9))
        # 80 % of 4 h = 3 h 12 min: Friday 2 h, Monday 9:00-10:12.
        self.assertEqual(ticket.sla_first_response_risk_at, datetime(2026, 6, 1, 8, 12))
        # 16 h: Friday 2 h, Monday 8 h, Tuesday a holiday, Wednesday 9-15.
        self.assertEqual(ticket.sla_resolution_deadline, datetime(2026, 6, 3, 13))
        self.assertFalse(ticket.sla_next_response_deadline)
        self.assertEqual(ticket.sla_reply_deadline, datetime(2026, 6, 1, 9))

    def test_always_on_counts_every_hour(self):
        self.policy.always_on = True
        ticket = self.ticket()
        self.assertEqual(
            ticket.sla_first_response_deadline, FRIDAY_15 + timedelta(hours=4)
        )
        self.assertEqual(
            ticket.sla_resolution_deadline, FRIDAY_15 + timedelta(hours=16)
        )

    def test_company_calendar_when_the_team_has_none(self):
        self.team.sla_calendar_id = False
        self.company.resource_calendar_id = self.calendar
        ticket = self.ticket()
        self.assertEqual(ticket.sla_first_response_deadline, datetime(2026, 6, 1, 9))

    def test_paused_time_is_not_counted(self):
        ticket = self.ticket()
        # Waiting on the customer from Monday 9:30 to Wednesday 10:00 (Rome):
        # 0.5 h of the 4 h were used on Monday, 1.5 h are left from Wednesday
        # 10:00 -> 11:30 Rome.
        with self.at(datetime(2026, 6, 1, 7, 30)):
            ticket.stage_id = self.waiting
        self.assertTrue(ticket.sla_paused_since)
        self.assertFalse(ticket.sla_next_check_at, "a paused ticket is not checked")
        self.check(ticket, datetime(2026, 6, 2, 12))
        self.assertEqual(ticket.sla_first_response_state, "on_time")
        with self.at(datetime(2026, 6, 3, 8, 0)):
            ticket.stage_id = self.in_progress
        self.assertFalse(ticket.sla_paused_since)
        self.assertAlmostEqual(ticket.sla_paused_hours, 8.5)
        self.assertEqual(
            ticket.sla_first_response_deadline, datetime(2026, 6, 3, 9, 30)
        )

    def test_states_on_time_at_risk_breached_and_met(self):
        ticket = self.ticket()
        self.check(ticket, datetime(2026, 6, 1, 8))
        self.assertEqual(ticket.sla_first_response_state, "on_time")
        self.assertEqual(ticket.sla_state, "on_time")
        self.check(ticket, datetime(2026, 6, 1, 8, 30))
        self.assertEqual(ticket.sla_first_response_state, "at_risk")
        self.assertEqual(ticket.sla_state, "at_risk")
        self.check(ticket, datetime(2026, 6, 1, 9, 1))
        self.assertEqual(ticket.sla_first_response_state, "breached")
        self.assertEqual(ticket.sla_state, "breached")
        self.assertEqual(ticket.sla_outcome, "missed")

        on_time = self.ticket()
        with self.at(datetime(2026, 6, 1, 7)):
            on_time.with_user(self.agent).message_post(
                body="On it", message_type="comment", subtype_xmlid="mail.mt_comment"
            )
        self.assertEqual(on_time.sla_first_response_state, "met")
        self.assertEqual(on_time.sla_resolution_state, "on_time")
        self.assertFalse(on_time.sla_outcome, "undecided while the ticket is open")
        with self.at(datetime(2026, 6, 3, 12)):
            on_time.stage_id = self.done
        self.assertEqual(on_time.sla_resolution_state, "met")
        self.assertEqual(on_time.sla_state, "met")
        self.assertEqual(on_time.sla_outcome, "within")

    def test_filters_find_at_risk_and_breached_tickets(self):
        risky, late = self.ticket(), self.ticket(created=FRIDAY_15 - timedelta(hours=1))
        # Late was created one working hour earlier: due Monday 10:00 Rome.
        self.check(late, datetime(2026, 6, 1, 8, 30))
        ids = (risky | late).ids
        tickets = self.env["helpdesk.ticket"]
        self.assertEqual(
            tickets.search([("id", "in", ids), ("sla_state", "=", "at_risk")]), risky
        )
        self.assertEqual(
            tickets.search([("id", "in", ids), ("sla_state", "=", "breached")]), late
        )

    def test_escalation_runs_once_per_level(self):
        backup = self.env["res.users"].create(
            {"name": "Backup Bob", "login": "bob_sla"}
        )
        self.policy.write(
            {
                "escalate_on": "at_risk",
                "escalation_activity": True,
                "escalation_raise_priority": True,
                "escalation_user_id": backup.id,
            }
        )
        ticket = self.ticket(priority="1", user_id=self.agent.id)
        self.check(ticket, datetime(2026, 6, 1, 8))
        self.assertFalse(ticket.sla_escalated)
        self.check(ticket, datetime(2026, 6, 1, 8, 30))
        self.assertEqual(ticket.sla_escalated, "at_risk")
        self.assertEqual(ticket.priority, "2")
        self.assertEqual(ticket.user_id, backup)
        activities = ticket.activity_ids.filtered(lambda a: a.user_id == self.leader)
        self.assertEqual(len(activities), 1)
        self.check(ticket, datetime(2026, 6, 1, 8, 40))
        self.assertEqual(ticket.priority, "2", "not raised twice at the same level")
        self.check(ticket, datetime(2026, 6, 1, 9, 30))
        self.assertEqual(ticket.sla_escalated, "breached")
        self.assertEqual(ticket.priority, "3")
        self.assertEqual(
            len(ticket.activity_ids.filtered(lambda a: a.user_id == self.leader)), 2
        )

    def test_escalation_on_breach_only_waits_for_the_breach(self):
        other = self.env["helpdesk.ticket.team"].create({"name": "Tier 2"})
        self.policy.write({"escalate_on": "breached", "escalation_team_id": other.id})
        ticket = self.ticket()
        self.check(ticket, datetime(2026, 6, 1, 8, 30))
        self.assertEqual(ticket.team_id, self.team)
        self.check(ticket, datetime(2026, 6, 1, 9, 30))
        self.assertEqual(ticket.team_id, other)

    def test_most_specific_policy_first(self):
        urgent = self.env["social.care.sla.policy"].create(
            {
                "name": "Urgent e-mail",
                "sequence": 1,
                "team_ids": [(6, 0, self.team.ids)],
                "channel_ids": [(6, 0, self.email.ids)],
                "priority": "3",
                "first_response_hours": 1,
            }
        )
        tag = self.env["helpdesk.ticket.tag"].create({"name": "VIP"})
        vip = self.env["social.care.sla.policy"].create(
            {
                "name": "VIP",
                "sequence": 2,
                "ticket_domain": f"[('tag_ids', 'in', [{tag.id}])]",
                "first_response_hours": 2,
            }
        )
        self.assertEqual(self.ticket(priority="3").sla_policy_id, urgent)
        self.assertEqual(self.ticket(tag_ids=[(6, 0, tag.ids)]).sla_policy_id, vip)
        self.assertEqual(self.ticket(priority="1").sla_policy_id, self.policy)

    def test_closing_stops_the_clocks(self):
        ticket = self.ticket()
        with self.at(datetime(2026, 6, 1, 8)):
            ticket.stage_id = self.done
        self.assertFalse(ticket.sla_next_check_at)
        self.check(ticket, datetime(2026, 6, 5, 12))
        self.assertEqual(ticket.sla_first_response_state, "met")
        self.assertEqual(ticket.sla_state, "met")
        self.assertEqual(ticket.sla_outcome, "within")

    def test_a_portal_customer_message_starts_the_next_response(self):
        portal = self.env["res.users"].create(
            {
                "name": "Carla Portal",
                "login": "carla_portal_sla",
                "email": "carla.portal@example.com",
                "groups_id": [(6, 0, [self.env.ref("base.group_portal").id])],
            }
        )
        ticket = self.ticket(partner_id=portal.partner_id.id)
        with self.at(datetime(2026, 6, 1, 7)):
            ticket.with_user(self.agent).message_post(
                body="On it", message_type="comment", subtype_xmlid="mail.mt_comment"
            )
        # Monday 10:00 Rome: 2 h of next response -> 12:00 Rome.
        with self.at(datetime(2026, 6, 1, 8)):
            ticket.with_user(portal).message_post(
                body="Thanks, any date?",
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )
        self.assertEqual(ticket.sla_awaiting_since, datetime(2026, 6, 1, 8))
        self.assertEqual(ticket.sla_next_response_deadline, datetime(2026, 6, 1, 10))

    def test_a_broken_condition_is_refused(self):
        with self.assertRaises(ValidationError):
            self.policy.ticket_domain = "[('no_such_field', '=', 1)]"

    def test_a_closed_ticket_is_not_escalated(self):
        self.policy.write(
            {"escalate_on": "breached", "escalation_raise_priority": True}
        )
        ticket = self.ticket(priority="1")
        with self.at(datetime(2026, 6, 1, 8)):
            ticket.stage_id = self.done
        self.check(ticket, datetime(2026, 6, 1, 9, 30))
        self.assertEqual(ticket.priority, "1")
        self.assertFalse(ticket.sla_escalated)

    def test_reply_window_closing_first_is_the_effective_deadline(self):
        ticket = self.ticket()
        # The Meta window is computed from the customer's last message; set
        # here as it would be: closing before the SLA's Monday 11:00 Rome.
        window = datetime(2026, 5, 30, 13, 0)
        ticket.sudo().social_window_deadline = window
        self.assertEqual(ticket.sla_first_response_deadline, datetime(2026, 6, 1, 9))
        self.assertEqual(ticket.sla_reply_deadline, window)
        ticket.sudo().social_window_deadline = datetime(2026, 6, 5)
        self.assertEqual(ticket.sla_reply_deadline, datetime(2026, 6, 1, 9))

    def test_report_within_sla_leaves_out_undecided_tickets(self):
        met = self.ticket()
        with self.at(datetime(2026, 6, 1, 7)):
            met.with_user(self.agent).message_post(
                body="On it", message_type="comment", subtype_xmlid="mail.mt_comment"
            )
        with self.at(datetime(2026, 6, 1, 8)):
            met.stage_id = self.done
        missed = self.ticket()
        pending = self.ticket()
        self.check(missed, datetime(2026, 6, 1, 9, 30))
        # Pending is as late as missed but was answered in time: only the
        # resolution (Wednesday) is left, so it is undecided.
        with self.at(datetime(2026, 6, 1, 8)):
            pending.with_user(self.agent).message_post(
                body="On it", message_type="comment", subtype_xmlid="mail.mt_comment"
            )
        self.env.flush_all()
        report = self.env["social.care.ticket.report"]
        [(within, breached)] = report._read_group(
            [("ticket_id", "in", (met | missed | pending).ids)],
            [],
            ["sla_within:avg", "sla_breached_count:sum"],
        )
        self.assertEqual(within, 50.0, "met and missed count, the open one not")
        self.assertEqual(breached, 1)
        [(team, month, team_within)] = report._read_group(
            [("ticket_id", "in", met.ids)],
            ["team_id", "create_date:month"],
            ["sla_within:avg"],
        )
        self.assertEqual((team, month.month, team_within), (self.team, 5, 100.0))

    def test_social_and_email_tickets_are_measured_alike(self):
        """The same policy, the same clocks: only how a response arrives differs."""
        self.policy.write({"always_on": True, "team_ids": [(5, 0, 0)]})
        self.deliver(self.message("s1", "Where is my order?", thread="t-sla"))
        social = self.ticket_of("s1")
        customer = self.env["res.partner"].create(
            {"name": "Carla Bianchi", "email": "carla@example.com"}
        )
        email = self.env["helpdesk.ticket"].create(
            {
                "name": "Where is my order?",
                "description": "<p>x</p>",
                "partner_id": customer.id,
                "channel_id": self.email.id,
            }
        )
        for ticket in social | email:
            self.assertEqual(ticket.sla_policy_id, self.policy)
            self.assertEqual(
                ticket.sla_first_response_deadline,
                ticket.create_date + timedelta(hours=4),
            )
        # Answers: the social one counts once the platform takes it.
        social.with_user(self.agent).message_post(
            body="Looking", message_type="comment", subtype_xmlid="mail.mt_comment"
        )
        self.assertFalse(social.first_response_at)
        with outbound(FakeResponse(200, {"id": "r-sla"})):
            self.env["social.care.message"]._cron_send_messages()
        email.with_user(self.agent).message_post(
            body="Looking", message_type="comment", subtype_xmlid="mail.mt_comment"
        )
        self.env.invalidate_all()
        for ticket in social | email:
            self.assertEqual(ticket.sla_first_response_state, "met")
            self.assertFalse(ticket.sla_next_response_deadline)
        # The customers write again: the next response clocks start.
        self.deliver(self.message("s2", "Any news?", thread="t-sla"))
        # An RFC 5322 message from the customer, through the mail gateway.
        raw = (
            "From: Carla Bianchi <carla@example.com>\r\n"
            "To: helpdesk@example.com\r\n"
            "Subject: Re: Where is my order?\r\n"
            "Message-ID: <sla-any-news@example.com>\r\n"
            "Date: Mon, 1 Jun 2026 09:00:00 +0000\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n"
            "\r\n"
            "Any news?\r\n"
        )
        self.env["mail.thread"].message_process(
            "helpdesk.ticket", raw, thread_id=email.id
        )
        self.assertIn("Any news?", email.message_ids[0].body)
        self.env.invalidate_all()
        for ticket in social | email:
            self.assertTrue(ticket.sla_awaiting_since, ticket.channel_id.name)
            self.assertEqual(
                ticket.sla_next_response_deadline,
                ticket.sla_awaiting_since + timedelta(hours=2),
            )
            self.assertEqual(ticket.sla_next_response_state, "on_time")
        # A late answer breaches the next response on both.
        late = datetime.now() + timedelta(hours=3)
        with self.at(late):
            social._social_record_response(late)
            email.with_user(self.agent).message_post(
                body="Sorry", message_type="comment", subtype_xmlid="mail.mt_comment"
            )
        self.env.invalidate_all()
        for ticket in social | email:
            self.assertFalse(ticket.sla_awaiting_since)
            self.assertEqual(ticket.sla_next_response_state, "breached")
            self.assertEqual(ticket.sla_outcome, "missed")
