from datetime import timedelta

from markupsafe import Markup

from odoo import _, api, fields, models

# A hide asked for longer ago than this was left by a run that stopped
# between its commit and the call (a live run makes it within seconds).
HIDE_STALE_AFTER = timedelta(minutes=15)


class SocialCareMessage(models.Model):
    _inherit = "social.care.message"

    meta_is_hidden = fields.Boolean(
        "Hidden on the platform",
        readonly=True,
        help="Hidden comments stay visible to their author and their friends only.",
    )
    meta_standby = fields.Boolean(
        "Handled in another app",
        readonly=True,
        help="Meta sent this message on standby: another app (such as the Page "
        "inbox in Meta Business Suite) controlled the conversation.",
    )
    meta_hide_rule_id = fields.Many2one(
        "social.care.rule",
        "Hide asked by rule",
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
        help="A routing rule asked to hide this comment; Meta is called once "
        "the message's processing is committed.",
    )

    @api.model
    def _social_inbound_values(self, account, parsed, parent):
        values = super()._social_inbound_values(account, parsed, parent)
        if parsed.handled_elsewhere:
            values["meta_standby"] = True
        return values

    def _social_header_html(self):
        header = super()._social_header_html()
        if not self.meta_standby:
            return header
        return header + Markup(
            '<p class="o_social_care_standby text-warning small">%s</p>'
        ) % _(
            "Handled in another app (e.g. the Page inbox): Meta copied this "
            "message to the helpdesk on standby."
        )

    def _meta_run_rule_hides(self):
        """Hide the comments rules asked to hide; each outcome noted on its ticket.

        The request is cleared first: whatever Meta answers, it is asked once
        (the agent can hide again from the ticket).
        """
        for message in self.filtered("meta_hide_rule_id"):
            rule = message.meta_hide_rule_id
            message.sudo().meta_hide_rule_id = False
            rule._meta_hide(message.ticket_id, message)

    def _meta_resume_rule_hides(self):
        """Hides committed but never made: the run stopped before calling Meta."""
        stale = self.search(
            [
                ("meta_hide_rule_id", "!=", False),
                ("write_date", "<", fields.Datetime.now() - HIDE_STALE_AFTER),
            ]
        )
        if stale:
            self.env["social.care.event"]._social_defer(stale._meta_run_rule_hides)
