from odoo import fields, models


class SocialCareApp(models.Model):
    _inherit = "social.care.app"

    provider = fields.Selection(
        selection_add=[("twitter", "X (Twitter)")], ondelete={"twitter": "cascade"}
    )
