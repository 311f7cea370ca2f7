from odoo import _, api, fields, models


class SocialCareLinkPartner(models.TransientModel):
    """Link a social identity to an existing contact; its tickets follow."""

    _name = "social.care.link.partner"
    _description = "Link a social identity to a contact"

    identity_ids = fields.Many2many(
        "social.care.identity", string="Identities", required=True
    )
    partner_id = fields.Many2one("res.partner", "Contact", required=True)
    suggested_partner_ids = fields.Many2many(
        "res.partner", string="Suggestions", compute="_compute_suggestions"
    )

    @api.depends("identity_ids")
    def _compute_suggestions(self):
        for wizard in self:
            tickets = self.env["helpdesk.ticket"].search(
                [("social_identity_id", "in", wizard.identity_ids.ids)]
            )
            wizard.suggested_partner_ids = tickets.social_suggested_partner_ids

    @api.model
    def _social_open_for(self, identities):
        return {
            "type": "ir.actions.act_window",
            "name": _("Link to existing contact"),
            "res_model": self._name,
            "view_mode": "form",
            "target": "new",
            "context": {"default_identity_ids": identities.ids},
        }

    def action_link(self):
        self.ensure_one()
        tickets = self.identity_ids._social_relink(self.partner_id)
        for ticket in tickets:
            ticket._social_post_note(
                _(
                    "Social author linked to the contact %(contact)s by %(user)s.",
                    contact=self.partner_id.display_name,
                    user=self.env.user.name,
                )
            )
        tickets.write({"social_suggested_partner_ids": [(5, 0, 0)]})
        return {"type": "ir.actions.act_window_close"}
