from odoo import models


class MailMessage(models.Model):
    _inherit = "mail.message"

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
