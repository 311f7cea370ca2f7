from markupsafe import Markup

from odoo import _, models
from odoo.tools import html2plaintext, plaintext2html
from odoo.tools.translate import code_translations

from .social_care_app import DELETED_TEXT

# The chatter notes that quote a person (social_care's own sentences): what
# they edited, the links to their media that could not be stored, and the
# ticket titles (copies of their first message) named in a note.
QUOTING_NOTES = (
    "The customer edited their message:",
    "Lead created: %s",
    "The customer wrote again; the conversation continues in",
    "Attachment not fetched (not from the platform's hosts): %s",
    "Attachment could not be downloaded (%(error)s): %(url)s",
    "Attachment not stored (announced as %(announced)s, the file is "
    "%(actual)s): %(url)s",
)


class SocialCareIdentity(models.Model):
    _inherit = "social.care.identity"

    def _meta_erase(self, policy):
        """Erase everything that holds these people's data; return the counts.

        ``policy`` "delete" removes their identities, messages, chatter posts
        and media; "anonymize" blanks them. Either way, the tickets opened
        from their messages lose the title and description copied from them,
        the notes quoting them are blanked, the raw deliveries lose their
        payload (their keys stay, so a redelivery is not ingested again), and
        the leads lose the conversation copied into them.
        """
        env = self.env
        messages = self.message_ids
        chatter = messages.mail_message_id
        attachments = chatter.attachment_ids
        tickets = (
            env["helpdesk.ticket"]
            .with_context(active_test=False)
            .search([("social_identity_id", "in", self.ids)])
        )
        leads = (
            env["crm.lead"]
            .with_context(active_test=False)
            .search([("social_ticket_id", "in", tickets.ids)])
        )
        events = self._meta_events(messages)
        notes = self._meta_quoting_notes(messages.ticket_id | tickets)
        counts = {
            "identity_count": len(self),
            "message_count": len(messages),
            "ticket_count": len(tickets),
            "attachment_count": len(attachments),
            "event_count": len(events),
            "lead_count": len(leads),
        }
        blank = Markup("%s") % plaintext2html(DELETED_TEXT)
        title = _("Conversation with a deleted user")
        self._meta_anonymize_contacts()
        tickets.write({"name": title, "description": blank})
        leads.write({"name": title, "description": blank})
        tickets.social_post_id.filtered(lambda post: not post.is_own).write(
            {"excerpt": False}
        )
        notes.write({"body": blank})
        events.write({"payload": {"erased": True}})
        attachments.unlink()
        if policy == "delete":
            chatter.unlink()
            messages.unlink()
            self.unlink()
        else:
            chatter.write({"body": blank})
            messages.write({"text": DELETED_TEXT, "permalink": False})
            for identity in self:
                identity.write(
                    {
                        "external_id": f"deleted-{identity.id}",
                        "name": _("Deleted user"),
                        "handle": False,
                        "avatar_url": False,
                        "profile_url": False,
                    }
                )
        return counts

    def _meta_events(self, messages):
        """The raw deliveries that brought these messages or name these people."""
        events = self.env["social.care.event"].search(
            [("message_ids", "in", messages.ids)]
        )
        if self:
            # A delivery that failed made no message: found by the id in it.
            self.env.cr.execute(
                "SELECT id FROM social_care_event "
                "WHERE company_id = ANY(%s) AND payload::text LIKE ANY(%s)",
                [
                    self.company_id.ids,
                    [f'%"{i.external_id}"%' for i in self if i.external_id.isdigit()],
                ],
            )
            events |= events.browse(row[0] for row in self.env.cr.fetchall())
        return events

    def _meta_quoting_notes(self, tickets):
        """OdooBot's notes on ``tickets`` that quote the person, in any language."""
        if not tickets:
            return self.env["mail.message"]
        prefixes = set()
        languages = [code for code, _name in self.env["res.lang"].get_installed()]
        for source in QUOTING_NOTES:
            prefixes.add(source.split("%")[0].strip())
            for lang in languages:
                translated = code_translations.get_python_translations(
                    "social_care", lang
                ).get(source)
                if translated:
                    prefixes.add(translated.split("%")[0].strip())
        notes = self.env["mail.message"].search(
            [
                ("model", "=", "helpdesk.ticket"),
                ("res_id", "in", tickets.ids),
                ("author_id", "=", self.env.ref("base.partner_root").id),
            ]
        )
        return notes.filtered(
            lambda note: html2plaintext(note.body or "").startswith(tuple(prefixes))
        )

    def _meta_anonymize_contacts(self):
        """Contacts made from the platform's profile lose what it told us."""
        name = _("Deleted user")
        for partner in self.filtered(
            lambda i: i.match_confidence == "created"
        ).partner_id:
            partner.write({"name": name, "social_handles": False, "image_1920": False})
            self.env["helpdesk.ticket"].search([("partner_id", "=", partner.id)]).write(
                {"partner_name": name}
            )
