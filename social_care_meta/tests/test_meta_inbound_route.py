"""What Meta sends besides plain text, through the real webhook route and cron.

Shapes (issue 12 items 6-11): feed ``verb: hide/unhide`` (Meta's Page feed
webhook reference), Messenger fallback/location/postback attachments and
``policy-enforcement`` (as in bottender's test payloads and Meta's Messenger
webhook reference), ``standby`` (Handover Protocol), Instagram story
mentions and story replies (Instagram messaging webhook reference), the App
Dashboard's Test sample (entry id 0, as in facebook-rs's test payload) and
Page ``ratings`` (recommendations, answered on their open_graph_story_id).
"""

import json
import time
from contextlib import contextmanager
from unittest.mock import patch

from odoo.tests import HttpCase, tagged

from ..tools import sign
from .common import IG, IGSID, PAGE, PSID, SECRET, MetaGraphMixin

COMMENT = "722000000000001_1290000000000001"
STORY_URL = "https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=1799&signature=F"
PNG = b"\x89PNG\r\n\x1a\n fake story"
PROFILES = {
    ("GET", PSID): {"first_name": "Maija", "last_name": "Virtanen"},
    ("GET", IGSID): {"name": "Liisa", "username": "liisa.cycles"},
}


@tagged("post_install", "-at_install")
class TestMetaInboundRoute(MetaGraphMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_meta()
        cls.url = f"/social_care/webhook/{cls.app.id}"
        cls.agent = cls.env["res.users"].create(
            {
                "name": "Agent Alice",
                "login": "alice_meta_route",
                "email": "alice.route@example.com",
                "groups_id": [
                    (6, 0, [cls.env.ref("helpdesk_mgmt.group_helpdesk_user").id])
                ],
            }
        )

    # --- helpers --------------------------------------------------------

    def post(self, payload):
        raw = json.dumps(payload).encode()
        headers = {
            "Content-Type": "application/json",
            "X-Hub-Signature-256": sign(SECRET, raw),
        }
        response = self.url_open(self.url, data=raw, headers=headers)
        self.assertEqual(response.status_code, 200)
        return response.json()

    def run_cron(self):
        self.env["social.care.event"].with_context(
            social_care_no_commit=True
        )._cron_process_events()

    def through_route(self, *payloads, routes=None):
        with self.graph({**PROFILES, **(routes or {})}) as router:
            for payload in payloads:
                self.post(payload)
            self.run_cron()
        return router

    @contextmanager
    def media(self, content=PNG):
        fetched = []

        def fake(account, url):
            fetched.append(url)
            return content

        with patch.object(
            type(self.env["social.care.account"]), "_social_fetch_media", fake
        ):
            yield fetched

    def message(self, account, external_id):
        return self.env["social.care.message"].search(
            [("account_id", "=", account.id), ("external_id", "=", external_id)]
        )

    def notes(self, ticket):
        return ticket.message_ids.filtered(lambda m: m.message_type == "notification")

    def feed(self, verb, text="Worst shop ever", stamp=None):
        post_id = f"{PAGE}_722000000000001"
        value = {
            "from": {"id": "7012345678901234", "name": "Maija Virtanen"},
            "post": {"id": post_id, "permalink_url": "https://www.facebook.com/p/1"},
            "message": text,
            "post_id": post_id,
            "comment_id": COMMENT,
            "created_time": 1788256800,
            "item": "comment",
            "parent_id": post_id,
            "verb": verb,
        }
        return self.change("page", PAGE, "feed", value, stamp)

    @staticmethod
    def change(obj, account, field, value, stamp=None):
        return {
            "object": obj,
            "entry": [
                {
                    "id": account,
                    "time": stamp or int(time.time()),
                    "changes": [{"field": field, "value": value}],
                }
            ],
        }

    @staticmethod
    def event(obj, account, sender, key="messaging", **body):
        stamp = int(time.time() * 1000)
        return {
            "object": obj,
            "entry": [
                {
                    "id": account,
                    "time": stamp,
                    key: [
                        {
                            "sender": {"id": sender},
                            "recipient": {"id": account},
                            "timestamp": stamp,
                            **body,
                        }
                    ],
                }
            ],
        }

    # --- item 6: hides made in Meta's apps --------------------------------

    def test_hide_and_unhide_in_metas_apps_are_reflected_with_when(self):
        self.through_route(self.feed("add"))
        comment = self.message(self.page, COMMENT)
        ticket = comment.ticket_id
        self.assertFalse(comment.meta_is_hidden)
        self.through_route(self.feed("hide", stamp=1788258000))
        self.assertTrue(comment.meta_is_hidden)
        self.assertTrue(ticket.meta_has_hidden)
        self.assertFalse(ticket.meta_can_moderate)
        [note] = self.notes(ticket).filtered(lambda m: "outside the helpdesk" in m.body)
        self.assertIn("hidden", note.body)
        self.assertIn("2026-09-01 10:20:00", note.body)
        self.through_route(self.feed("unhide", stamp=1788258600))
        self.assertFalse(comment.meta_is_hidden)
        self.assertIn(
            "shown again", self.notes(ticket)[:1].body, "the newest note says so"
        )

    def test_our_own_hide_coming_back_adds_no_note(self):
        self.through_route(self.feed("add"))
        comment = self.message(self.page, COMMENT)
        with self.graph({("POST", COMMENT): {"success": True}}):
            comment.ticket_id.action_meta_hide_comments()
        before = len(self.notes(comment.ticket_id))
        self.through_route(self.feed("hide"))
        self.assertTrue(comment.meta_is_hidden)
        self.assertEqual(len(self.notes(comment.ticket_id)), before)

    # --- item 7: Messenger content --------------------------------------

    def test_link_share_location_and_postbacks_keep_what_they_say(self):
        link = self.event(
            "page",
            PAGE,
            PSID,
            message={
                "mid": "m_link",
                "attachments": [
                    {
                        "type": "fallback",
                        "payload": None,
                        "title": "Spring sale",
                        "URL": "https://shop.example/sale",
                    }
                ],
            },
        )
        location = self.event(
            "page",
            PAGE,
            PSID,
            message={
                "mid": "m_place",
                "attachments": [
                    {
                        "type": "location",
                        "payload": {"coordinates": {"lat": 60.17, "long": 24.94}},
                    }
                ],
            },
        )
        untitled = self.event("page", PAGE, PSID, postback={"payload": "ORDER_STATUS"})
        self.through_route(link, location, untitled)
        self.assertEqual(
            self.message(self.page, "m_link").text,
            "[fallback] Spring sale https://shop.example/sale",
        )
        place = self.message(self.page, "m_place")
        self.assertIn("60.17, 24.94", place.text)
        self.assertIn("openstreetmap.org/?mlat=60.17&mlon=24.94", place.text)
        button = self.env["social.care.message"].search(
            [("account_id", "=", self.page.id), ("external_id", "=like", "postback:%")]
        )
        self.assertEqual(button.text, "[button] ORDER_STATUS")
        self.assertIn(
            "Spring sale", self.message(self.page, "m_link").mail_message_id.body
        )

    def test_get_started_from_an_ad_keeps_its_origin(self):
        referral = {
            "source": "ADS",
            "type": "OPEN_THREAD",
            "ref": "spring",
            "ad_id": "23850000000000001",
            "ads_context_data": {
                "ad_title": "Autumn service check",
                "post_id": f"{PAGE}_777",
            },
        }
        payload = self.event(
            "page",
            PAGE,
            PSID,
            postback={"title": "Get Started", "payload": "GS", "referral": referral},
        )
        self.through_route(payload)
        message = self.env["social.care.message"].search(
            [("account_id", "=", self.page.id), ("external_id", "=like", "postback:%")]
        )
        self.assertEqual(message.text, "Get Started\n[opened from an ad, ref spring]")
        self.assertEqual(message.post_id.external_id, f"{PAGE}_777")
        self.assertEqual(message.post_id.kind, "ad")

    # --- item 8: Instagram stories ---------------------------------------

    def test_story_mention_stores_the_media_and_is_a_mention(self):
        payload = self.event(
            "instagram",
            IG,
            IGSID,
            message={
                "mid": "ig_mention_1",
                "attachments": [
                    {"type": "story_mention", "payload": {"url": STORY_URL}}
                ],
            },
        )
        with self.media() as fetched:
            self.through_route(payload)
        self.assertEqual(fetched, [STORY_URL])
        message = self.message(self.instagram, "ig_mention_1")
        self.assertEqual(message.kind, "mention")
        self.assertEqual(message.text, "[mentioned the account in their story]")
        attachments = message.mail_message_id.attachment_ids
        self.assertEqual(attachments.mapped("name"), ["story-mention"])
        self.assertEqual(attachments.raw, PNG)

    def test_story_reply_shows_the_story_it_answers(self):
        payload = self.event(
            "instagram",
            IG,
            IGSID,
            message={
                "mid": "ig_story_reply_1",
                "text": "Still in stock?",
                "reply_to": {"story": {"url": STORY_URL, "id": "17990000000000002"}},
            },
        )
        with self.media() as fetched:
            self.through_route(payload)
        self.assertEqual(fetched, [STORY_URL])
        message = self.message(self.instagram, "ig_story_reply_1")
        self.assertEqual(message.post_id.kind, "story")
        self.assertEqual(message.post_id.external_id, "17990000000000002")
        self.assertEqual(
            message.mail_message_id.attachment_ids.mapped("name"), ["replied-story"]
        )

    def test_story_media_off_metas_hosts_is_not_fetched(self):
        payload = self.event(
            "instagram",
            IG,
            IGSID,
            message={
                "mid": "ig_mention_2",
                "attachments": [
                    {
                        "type": "story_mention",
                        "payload": {"url": "https://evil.example/story.jpg"},
                    }
                ],
            },
        )
        with self.media() as fetched:
            self.through_route(payload)
        self.assertEqual(fetched, [])
        ticket = self.message(self.instagram, "ig_mention_2").ticket_id
        self.assertIn("not from the platform", self.notes(ticket)[:1].body)

    # --- item 9: standby and policy enforcement ----------------------------

    def test_standby_message_is_kept_and_marked_handled_elsewhere(self):
        standby = self.event(
            "page",
            PAGE,
            PSID,
            key="standby",
            message={"mid": "m_standby", "text": "Still waiting for my refund"},
        )
        self.through_route(standby)
        message = self.message(self.page, "m_standby")
        self.assertTrue(message.meta_standby)
        ticket = message.ticket_id
        self.assertTrue(ticket, "the customer's message is not lost")
        self.assertTrue(ticket.meta_thread_elsewhere)
        self.assertIn("Handled in another app", message.mail_message_id.body)
        self.through_route(
            self.event("page", PAGE, PSID, message={"mid": "m_back", "text": "Hi?"})
        )
        self.assertEqual(self.message(self.page, "m_back").ticket_id, ticket)
        self.assertFalse(ticket.meta_thread_elsewhere, "the thread came back")

    def test_policy_enforcement_puts_the_account_in_error(self):
        payload = {
            "object": "page",
            "entry": [
                {
                    "id": PAGE,
                    "time": int(time.time() * 1000),
                    "messaging": [
                        {
                            "recipient": {"id": PAGE},
                            "timestamp": int(time.time() * 1000),
                            "policy-enforcement": {
                                "action": "block",
                                "reason": "Spammy messages",
                            },
                        }
                    ],
                }
            ],
        }
        self.through_route(payload)
        self.assertEqual(self.page.state, "error")
        self.assertIn("Spammy messages", self.page.last_error)
        self.assertTrue(self.page.activity_ids)

    # --- item 10: the dashboard's test -----------------------------------

    def test_dashboard_test_is_recorded_without_a_ticket(self):
        tickets = self.env["helpdesk.ticket"].search_count([])
        payload = self.change(
            "instagram", "0", "comments", {"id": "17865799348089039", "text": "x"}
        )
        self.assertEqual(self.post(payload), {"received": 1, "new": 1})
        self.run_cron()
        event = self.env["social.care.event"].search(
            [("app_id", "=", self.app.id), ("account_ref", "=", "0")]
        )
        self.assertEqual(event.state, "ignored")
        self.assertIn("Webhook test received", event.error)
        self.assertTrue(self.app.meta_webhook_test_at)
        self.assertEqual(self.env["helpdesk.ticket"].search_count([]), tickets)

    # --- item 11: recommendations --------------------------------------

    def rating(self, kind="negative", text="Bike arrived broken.", verb="add"):
        value = {
            "reviewer_id": "7012345678901299",
            "reviewer_name": "Pekka Korhonen",
            "item": "rating",
            "verb": verb,
            "review_text": text,
            "recommendation_type": kind,
            "open_graph_story_id": "722000000000666",
            "created_time": 1788265090,
        }
        return self.change("page", PAGE, "ratings", value)

    def test_negative_recommendation_is_routed_and_answered_on_its_story(self):
        tag = self.env["helpdesk.ticket.tag"].create({"name": "Bad review"})
        self.env["social.care.rule"].create(
            {
                "name": "Negative recommendations first",
                "sequence": 1,
                "kind": "negative_recommendation",
                "priority": "3",
                "tag_ids": [(6, 0, tag.ids)],
            }
        )
        self.through_route(self.rating())
        message = self.message(self.page, "722000000000666")
        ticket = message.ticket_id
        self.assertEqual(message.kind, "negative_recommendation")
        self.assertEqual((ticket.priority, ticket.tag_ids), ("3", tag))
        self.assertEqual(ticket.partner_id.name, "Pekka Korhonen")
        self.assertFalse(ticket.meta_can_moderate, "Meta hides no recommendation")
        limits = self.page._social_reply_limits(ticket, False)
        self.assertTrue(limits["public_allowed"])
        self.assertIn(
            "No private reply to a recommendation",
            self.page._social_outbound_problem(ticket, "Sorry!", True) or "",
        )
        ticket.with_user(self.agent).with_context(
            social_care_private=False
        ).message_post(
            body="We are sorry, we call you today.",
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )
        routes = {("POST", "722000000000666/comments"): {"id": "722000000000666_1"}}
        with self.graph(routes) as router:
            self.env["social.care.message"].with_context(
                social_care_no_commit=True
            )._cron_send_messages()
        [call] = router.find("POST", "722000000000666/comments")
        self.assertEqual(call["params"]["message"], "We are sorry, we call you today.")

    def test_recommendation_without_text_makes_no_ticket(self):
        self.through_route(self.rating(kind="positive", text=""))
        self.assertFalse(self.message(self.page, "722000000000666"))
        event = self.env["social.care.event"].search(
            [("app_id", "=", self.app.id), ("event_type", "=", "page.ratings")]
        )
        self.assertEqual(event.state, "ignored")

    def test_page_subscribes_to_recommendations_when_its_token_may(self):
        refused = (
            400,
            {
                "error": {
                    "message": "(#200) To subscribe to the ratings field, one of "
                    "these permissions is needed: pages_read_user_content",
                    "type": "OAuthException",
                    "code": 200,
                }
            },
        )
        path = f"{PAGE}/subscribed_apps"
        with self.graph({("POST", path): {"success": True}}) as graph:
            self.page._meta_subscribe_page()
        [call] = graph.find("POST", path)
        fields = call["params"]["subscribed_fields"].split(",")
        self.assertTrue({"ratings", "standby", "feed"} <= set(fields))
        with self.graph({("POST", path): [refused, {"success": True}]}) as graph:
            self.page._meta_subscribe_page()
        first, second = graph.find("POST", path)
        self.assertIn("ratings", first["params"]["subscribed_fields"])
        self.assertNotIn("ratings", second["params"]["subscribed_fields"])
        self.assertIn("standby", second["params"]["subscribed_fields"])

    def test_demo_rule_flags_and_prioritises_negative_recommendations(self):
        rule = self.env.ref(
            "social_care_meta.demo_rule_negative_recommendation",
            raise_if_not_found=False,
        )
        if not rule:
            self.skipTest("demo data not loaded")
        self.through_route(self.rating())
        ticket = self.message(self.page, "722000000000666").ticket_id
        self.assertEqual(ticket.priority, "3")
        self.assertIn(
            self.env.ref("social_care_meta.demo_tag_negative_recommendation"),
            ticket.tag_ids,
        )
        positive = self.rating(kind="positive", text="Great shop")
        positive["entry"][0]["changes"][0]["value"]["open_graph_story_id"] = "7220001"
        self.through_route(positive)
        self.assertNotEqual(self.message(self.page, "7220001").ticket_id.priority, "3")
