import json
import pathlib

from odoo.tests import tagged

from .common import IG, PAGE, PSID, MetaCase

FIXTURES = pathlib.Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "meta"
POST = f"{PAGE}_722000000000001"
AD_POST = f"{PAGE}_722000000000009"


def fixture(name):
    return json.loads((FIXTURES / name).read_text())


@tagged("post_install", "-at_install")
class TestMetaOriginPosts(MetaCase):
    """Meta payloads through the real parse and ingest path: the post commented on."""

    def post(self, account, external_id):
        return self.env["social.care.post"].search(
            [("account_id", "=", account.id), ("external_id", "=", external_id)]
        )

    def test_comments_on_one_page_post_share_it(self):
        first = "722000000000001_1290000000000001"
        other = "722000000000001_1290000000000005"
        reply = "722000000000001_1290000000000003"
        self.deliver(
            self.feed_comment(first, "My order is late"),
            self.feed_comment(other, "Do you ship to Turku?", from_id="7099"),
            self.feed_comment(reply, "Here is a photo", parent_id=first),
        )
        post = self.post(self.page, POST)
        self.assertEqual(
            post.permalink, f"https://www.facebook.com/{PAGE}/posts/pfbid0Fake"
        )
        tickets = (
            self.message_of(self.page, first).ticket_id
            | self.message_of(self.page, other).ticket_id
        )
        self.assertEqual(len(tickets), 2)
        self.assertEqual(tickets.social_post_id, post)
        self.assertEqual(post.ticket_count, 2)
        self.assertFalse(self.message_of(self.page, reply).post_id)

    def test_instagram_comment_on_an_ad_and_its_campaign_by_hand(self):
        self.deliver(fixture("instagram_comment_ad.json"))
        post = self.post(self.instagram, "17890000000000002")
        self.assertEqual(
            (post.kind, post.is_own, post.excerpt),
            ("ad", True, "Autumn sale: 20% off all frames"),
        )
        ticket = self.message_of(self.instagram, "17900000000000005").ticket_id
        self.assertEqual(ticket.social_post_id, post)
        campaign = self.env["utm.campaign"].create({"title": "Autumn frames"})
        post.campaign_id = campaign
        self.assertEqual(ticket.social_campaign_id, campaign)
        self.assertEqual(post.account_id.external_ref, IG)

    def test_messenger_conversation_from_an_ad(self):
        with self.graph({("GET", PSID): {"first_name": "Aino"}}):
            self.deliver(fixture("messenger_ad_referral.json"))
        message = self.message_of(
            self.page, "m_AdReferralFakeMid0000000000000000000000000000002"
        )
        post = self.post(self.page, AD_POST)
        self.assertEqual((post.kind, post.is_own), ("ad", True))
        self.assertEqual(message.ticket_id.social_post_id, post)
        self.assertEqual(message.ticket_id.social_channel, "messenger")
