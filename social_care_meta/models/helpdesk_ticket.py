from odoo import _, api, fields, models
from odoo.exceptions import UserError

from odoo.addons.social_care.tools import SendError

from .social_care_account import COMMENT_CHANNELS, DM_CHANNELS, RECOMMENDATION_KINDS


class HelpdeskTicket(models.Model):
    _inherit = "helpdesk.ticket"

    meta_can_moderate = fields.Boolean(
        compute="_compute_meta_moderation", groups="base.group_user"
    )
    meta_has_hidden = fields.Boolean(
        compute="_compute_meta_moderation", groups="base.group_user"
    )

    meta_thread_elsewhere = fields.Boolean(
        "Handled in another app",
        compute="_compute_meta_thread_elsewhere",
        groups="base.group_user",
        help="The customer's last message came on standby: another app (such as "
        "the Page inbox) controls the conversation.",
    )

    @api.depends("social_message_ids.meta_standby", "social_message_ids.posted_at")
    def _compute_meta_thread_elsewhere(self):
        for ticket in self:
            customer = ticket.social_message_ids.filtered(
                lambda m: m.direction == "in" and m.channel in DM_CHANNELS
            ).sorted(lambda m: (m.posted_at, m.id))
            ticket.meta_thread_elsewhere = bool(customer) and customer[-1].meta_standby

    @api.depends("social_account_id", "social_message_ids.meta_is_hidden")
    def _compute_meta_moderation(self):
        for ticket in self:
            comments = ticket._meta_comments()
            ticket.meta_can_moderate = bool(
                comments.filtered(lambda m: not m.meta_is_hidden)
            )
            ticket.meta_has_hidden = bool(comments.filtered("meta_is_hidden"))

    def _meta_comments(self):
        """The customer's comments of this ticket that Meta lets the Page moderate."""
        self.ensure_one()
        if self.social_account_id.provider != "meta":
            return self.env["social.care.message"]
        return self.social_message_ids.filtered(
            lambda m: m.direction == "in"
            and m.channel in COMMENT_CHANNELS
            and m.kind != "mention"  # on someone else's media
            and m.kind not in RECOMMENDATION_KINDS  # Meta hides no recommendation
            and not m.is_deleted
            and m.external_id
        )

    def action_meta_hide_comments(self):
        return self._meta_moderate(True)

    def action_meta_unhide_comments(self):
        return self._meta_moderate(False)

    def _meta_moderate(self, hidden):
        """Hide or unhide the customer's comments, with an audit note."""
        for ticket in self:
            comments = ticket._meta_comments().filtered(
                lambda m, hidden=hidden: m.meta_is_hidden != hidden
            )
            try:
                for comment in comments:
                    ticket.social_account_id._meta_set_hidden(comment, hidden)
            except SendError as error:
                raise UserError(error.message) from error
            if comments:
                ticket._social_post_note(
                    _(
                        "%(count)s comment(s) hidden by %(user)s.",
                        count=len(comments),
                        user=self.env.user.name,
                    )
                    if hidden
                    else _(
                        "%(count)s comment(s) shown again by %(user)s.",
                        count=len(comments),
                        user=self.env.user.name,
                    )
                )
        return True
