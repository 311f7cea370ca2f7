from odoo import fields, models


class CrmLead(models.Model):
    _inherit = "crm.lead"

    social_ticket_id = fields.Many2one(
        "helpdesk.ticket", "Social ticket", readonly=True, index=True
    )
