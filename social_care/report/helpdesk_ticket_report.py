from odoo import fields, models, tools

from ..models.social_care_message import CHANNEL_LABELS
from ..tools import CHANNELS


class HelpdeskTicketReport(models.Model):
    """Tickets of every channel, measured the same way, for pivots and graphs.

    A SQL view rather than the ticket's own stored figures: a ticket not yet
    answered (or not yet closed) has no response (or resolution) time, and
    averages must leave it out instead of counting it as zero hours.
    """

    _name = "social.care.ticket.report"
    _description = "Helpdesk Ticket Analysis (all channels)"
    _auto = False
    _rec_name = "ticket_id"
    _order = "create_date desc"

    ticket_id = fields.Many2one("helpdesk.ticket", readonly=True)
    create_date = fields.Datetime("Created on", readonly=True)
    closed_date = fields.Datetime("Closed on", readonly=True)
    channel_id = fields.Many2one("helpdesk.ticket.channel", readonly=True)
    social_channel = fields.Selection(
        [(c, CHANNEL_LABELS[c]) for c in CHANNELS], "Social surface", readonly=True
    )
    social_account_id = fields.Many2one(
        "social.care.account", "Social account", readonly=True
    )
    social_post_id = fields.Many2one("social.care.post", "Origin post", readonly=True)
    is_own_post = fields.Boolean("Own post", readonly=True)
    campaign_id = fields.Many2one("utm.campaign", readonly=True)
    source_id = fields.Many2one("utm.source", readonly=True)
    medium_id = fields.Many2one("utm.medium", readonly=True)
    team_id = fields.Many2one("helpdesk.ticket.team", readonly=True)
    user_id = fields.Many2one("res.users", "Agent", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    stage_id = fields.Many2one("helpdesk.ticket.stage", readonly=True)
    is_social = fields.Boolean("Social", readonly=True)
    is_private = fields.Boolean("Private conversation", readonly=True)
    is_closed = fields.Boolean("Closed", readonly=True)
    is_answered = fields.Boolean("Answered", readonly=True)
    ticket_count = fields.Integer("Tickets", readonly=True, aggregator="sum")
    first_response_hours = fields.Float(
        "First response (hours)", readonly=True, aggregator="avg"
    )
    resolution_hours = fields.Float(
        "Resolution (hours)", readonly=True, aggregator="avg"
    )
    answered_within_target = fields.Float(
        "Answered within target (%)", readonly=True, aggregator="avg"
    )
    sla_policy_id = fields.Many2one(
        "social.care.sla.policy", "SLA policy", readonly=True
    )
    sla_within = fields.Float(
        "Within SLA (%)",
        readonly=True,
        aggregator="avg",
        help="Share of decided tickets that met every SLA target; undecided "
        "ones (open, no deadline passed) are left out.",
    )
    sla_breached_count = fields.Integer("SLA breached", readonly=True, aggregator="sum")

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            f"""
            CREATE OR REPLACE VIEW {self._table} AS (
                SELECT t.id AS id,
                       t.id AS ticket_id,
                       t.create_date,
                       t.closed_date,
                       t.channel_id,
                       t.social_channel,
                       t.social_account_id,
                       t.social_post_id,
                       coalesce(p.is_own, false) AS is_own_post,
                       t.social_campaign_id AS campaign_id,
                       p.source_id,
                       p.medium_id,
                       t.team_id,
                       t.user_id,
                       t.company_id,
                       t.stage_id,
                       t.social_account_id IS NOT NULL AS is_social,
                       coalesce(t.social_is_private, false) AS is_private,
                       coalesce(s.closed, false) AS is_closed,
                       t.first_response_at IS NOT NULL AS is_answered,
                       1 AS ticket_count,
                       CASE WHEN t.first_response_at IS NOT NULL
                            THEN t.first_response_hours END AS first_response_hours,
                       CASE WHEN t.closed_date IS NOT NULL AND s.closed
                            THEN t.resolution_hours END AS resolution_hours,
                       t.answered_within_target,
                       t.sla_policy_id,
                       CASE t.sla_outcome WHEN 'within' THEN 100.0
                                          WHEN 'missed' THEN 0.0 END AS sla_within,
                       CASE WHEN t.sla_outcome = 'missed' THEN 1 ELSE 0 END
                           AS sla_breached_count
                  FROM helpdesk_ticket t
                  LEFT JOIN helpdesk_ticket_stage s ON s.id = t.stage_id
                  LEFT JOIN social_care_post p ON p.id = t.social_post_id
                 WHERE t.active
            )
            """
        )

    def action_open_ticket(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "helpdesk.ticket",
            "res_id": self.ticket_id.id,
            "view_mode": "form",
        }
