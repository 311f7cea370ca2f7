from odoo import _, fields, models
from odoo.exceptions import UserError


class SocialCareReplyReject(models.TransientModel):
    """A manager turns down a public reply held for approval, saying why."""

    _name = "social.care.reply.reject"
    _description = "Reject a social reply"

    message_ids = fields.Many2many(
        "social.care.message", string="Replies", required=True
    )
    reason = fields.Text(
        required=True, help="Shown to the agent who wrote the reply, on the ticket."
    )

    def action_reject(self):
        self.ensure_one()
        if not self.env.user.has_group("social_care.group_social_care_manager"):
            raise UserError(_("Only social care managers reject public replies."))
        self.message_ids._social_reject(self.reason)
