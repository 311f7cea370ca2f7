from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    social_care_partner_policy = fields.Selection(
        related="company_id.social_care_partner_policy", readonly=False
    )
    social_care_reopen_days = fields.Integer(
        related="company_id.social_care_reopen_days", readonly=False
    )
    social_care_private_template = fields.Char(
        related="company_id.social_care_private_template", readonly=False
    )
    social_care_response_target_hours = fields.Float(
        related="company_id.social_care_response_target_hours", readonly=False
    )
