from odoo.tests import tagged

from odoo.addons.social_care.tools import ParsedDelivery

from .common import ACME, MARCO, XCase, fixture

FIRMWARE_POST = "2095000000000000300"
OFFER_POST = "2095000000000000400"


@tagged("post_install", "-at_install")
class TestXOriginPosts(XCase):
    """X payloads through the real parse and ingest path: the conversation root."""

    def deliver(self, *bodies):
        for body in bodies:
            self.store(body)
        return self.process()

    def post(self, external_id):
        return self.env["social.care.post"].search(
            [("account_id", "=", self.account.id), ("external_id", "=", external_id)]
        )

    def test_replies_and_quotes_of_our_post_share_it(self):
        self.deliver(fixture("xaa_post_reply"), fixture("xaa_post_quote"))
        post = self.post(FIRMWARE_POST)
        self.assertTrue(post.is_own)
        self.assertEqual(
            post.excerpt, "Firmware 4.2 for the Acme X1 and X2 is rolling out today."
        )
        reply = self.message("2095000000000000301").ticket_id
        quote = self.message("2095000000000000302").ticket_id
        self.assertNotEqual(reply, quote)
        self.assertEqual((reply | quote).social_post_id, post)
        self.assertEqual(post.ticket_count, 2)
        # the first link told is kept; the quote's does not replace it
        self.assertEqual(post.permalink, f"https://x.com/i/web/status/{FIRMWARE_POST}")

    def test_a_mention_starting_its_conversation_has_no_post(self):
        self.deliver(fixture("xaa_post_mention"))
        ticket = self.env["helpdesk.ticket"].search(
            [("social_account_id", "=", self.account.id)]
        )
        self.assertTrue(ticket)
        self.assertFalse(ticket.social_post_id)
        self.assertFalse(
            self.env["social.care.post"].search([("account_id", "=", self.account.id)])
        )

    def test_a_dm_sharing_our_offer_carries_its_campaign(self):
        campaign = self.env["utm.campaign"].create({"title": "autumn_sale"})
        # stored as the DM poll stores its pages
        page = fixture("poll_dm_shared_post")
        self.app._social_store_deliveries(
            [ParsedDelivery(ACME, "poll:dm:shared", "poll.dm_events", page)]
        )
        self.process()
        ticket = self.message("2095000000000000620").ticket_id
        self.assertEqual(ticket.social_post_id, self.post(OFFER_POST))
        self.assertEqual(ticket.social_campaign_id, campaign)
        self.assertEqual(ticket.partner_id.name, "Marco Rossi")
        self.assertEqual(ticket.social_identity_id.external_id, MARCO)
