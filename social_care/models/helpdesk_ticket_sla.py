from odoo import _, api, fields, models
from odoo.osv import expression

SLA_STATES = [
    ("on_time", "On time"),
    ("at_risk", "At risk"),
    ("breached", "Breached"),
    ("met", "Met"),
]
TARGETS = ("first_response", "next_response", "resolution")
ESCALATION_RANK = {"at_risk": 1, "breached": 2}


class HelpdeskTicketStage(models.Model):
    _inherit = "helpdesk.ticket.stage"

    sla_pause = fields.Boolean(
        "Pauses the SLA",
        help="The ticket waits on the customer here: its SLA clocks stop.",
    )


class HelpdeskTicketSla(models.Model):
    """Deadlines and states of the ticket's SLA policy, the same on every channel.

    The clocks run on working time, stop while the ticket's stage pauses the
    SLA, and move on when an answer or a customer message is recorded. States
    that change with time alone are refreshed by a cron at ``sla_next_check_at``.
    """

    _inherit = "helpdesk.ticket"  # pylint: disable=consider-merging-classes-inherited

    sla_policy_id = fields.Many2one(
        "social.care.sla.policy",
        "SLA policy",
        compute="_compute_sla_policy_id",
        store=True,
        index="btree_not_null",
        groups="base.group_user",
    )
    sla_paused_since = fields.Datetime(
        readonly=True, copy=False, groups="base.group_user"
    )
    sla_paused_hours = fields.Float(
        "SLA paused (hours)",
        readonly=True,
        copy=False,
        help="Working hours spent in stages that pause the SLA: not counted.",
        groups="base.group_user",
    )
    sla_awaiting_since = fields.Datetime(
        "Customer waiting since",
        readonly=True,
        copy=False,
        help="The first customer message not yet answered, once the ticket was "
        "first answered: the next response clock starts here.",
        groups="base.group_user",
    )
    sla_awaiting_paused_base = fields.Float(
        readonly=True, copy=False, groups="base.group_user"
    )
    sla_next_response_missed = fields.Boolean(
        readonly=True,
        copy=False,
        help="A next response came after its deadline.",
        groups="base.group_user",
    )
    sla_escalated = fields.Selection(
        [("at_risk", "At risk"), ("breached", "Breached")],
        "SLA escalated",
        readonly=True,
        copy=False,
        groups="base.group_user",
    )
    sla_first_response_deadline = fields.Datetime(
        "First response due",
        compute="_compute_sla_deadlines",
        store=True,
        index="btree_not_null",
        groups="base.group_user",
    )
    sla_next_response_deadline = fields.Datetime(
        "Next response due",
        compute="_compute_sla_deadlines",
        store=True,
        index="btree_not_null",
        groups="base.group_user",
    )
    sla_resolution_deadline = fields.Datetime(
        "Resolution due",
        compute="_compute_sla_deadlines",
        store=True,
        index="btree_not_null",
        groups="base.group_user",
    )
    sla_first_response_risk_at = fields.Datetime(
        compute="_compute_sla_deadlines", store=True, groups="base.group_user"
    )
    sla_next_response_risk_at = fields.Datetime(
        compute="_compute_sla_deadlines", store=True, groups="base.group_user"
    )
    sla_resolution_risk_at = fields.Datetime(
        compute="_compute_sla_deadlines", store=True, groups="base.group_user"
    )
    sla_first_response_state = fields.Selection(
        SLA_STATES,
        "First response SLA",
        compute="_compute_sla_states",
        store=True,
        groups="base.group_user",
    )
    sla_next_response_state = fields.Selection(
        SLA_STATES,
        "Next response SLA",
        compute="_compute_sla_states",
        store=True,
        groups="base.group_user",
    )
    sla_resolution_state = fields.Selection(
        SLA_STATES,
        "Resolution SLA",
        compute="_compute_sla_states",
        store=True,
        groups="base.group_user",
    )
    sla_state = fields.Selection(
        SLA_STATES,
        "SLA",
        compute="_compute_sla_states",
        store=True,
        index="btree_not_null",
        groups="base.group_user",
    )
    sla_next_check_at = fields.Datetime(
        compute="_compute_sla_states",
        store=True,
        index="btree_not_null",
        help="When an SLA state changes next with time alone.",
        groups="base.group_user",
    )
    sla_outcome = fields.Selection(
        [("within", "Within SLA"), ("missed", "Missed")],
        "SLA outcome",
        compute="_compute_sla_states",
        store=True,
        index="btree_not_null",
        help="Within: every target was met; missed: one was breached. Empty while "
        "undecided: an open ticket not yet past a deadline is no miss.",
        groups="base.group_user",
    )
    sla_reply_deadline = fields.Datetime(
        "Effective reply deadline",
        compute="_compute_sla_reply_deadline",
        store=True,
        index="btree_not_null",
        help="The pending response's SLA deadline, or the platform's reply "
        "window when it closes earlier.",
        groups="base.group_user",
    )
    sla_remaining_hours = fields.Float(
        "Time left to reply (hours)",
        compute="_compute_sla_remaining_hours",
        groups="base.group_user",
    )

    @api.depends(
        "team_id", "channel_id", "priority", "category_id", "tag_ids", "company_id"
    )
    def _compute_sla_policy_id(self):
        matched = self.env["social.care.sla.policy"]._sla_match(self)
        for ticket in self:
            ticket.sla_policy_id = matched.get(ticket, False)

    @api.depends(
        "sla_policy_id",
        "create_date",
        "sla_paused_hours",
        "sla_awaiting_since",
        "sla_awaiting_paused_base",
    )
    def _compute_sla_deadlines(self):
        requests, slots = [], []
        for ticket in self:
            for target in TARGETS:
                ticket[f"sla_{target}_deadline"] = False
                ticket[f"sla_{target}_risk_at"] = False
            policy = ticket.sla_policy_id
            if not policy:
                continue
            calendar = policy._sla_calendar(ticket)
            created = ticket.create_date or fields.Datetime.now()
            clocks = {
                "first_response": (created, ticket.sla_paused_hours),
                "resolution": (created, ticket.sla_paused_hours),
            }
            if ticket.sla_awaiting_since:
                clocks["next_response"] = (
                    ticket.sla_awaiting_since,
                    ticket.sla_paused_hours - ticket.sla_awaiting_paused_base,
                )
            for target, (start, paused) in clocks.items():
                hours = policy[f"{target}_hours"]
                if not hours:
                    continue
                risk = hours * policy.at_risk_percent / 100
                for field, value in (("deadline", hours), ("risk_at", risk)):
                    requests.append((calendar, "add", start, value + paused))
                    slots.append((ticket, f"sla_{target}_{field}"))
        results = self.env["social.care.sla.policy"]._sla_plan(requests)
        for (ticket, field), moment in zip(slots, results, strict=True):
            ticket[field] = moment

    @api.depends(
        "sla_first_response_deadline",
        "sla_next_response_deadline",
        "sla_resolution_deadline",
        "first_response_at",
        "closed_date",
        "stage_id",
        "sla_paused_since",
        "sla_next_response_missed",
    )
    def _compute_sla_states(self):
        now = fields.Datetime.now()
        for ticket in self:
            closed = ticket.stage_id.closed and (
                ticket.closed_date or ticket.last_stage_update or now
            )
            # Closing ends every clock: a ticket closed unanswered was not
            # waiting for an answer afterwards.
            done = {
                "first_response": ticket.first_response_at or closed,
                "next_response": closed,
                "resolution": closed,
            }
            states, upcoming = {}, []
            for target in TARGETS:
                deadline = ticket[f"sla_{target}_deadline"]
                risk_at = ticket[f"sla_{target}_risk_at"]
                if target == "next_response" and not deadline:
                    if ticket.sla_next_response_missed:
                        states[target] = "breached"
                    elif ticket.sla_policy_id.next_response_hours and (
                        ticket.first_response_at
                    ):
                        states[target] = "met"
                    else:
                        states[target] = False
                    continue
                if not deadline:
                    states[target] = False
                elif done.get(target):
                    states[target] = "met" if done[target] <= deadline else "breached"
                elif now >= deadline:
                    states[target] = "breached"
                else:
                    states[target] = "at_risk" if now >= risk_at else "on_time"
                    if not ticket.sla_paused_since:
                        upcoming.append(deadline if now >= risk_at else risk_at)
            for target in TARGETS:
                ticket[f"sla_{target}_state"] = states[target]
            values = [s for s in states.values() if s]
            ticket.sla_state = self._sla_overall(values)
            ticket.sla_next_check_at = min(upcoming) if upcoming else False
            if "breached" in values:
                ticket.sla_outcome = "missed"
            elif values and closed and all(s == "met" for s in values):
                ticket.sla_outcome = "within"
            else:
                ticket.sla_outcome = False

    @staticmethod
    def _sla_overall(states):
        for state in ("breached", "at_risk", "on_time"):
            if state in states:
                return state
        return "met" if states else False

    @api.depends(
        "sla_first_response_deadline",
        "sla_next_response_deadline",
        "first_response_at",
        "social_window_deadline",
        "stage_id",
    )
    def _compute_sla_reply_deadline(self):
        for ticket in self:
            if ticket.stage_id.closed:
                due = False
            elif not ticket.first_response_at:
                due = ticket.sla_first_response_deadline
            else:
                due = ticket.sla_next_response_deadline
            window = ticket.social_window_deadline
            if due and window:
                due = min(due, window)
            ticket.sla_reply_deadline = due

    def _compute_sla_remaining_hours(self):
        now = fields.Datetime.now()
        for ticket in self:
            due = ticket.sla_reply_deadline
            ticket.sla_remaining_hours = (
                (due - now).total_seconds() / 3600 if due else 0.0
            )

    # ------------------------------------------------------------------
    # Clocks: pauses, customer messages, responses
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        tickets = super().create(vals_list)
        paused = tickets.filtered(lambda t: t.stage_id.sla_pause)
        if paused:
            paused.sudo().write({"sla_paused_since": fields.Datetime.now()})
        return tickets

    def write(self, vals):
        if "stage_id" not in vals:
            return super().write(vals)
        pauses = self.env["helpdesk.ticket.stage"].browse(vals["stage_id"]).sla_pause
        now = fields.Datetime.now()
        tickets = self.sudo()
        resuming = tickets.filtered("sla_paused_since") if not pauses else None
        pausing = tickets.filtered(lambda t: not t.sla_paused_since) if pauses else None
        if resuming:
            resuming._sla_resume(now)
        result = super().write(vals)
        if pausing:
            pausing.sudo().write({"sla_paused_since": now})
        return result

    def _sla_resume(self, now):
        """Add the working time spent paused, so the deadlines move by as much."""
        policy_model = self.env["social.care.sla.policy"]
        tickets = self.filtered("sla_policy_id")
        requests = [
            (t.sla_policy_id._sla_calendar(t), "count", t.sla_paused_since, now)
            for t in tickets
        ]
        hours = dict(zip(tickets, policy_model._sla_plan(requests), strict=True))
        for ticket in self:
            ticket.sudo().write(
                {
                    "sla_paused_since": False,
                    "sla_paused_hours": ticket.sla_paused_hours
                    + hours.get(ticket, 0.0),
                }
            )

    def _sla_record_customer_message(self, posted_at):
        """A customer message after the first answer starts the next response clock."""
        for ticket in self:
            if ticket.first_response_at and not ticket.sla_awaiting_since:
                ticket.sudo().write(
                    {
                        "sla_awaiting_since": posted_at,
                        "sla_awaiting_paused_base": ticket.sla_paused_hours,
                    }
                )

    def _sla_record_response(self, responded_at):
        """An answer stops the next response clock, late or not."""
        for ticket in self.filtered("sla_awaiting_since"):
            if responded_at < ticket.sla_awaiting_since:
                continue
            deadline = ticket.sla_next_response_deadline
            values = {"sla_awaiting_since": False, "sla_awaiting_paused_base": 0.0}
            if deadline and responded_at > deadline:
                values["sla_next_response_missed"] = True
            ticket.sudo().write(values)

    def _social_record_customer_message(self, posted_at):
        result = super()._social_record_customer_message(posted_at)
        self._sla_record_customer_message(posted_at)
        return result

    def _social_record_response(self, responded_at, last_responded_at=None):
        result = super()._social_record_response(responded_at, last_responded_at)
        self._sla_record_response(last_responded_at or responded_at)
        return result

    def message_post(self, **kwargs):
        message = super().message_post(**kwargs)
        if len(self) != 1 or self.env.context.get("social_care_inbound"):
            return message
        if message.message_type not in ("email", "comment") or (
            message.subtype_id != self.env.ref("mail.mt_comment")
        ):
            return message
        # A portal customer may post here: the SLA fields are for employees.
        ticket = self.sudo()
        author_user = message.sudo().author_id.user_ids[:1]
        if not author_user or not author_user._is_internal():
            ticket._sla_record_customer_message(fields.Datetime.now())
        elif not ticket.social_account_id and not author_user._is_superuser():
            # Social replies respond once the platform has them.
            ticket._sla_record_response(fields.Datetime.now())
        return message

    # ------------------------------------------------------------------
    # Cron: time-driven states and escalation
    # ------------------------------------------------------------------

    @api.model
    def _cron_sla_check(self, limit=1000):
        """Refresh the states that time changed, then escalate, for due tickets."""
        now = fields.Datetime.now()
        due = self.sudo().search(
            [("sla_next_check_at", "<=", now), ("sla_paused_since", "=", False)],
            limit=limit,
        )
        if due:
            fields_to_refresh = [
                self._fields[name]
                for name in ("sla_state", "sla_next_check_at", "sla_outcome")
            ]
            for field in fields_to_refresh:
                self.env.add_to_compute(field, due)
            due.flush_recordset()
        breached = [("sla_state", "=", "breached"), ("sla_escalated", "!=", "breached")]
        at_risk = [
            ("sla_state", "=", "at_risk"),
            ("sla_escalated", "=", False),
            ("sla_policy_id.escalate_on", "=", "at_risk"),
        ]
        self.sudo().search(
            expression.AND(
                [
                    [("sla_policy_id.escalate_on", "!=", False)],
                    [("stage_id.closed", "=", False)],
                    expression.OR([breached, at_risk]),
                ]
            ),
            limit=limit,
        )._sla_escalate()

    def _sla_escalate(self):
        """Run each policy's escalation once per level reached."""
        activity_type = self.env.ref("mail.mail_activity_data_todo")
        priorities = [p for p, _label in self._fields["priority"].selection]
        labels = dict(self._fields["sla_state"]._description_selection(self.env))
        activities, writes = [], {}
        for ticket in self:
            policy = ticket.sla_policy_id
            reached = ESCALATION_RANK[ticket.sla_state]
            if reached < ESCALATION_RANK[policy.escalate_on]:
                continue
            if ESCALATION_RANK.get(ticket.sla_escalated, 0) >= reached:
                continue
            values = {"sla_escalated": ticket.sla_state}
            if policy.escalation_raise_priority and ticket.priority in priorities:
                index = priorities.index(ticket.priority)
                values["priority"] = priorities[min(index + 1, len(priorities) - 1)]
            if policy.escalation_team_id:
                values["team_id"] = policy.escalation_team_id.id
            if policy.escalation_user_id:
                values["user_id"] = policy.escalation_user_id.id
            leader = (policy.escalation_team_id or ticket.team_id).user_id
            if policy.escalation_activity and leader:
                activities.append(
                    {
                        "res_model_id": self.env["ir.model"]._get_id(self._name),
                        "res_id": ticket.id,
                        "activity_type_id": activity_type.id,
                        "user_id": leader.id,
                        "summary": _(
                            "SLA %(state)s: %(policy)s",
                            state=labels[ticket.sla_state],
                            policy=policy.name,
                        ),
                    }
                )
            key = tuple(sorted(values.items()))
            writes[key] = writes.get(key, self.browse()) | ticket
        for values, tickets in writes.items():
            tickets.write(dict(values))
        if activities:
            self.env["mail.activity"].create(activities)
