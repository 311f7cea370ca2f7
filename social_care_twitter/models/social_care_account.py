from odoo import models


class SocialCareAccount(models.Model):
    _inherit = "social.care.account"
