from datetime import timedelta

import pytz

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools.safe_eval import safe_eval

PRIORITIES = [("0", "Low"), ("1", "Medium"), ("2", "High"), ("3", "Very High")]
# Working time fetched at once per calendar, beyond the furthest target: the
# longest holiday break a calendar may plausibly have.
PLAN_MARGIN = timedelta(days=31)


def add_working_hours(intervals, start, hours):
    """The moment ``hours`` of working time after ``start``; None if not within."""
    for begin, stop, _meta in intervals:
        if stop <= start:
            continue
        begin = max(begin, start)
        available = (stop - begin).total_seconds() / 3600
        if hours <= available:
            return begin + timedelta(hours=hours)
        hours -= available
    return None


def working_hours_between(intervals, start, end):
    """Hours of working time from ``start`` to ``end``."""
    total = 0.0
    for begin, stop, _meta in intervals:
        begin, stop = max(begin, start), min(stop, end)
        if stop > begin:
            total += (stop - begin).total_seconds() / 3600
    return total


class SocialCareSlaPolicy(models.Model):
    """One service standard, applied alike to every channel's tickets.

    The first active policy (by sequence) whose conditions all match a ticket
    applies: put the most specific policies first.
    """

    _name = "social.care.sla.policy"
    _inherit = "social.care.company.mixin"
    _description = "Social Care SLA policy"
    _order = "sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", default=lambda self: self.env.company, index=True
    )
    team_ids = fields.Many2many(
        "helpdesk.ticket.team",
        string="Teams",
        check_company=True,
        help="Empty: every team.",
    )
    channel_ids = fields.Many2many(
        "helpdesk.ticket.channel", string="Channels", help="Empty: every channel."
    )
    priority = fields.Selection(PRIORITIES, help="Empty: every priority.")
    ticket_domain = fields.Char(
        "Other conditions",
        default="[]",
        help="Which tickets, e.g. by category or tags.",
    )
    first_response_hours = fields.Float(
        "First response (hours)", help="0: no first response target."
    )
    next_response_hours = fields.Float(
        "Next response (hours)",
        help="After each customer message once answered. 0: no target.",
    )
    resolution_hours = fields.Float(
        "Resolution (hours)", help="0: no resolution target."
    )
    always_on = fields.Boolean(
        "24/7",
        help="Count every hour. Otherwise hours are counted on the team's working "
        "calendar, else the company's, without its leaves and holidays.",
    )
    at_risk_percent = fields.Float(
        "At risk from (%)",
        default=80.0,
        help="A target is at risk once this share of its time has elapsed.",
    )
    escalate_on = fields.Selection(
        [("at_risk", "At risk"), ("breached", "Breached")],
        "Escalate when",
        help="Empty: no escalation.",
    )
    escalation_activity = fields.Boolean("Activity for the team leader", default=True)
    escalation_raise_priority = fields.Boolean("Raise the priority")
    escalation_user_id = fields.Many2one("res.users", "Reassign to")
    escalation_team_id = fields.Many2one(
        "helpdesk.ticket.team", "Move to team", check_company=True
    )

    _sql_constraints = [
        (
            "targets_positive",
            "CHECK(first_response_hours >= 0 AND next_response_hours >= 0 "
            "AND resolution_hours >= 0)",
            "SLA targets cannot be negative.",
        ),
        (
            "at_risk_percent_range",
            "CHECK(at_risk_percent > 0 AND at_risk_percent <= 100)",
            "The at-risk share must be between 0 and 100%.",
        ),
    ]

    @api.constrains("ticket_domain")
    def _check_ticket_domain(self):
        """A broken condition would stop every new ticket: refuse it here."""
        tickets = self.env["helpdesk.ticket"]
        for policy in self:
            try:
                domain = safe_eval(policy.ticket_domain or "[]")
                tickets.search_count(domain, limit=1)
            except Exception as error:
                raise ValidationError(
                    _(
                        "The policy's other conditions are not a valid ticket "
                        "filter: %(error)s",
                        error=error,
                    )
                ) from error

    @api.model
    def _sla_match(self, tickets):
        """{ticket: policy} for the given tickets, with one search for all."""
        policies = self.sudo().search([])
        matched = {}
        remaining = tickets
        for policy in policies:
            if not remaining:
                break
            domain = [("company_id", "in", [policy.company_id.id, False])]
            if not policy.company_id:
                domain = []
            if policy.team_ids:
                domain.append(("team_id", "in", policy.team_ids.ids))
            if policy.channel_ids:
                domain.append(("channel_id", "in", policy.channel_ids.ids))
            if policy.priority:
                domain.append(("priority", "=", policy.priority))
            domain += safe_eval(policy.ticket_domain or "[]")
            hits = remaining.filtered_domain(domain)
            for ticket in hits:
                matched[ticket] = policy
            remaining -= hits
        return matched

    def _sla_calendar(self, ticket):
        """The working calendar a ticket's hours are counted on; None for 24/7."""
        self.ensure_one()
        if self.always_on:
            return None
        return (
            ticket.team_id.sla_calendar_id
            or ticket.company_id.resource_calendar_id
            or self.env.company.resource_calendar_id
            or None
        )

    @api.model
    def _sla_plan(self, requests):
        """Answer ``(calendar, kind, start, value)`` requests, batched by calendar.

        ``kind`` "add": the moment ``value`` working hours after ``start``;
        "count": the working hours from ``start`` to ``value``. Datetimes are
        naive UTC as stored. One fetch of working time per calendar.
        """
        results = [None] * len(requests)
        by_calendar = {}
        for index, (calendar, kind, start, value) in enumerate(requests):
            if calendar is None:
                if kind == "add":
                    results[index] = start + timedelta(hours=value)
                else:
                    results[index] = max(0.0, (value - start).total_seconds() / 3600)
            else:
                by_calendar.setdefault(calendar, []).append(index)
        for calendar, indexes in by_calendar.items():
            starts = [requests[i][2] for i in indexes]
            ends = []
            for i in indexes:
                _cal, kind, start, value = requests[i]
                # A working day has at most 24 hours: a week per 24 is ample
                # before the margin for holidays.
                span = timedelta(days=7 * (value // 24 + 1)) if kind == "add" else None
                ends.append(start + span if kind == "add" else value)
            begin = pytz.utc.localize(min(starts))
            end = pytz.utc.localize(max(ends) + PLAN_MARGIN)
            intervals = list(calendar._work_intervals_batch(begin, end)[False])
            for i in indexes:
                _cal, kind, start, value = requests[i]
                aware = pytz.utc.localize(start)
                if kind == "add":
                    moment = add_working_hours(intervals, aware, value)
                    if moment is None:  # beyond the fetched time: rare
                        moment = calendar.plan_hours(value, aware, compute_leaves=True)
                    # A calendar without working time has no deadline.
                    results[i] = (
                        moment.astimezone(pytz.utc).replace(tzinfo=None)
                        if moment
                        else False
                    )
                else:
                    results[i] = working_hours_between(
                        intervals, aware, pytz.utc.localize(value)
                    )
        return results
