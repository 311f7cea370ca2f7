from odoo import fields, models


class HelpdeskTicketTeam(models.Model):
    _inherit = "helpdesk.ticket.team"

    social_care_approve_public = fields.Boolean(
        "Approve public social replies",
        help="Public replies by agents who are not social care managers wait "
        "for a manager's approval before going out.",
    )
    sla_calendar_id = fields.Many2one(
        "resource.calendar",
        "SLA working hours",
        help="The SLA clocks of this team's tickets count these working hours; "
        "empty: the company's.",
    )
