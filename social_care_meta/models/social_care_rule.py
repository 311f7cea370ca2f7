from odoo import _, api, fields, models

from odoo.addons.social_care.tools import SendError

from .social_care_account import COMMENT_CHANNELS


class SocialCareRule(models.Model):
    _inherit = "social.care.rule"

    meta_hide_comment = fields.Boolean(
        "Hide the comment",
        help="Meta: hide the customer's comment on Facebook or Instagram (abuse, "
        "spam). It stays visible to its author and their friends only.",
    )

    @api.model
    def _social_apply_rules(self, message, values):
        # The callables run once the ticket exists, before the message is
        # attached to it: they find the message in their context.
        rules = self.with_context(social_care_meta_message_id=message.id)
        return super(SocialCareRule, rules)._social_apply_rules(message, values)

    def _social_note_applied(self, ticket):
        # The base calls this once per applied rule, after the ticket exists.
        result = super()._social_note_applied(ticket)
        message = self.env["social.care.message"].browse(
            self.env.context.get("social_care_meta_message_id")
        )
        if (
            self.meta_hide_comment
            and message.provider == "meta"
            and message.direction == "in"
            and message.channel in COMMENT_CHANNELS
            and message.kind != "mention"
        ):
            # A write on the platform: asked for in this event's transaction,
            # made once it is committed (or by a later run, if this one stops).
            message.sudo().meta_hide_rule_id = self
            self.env["social.care.event"]._social_defer(message._meta_run_rule_hides)
        return result

    def _meta_hide(self, ticket, message):
        try:
            message.account_id._meta_set_hidden(message, True)
        except SendError as error:
            ticket._social_post_note(
                _(
                    "Rule %(rule)s could not hide the comment: %(error)s",
                    rule=self.name,
                    error=error.message,
                )
            )
            return
        ticket._social_post_note(
            _(
                "Comment hidden on %(account)s by rule %(rule)s.",
                account=message.account_id.name,
                rule=self.name,
            )
        )
