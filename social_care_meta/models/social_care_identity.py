from markupsafe import Markup

from odoo import _, models
from odoo.tools import plaintext2html

from .social_care_app import DELETED_TEXT


class SocialCareIdentity(models.Model):
    _inherit = "social.care.identity"

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

    def _meta_anonymize(self):
        """No name, picture or id left; the messages' texts blanked."""
        body = Markup("%s") % plaintext2html(DELETED_TEXT)
        for identity in self:
            identity.message_ids.mail_message_id.write({"body": body})
            identity.message_ids.write({"text": DELETED_TEXT})
            identity.write(
                {
                    "external_id": f"deleted-{identity.id}",
                    "name": _("Deleted user"),
                    "handle": False,
                    "avatar_url": False,
                    "profile_url": False,
                }
            )
