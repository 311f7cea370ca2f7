from odoo import _, fields, models
from odoo.tools import plaintext2html


class CrmLead(models.Model):
    _inherit = "crm.lead"

    social_ticket_id = fields.Many2one(
        "helpdesk.ticket", "Social ticket", readonly=True, index=True
    )


class HelpdeskTicketLead(models.Model):
    _inherit = "helpdesk.ticket"

    def action_create_lead(self):
        """A CRM lead for the ticket's contact, with the conversation."""
        for ticket in self.filtered(lambda t: not t.lead_id):
            conversation = (
                "\n\n".join(
                    f"{m.identity_id.display_name or ticket.company_id.name}: "
                    f"{m.text or ''}"
                    for m in ticket.social_message_ids.sorted("posted_at")
                )
                or ticket.name
            )
            lead = self.env["crm.lead"].create(
                {
                    "name": ticket.name,
                    "partner_id": ticket.partner_id.id,
                    "type": "lead",
                    "company_id": ticket.company_id.id,
                    "description": plaintext2html(conversation),
                    "social_ticket_id": ticket.id,
                    "user_id": False,
                }
            )
            ticket.lead_id = lead
            ticket._social_post_note(_("Lead created: %s", lead.name))
        if len(self) == 1:
            return {
                "type": "ir.actions.act_window",
                "res_model": "crm.lead",
                "res_id": self.lead_id.id,
                "view_mode": "form",
            }
        return True

    def action_open_lead(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "crm.lead",
            "res_id": self.lead_id.id,
            "view_mode": "form",
        }
