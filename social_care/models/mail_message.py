from odoo import _, fields, models
from odoo.exceptions import AccessError

from ..tools import CHANNELS
from .social_care_message import CHANNEL_LABELS

EMAIL = "email"


class MailMessage(models.Model):
    _inherit = "mail.message"

    social_care_channel = fields.Selection(
        [(c, CHANNEL_LABELS[c]) for c in CHANNELS] + [(EMAIL, "E-mail")],
        "Reply sent via",
        readonly=True,
        help="The one channel an agent's reply on a social ticket went to: the "
        "platform's, or e-mail when the agent chose it.",
    )

    def write(self, vals):
        """Which channel a reply went to is a record of what happened: set once."""
        if "social_care_channel" in vals and not self.env.su:
            raise AccessError(_("The channel a reply was sent to cannot be changed."))
        return super().write(vals)

    def _to_store(self, store, /, *, fields=None, **kwargs):
        """An agent's social reply carries its delivery state to the chatter."""
        super()._to_store(store, fields=fields, **kwargs)
        if fields is not None or not self.env.user._is_internal():
            return
        on_tickets = self.filtered(lambda m: m.model == "helpdesk.ticket")
        if not on_tickets:
            return
        replies = self.env["social.care.message"].search(
            [("mail_message_id", "in", on_tickets.ids), ("direction", "=", "out")]
        )
        for reply in replies:
            store.add(
                reply.mail_message_id,
                {"socialDelivery": reply._social_delivery_info()},
            )

    def _extras_to_store(self, store, format_reply):
        """The chatter shows which channel each agent reply went to (employees only)."""
        super()._extras_to_store(store, format_reply=format_reply)
        if not self.env.user._is_internal():
            return
        labels = dict(
            self._fields["social_care_channel"]._description_selection(self.env)
        )
        for message in self.filtered("social_care_channel"):
            store.add(
                message,
                {
                    "socialCareChannel": message.social_care_channel,
                    "socialCareChannelLabel": labels[message.social_care_channel],
                },
            )
