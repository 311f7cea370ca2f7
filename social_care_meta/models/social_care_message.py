from odoo import fields, models


class SocialCareMessage(models.Model):
    _inherit = "social.care.message"

    meta_is_hidden = fields.Boolean(
        "Hidden on the platform",
        readonly=True,
        help="Hidden comments stay visible to their author and their friends only.",
    )
