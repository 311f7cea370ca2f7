from odoo import fields, models


class SocialCareApp(models.Model):
    _inherit = "social.care.app"

    provider = fields.Selection(
        selection_add=[("meta", "Meta (Facebook, Instagram)")],
        ondelete={"meta": "cascade"},
    )
