"""Meta's data deletion callback: all that holds the person erased, or "none found".

The callback's shape is Meta's (developers.facebook.com, "Data Deletion
Request Callback": a ``signed_request`` whose payload carries the app-scoped
``user_id``); the person's data is made by the pipeline from webhook payloads
in Meta's shapes (see common.py).
"""

from odoo.tests import tagged

from ..tools import make_signed_request
from .common import FB_USER, PSID, SECRET, MetaCase

COMMENT = "722000000000001_1290000000000007"
FIRST = "My phone is 040 123 4567, order S00042"
EDITED = "My phone is 040 765 4321, order S00042"


@tagged("post_install", "-at_install")
class TestMetaDeletion(MetaCase):
    def request(self, user_id):
        return self.app._meta_handle_deletion(
            make_signed_request({"user_id": user_id}, SECRET)
        )

    def person_with_everything(self):
        """A commenter with an edited comment, media, a lead and a failed delivery."""
        self.first_delivery = self.feed_comment(COMMENT, FIRST)
        self.deliver(self.first_delivery)
        self.deliver(self.feed_comment(COMMENT, EDITED, verb="edited"))
        message = self.message_of(self.page, COMMENT)
        ticket = message.ticket_id
        media = self.env["ir.attachment"].create(
            {
                "name": "photo.jpg",
                "raw": b"\xff\xd8\xff\xe0 the person's photo",
                "res_model": "helpdesk.ticket",
                "res_id": ticket.id,
            }
        )
        message.mail_message_id.attachment_ids = media
        ticket.action_create_lead()
        failed = self.env["social.care.event"].create(
            {
                "app_id": self.app.id,
                "account_id": self.page.id,
                "company_id": self.page.company_id.id,
                "account_ref": self.page.external_ref,
                "delivery_key": "failed-one",
                "event_type": "page.feed",
                "payload": {"value": {"from": {"id": FB_USER}, "message": FIRST}},
                "state": "error",
            }
        )
        return message, ticket, media, failed

    def assert_nothing_left(self, ticket, failed):
        texts = [
            ticket.name,
            ticket.description,
            ticket.lead_id.name,
            ticket.lead_id.description,
            *ticket.message_ids.mapped("body"),
            *[
                str(e.payload)
                for e in failed
                | self.env["social.care.event"].search([("app_id", "=", self.app.id)])
            ],
        ]
        for text in texts:
            self.assertNotIn("040", str(text or ""))
            self.assertNotIn(FB_USER, str(text or ""))

    def test_anonymize_erases_every_copy(self):
        message, ticket, media, failed = self.person_with_everything()
        deletion = self.request(FB_USER)
        self.assertEqual(deletion.state, "done")
        self.assertEqual(
            (deletion.identity_count, deletion.message_count, deletion.ticket_count),
            (1, 1, 1),
        )
        self.assertEqual((deletion.attachment_count, deletion.lead_count), (1, 1))
        self.assertGreaterEqual(deletion.event_count, 3)
        self.assertFalse(media.exists())
        self.assertNotIn("040", message.text)
        self.assertNotEqual(message.identity_id.external_id, FB_USER)
        self.assert_nothing_left(ticket, failed)
        self.assertIn("anonymized", deletion.summary)

    def test_delete_erases_every_copy(self):
        self.app.meta_deletion_policy = "delete"
        message, ticket, media, failed = self.person_with_everything()
        deletion = self.request(FB_USER)
        self.assertEqual((deletion.state, deletion.message_count), ("done", 1))
        self.assertFalse(message.exists())
        self.assertFalse(media.exists())
        self.assert_nothing_left(ticket, failed)
        # The delivery keys stay: a redelivery of the comment is not taken in.
        self.deliver(self.first_delivery)
        self.assertFalse(self.message_of(self.page, COMMENT))

    def test_an_id_nobody_has_finds_no_data_and_says_so(self):
        # A Messenger customer is known by a PSID: Meta's app-scoped id differs.
        self.deliver(self.messenger("m_psid", "Hello from Messenger"))
        deletion = self.request("10161234567890123")
        self.assertEqual(deletion.state, "not_found")
        self.assertEqual((deletion.identity_count, deletion.message_count), (0, 0))
        self.assertIn("No data found", deletion.summary)
        self.assertIn("app-scoped", deletion.summary)
        identity = self.env["social.care.identity"].search([("external_id", "=", PSID)])
        self.assertEqual(identity.message_ids.text, "Hello from Messenger")
