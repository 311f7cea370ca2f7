from odoo import _, models

from odoo.addons.mail.tools.discuss import Store

# Fields whose change the agent sees on the chatter message at once.
DELIVERY_FIELDS = {"state", "error", "permalink", "rejection_reason"}


class SocialCareMessageDelivery(models.Model):
    """Where a reply is: shown on its chatter message, updated live.

    The agent reads on the message they wrote whether it is waiting, queued,
    sent (with its link) or failed (with why, and a retry), without opening the
    Social tab or reloading: each change is pushed on the bus to the agent who
    wrote it and the ticket's internal followers.
    """

    _inherit = "social.care.message"

    def write(self, vals):
        result = super().write(vals)
        if DELIVERY_FIELDS & set(vals):
            self._social_push_delivery()
        return result

    def _social_delivery_label(self):
        """The state in the agent's words; a queued reply may wait for a reason."""
        self.ensure_one()
        if self.state == "queued" and self.error:
            return _("Waiting")
        return dict(self._fields["state"]._description_selection(self.env))[self.state]

    def _social_delivery_info(self):
        """What the chatter shows under an agent's reply."""
        self.ensure_one()
        return {
            "id": self.id,
            "state": self.state,
            "label": self._social_delivery_label(),
            "reason": self.rejection_reason or self.error or "",
            "permalink": self.permalink
            if (self.permalink or "").startswith("https://")
            else "",
            "canRetry": self.state == "failed",
        }

    def _social_push_delivery(self):
        """Send the new state to the browsers of those who follow the reply."""
        for message in self.filtered(
            lambda m: m.direction == "out" and m.mail_message_id and m.ticket_id
        ):
            ticket = message.ticket_id.sudo()
            listeners = message.user_id.partner_id | ticket.user_id.partner_id
            listeners |= ticket.message_partner_ids.filtered(
                lambda p: p.user_ids and not all(p.user_ids.mapped("share"))
            )
            store = Store(
                message.mail_message_id,
                {"socialDelivery": message._social_delivery_info()},
            )
            listeners._bus_send_store(store)
