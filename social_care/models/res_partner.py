from odoo import api, fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    social_identity_ids = fields.One2many(
        "social.care.identity", "partner_id", "Social identities"
    )
    social_identity_count = fields.Integer(compute="_compute_social_identity_count")
    social_handles = fields.Char(
        "Social handles",
        help="Comma-separated @handles this contact uses on social media: a new "
        "message from one of them is linked to this contact.",
    )

    @api.depends("social_identity_ids")
    def _compute_social_identity_count(self):
        for partner in self:
            partner.social_identity_count = len(partner.social_identity_ids)

    def _social_handle_list(self):
        self.ensure_one()
        return [
            h.strip().lstrip("@").lower()
            for h in (self.social_handles or "").split(",")
            if h.strip()
        ]
