from odoo import api, models


class SocialCareEvent(models.Model):
    _inherit = "social.care.event"

    @api.model
    def _social_resume_deferred(self):
        result = super()._social_resume_deferred()
        self.env["social.care.message"].sudo()._meta_resume_rule_hides()
        return result
