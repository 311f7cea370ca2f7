import time
from contextlib import contextmanager
from datetime import datetime
from unittest.mock import patch

from freezegun import freeze_time

from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from .common import FB_USER, IG, IGSID, PAGE, PSID, MetaCase

COMMENT = "722000000000001_1290000000000001"
REPLY = "722000000000001_1290000000000003"


@tagged("post_install", "-at_install")
class TestMetaInbound(MetaCase):
    def test_comment_added_edited_removed(self):
        self.deliver(self.feed_comment(COMMENT, "My order S00042 is late"))
        message = self.message_of(self.page, COMMENT)
        ticket = message.ticket_id
        self.assertEqual(ticket.social_thread_key, f"fb:comment:{COMMENT}")
        self.assertEqual(ticket.social_channel, "facebook_comment")
        self.assertEqual(ticket.partner_id.name, "Maija Virtanen")
        self.assertEqual(message.identity_id.scope, PAGE)
        self.assertEqual(message.identity_id.external_id, FB_USER)
        self.deliver(
            self.feed_comment(COMMENT, "My order S00042 is very late", verb="edited")
        )
        self.assertEqual(message.text, "My order S00042 is very late")
        self.assertTrue(message.is_edited)
        self.deliver(self.feed_comment(COMMENT, "", verb="remove"))
        self.assertTrue(message.is_deleted)

    def test_reply_in_the_same_thread_and_own_comment(self):
        self.deliver(
            self.feed_comment(COMMENT, "Late order"),
            self.feed_comment(REPLY, "Here is a photo", parent_id=COMMENT),
        )
        first, second = (
            self.message_of(self.page, COMMENT),
            self.message_of(self.page, REPLY),
        )
        self.assertEqual(first.ticket_id, second.ticket_id)
        self.assertEqual(second.parent_id, first)
        # The Page's own comment, written in Meta's inbox, shows as the company's.
        own = "722000000000001_1290000000000002"
        self.deliver(
            self.feed_comment(own, "We sent you a message", COMMENT, from_id=PAGE)
        )
        message = self.message_of(self.page, own)
        self.assertEqual(message.direction, "out")
        self.assertEqual(message.ticket_id, first.ticket_id)

    def test_visitor_post(self):
        post = f"{PAGE}_900"
        value = {
            "from": {"id": FB_USER, "name": "Maija Virtanen"},
            "post_id": post,
            "message": "Your shop was closed today?",
            "created_time": int(time.time()),
            "item": "status",
            "verb": "add",
        }
        self.deliver(
            {
                "object": "page",
                "entry": [
                    {
                        "id": PAGE,
                        "time": int(time.time()),
                        "changes": [{"field": "feed", "value": value}],
                    }
                ],
            }
        )
        message = self.message_of(self.page, post)
        self.assertEqual(message.kind, "visitor_post")
        self.assertEqual(message.ticket_id.social_thread_key, f"fb:post:{post}")

    def test_messenger_text_fetches_the_name_once(self):
        profile = {
            "first_name": "Maija",
            "last_name": "Virtanen",
            "profile_pic": "https://scontent.xx.fbcdn.net/p.jpg",
        }
        with self.graph({("GET", PSID): profile}) as graph:
            self.deliver(self.messenger("m_1", "Hyvää päivää! Tilaus S00042?"))
            self.deliver(self.messenger("m_2", "Hello?"))
        self.assertEqual(len(graph.find("GET", PSID)), 1, "known people cost no call")
        call = graph.calls[0]
        self.assertEqual(call["version"], "v26.0")
        self.assertEqual(call["query"]["fields"], "first_name,last_name,profile_pic")
        self.assertTrue(call["query"]["appsecret_proof"])
        message = self.message_of(self.page, "m_1")
        self.assertEqual(message.channel, "messenger")
        self.assertEqual(message.ticket_id.social_thread_key, f"messenger:{PSID}")
        self.assertEqual(message.ticket_id, self.message_of(self.page, "m_2").ticket_id)
        self.assertEqual(message.identity_id.name, "Maija Virtanen")
        self.assertEqual(message.ticket_id.partner_id.name, "Maija Virtanen")

    def test_messenger_attachments_from_meta_hosts_only(self):
        image = "https://scontent.xx.fbcdn.net/v/photo.jpg"
        elsewhere = "https://evil.example.com/x.jpg"
        payload = self.messenger(
            "m_att",
            "",
            attachments=[
                {"type": "image", "payload": {"url": image}},
                {"type": "image", "payload": {"url": elsewhere}},
            ],
        )

        with (
            self.graph({("GET", PSID): {"first_name": "Maija"}}),
            self.patch_media(b"\x89PNG\r\n\x1a\n fake") as fetched,
        ):
            self.deliver(payload)
        self.assertEqual(fetched, [image])
        ticket = self.message_of(self.page, "m_att").ticket_id
        self.assertEqual(len(ticket.message_ids.attachment_ids), 1)

    @contextmanager
    def patch_media(self, content):
        fetched = []

        def fake(account, url):
            fetched.append(url)
            return content

        with patch.object(
            type(self.env["social.care.account"]), "_social_fetch_media", fake
        ):
            yield fetched

    def test_messenger_echo_of_our_message_is_not_a_customer_message(self):
        with self.graph({("GET", PSID): {"first_name": "Maija"}}):
            self.deliver(self.messenger("m_1", "Where is it?"))
        ticket = self.message_of(self.page, "m_1").ticket_id
        out = self.reply(ticket, "On its way", private=True)
        echo = self.messaging(
            "page",
            PAGE,
            PAGE,
            PSID,
            {
                "mid": "m_echo",
                "is_echo": True,
                "app_id": 1,
                "metadata": f"social_care:{out.id}",
                "text": "On its way",
            },
        )
        self.deliver(echo)
        self.assertEqual(out.external_id, "m_echo")
        self.assertEqual(
            self.env["social.care.message"].search_count(
                [("external_id", "=", "m_echo")]
            ),
            1,
        )
        # A reply from Meta's own inbox shows in the ticket as the company's.
        inbox = self.messaging(
            "page", PAGE, PAGE, PSID, {"mid": "m_inbox", "is_echo": True, "text": "Hi"}
        )
        self.deliver(inbox)
        message = self.message_of(self.page, "m_inbox")
        self.assertEqual((message.direction, message.ticket_id), ("out", ticket))

    def test_instagram_comment_reply_and_dm(self):
        self.deliver(
            self.ig_comment("17900000000000001", "Size S?"),
            self.ig_comment("17900000000000002", "Please!", "17900000000000001"),
        )
        comment = self.message_of(self.instagram, "17900000000000001")
        reply = self.message_of(self.instagram, "17900000000000002")
        self.assertEqual(comment.ticket_id, reply.ticket_id)
        self.assertEqual(
            comment.ticket_id.social_thread_key, "ig:comment:17900000000000001"
        )
        self.assertEqual(comment.identity_id.handle, "liisa.cycles")
        self.assertEqual(comment.identity_id.scope, IG)
        profile = {"name": "Liisa", "username": "liisa.cycles"}
        with self.graph({("GET", IGSID): profile}) as graph:
            self.deliver(self.instagram_dm("ig_m1", "Receipt attached"))
        self.assertFalse(graph.calls, "the comment already told who this is")
        dm = self.message_of(self.instagram, "ig_m1")
        self.assertEqual(dm.channel, "instagram_dm")
        self.assertEqual(dm.ticket_id.social_thread_key, f"igdm:{IGSID}")
        self.assertEqual(dm.identity_id, comment.identity_id)

    def test_instagram_dm_of_an_unknown_person_fetches_the_profile(self):
        with self.graph(
            {("GET", IGSID): {"name": "Liisa K", "username": "liisa.k"}}
        ) as graph:
            self.deliver(self.instagram_dm("ig_m9", "Hi"))
        self.assertEqual(graph.calls[0]["query"]["fields"], "name,username,profile_pic")
        self.assertEqual(
            self.message_of(self.instagram, "ig_m9").identity_id.handle, "liisa.k"
        )

    def test_instagram_mention_is_enriched(self):
        value = {"comment_id": "17900000000000077", "media_id": "17890000000000055"}
        answer = {
            "mentioned_comment": {
                "id": "17900000000000077",
                "text": "@nordicbikes my bike broke",
                "username": "pekka.rides",
                "media": {"id": "1789", "permalink": "https://www.instagram.com/p/X/"},
            },
            "id": IG,
        }
        with self.graph({("GET", IG): answer}) as graph:
            self.deliver(self.ig_change("mentions", value))
        self.assertIn(
            "mentioned_comment.comment_id(17900000000000077)",
            graph.calls[0]["query"]["fields"],
        )
        message = self.message_of(self.instagram, "17900000000000077")
        self.assertEqual(message.text, "@nordicbikes my bike broke")
        self.assertEqual(message.identity_id.handle, "pekka.rides")
        self.assertEqual(message.permalink, "https://www.instagram.com/p/X/")

    def test_unknown_fields_are_stored_and_ignored(self):
        payload = {
            "object": "page",
            "entry": [
                {
                    "id": PAGE,
                    "time": int(time.time()),
                    "changes": [{"field": "ratings", "value": {"rating": 4}}],
                    "messaging": [
                        {
                            "sender": {"id": PSID},
                            "recipient": {"id": PAGE},
                            "timestamp": int(time.time() * 1000),
                            "read": {"watermark": 1},
                        }
                    ],
                }
            ],
        }
        self.assertEqual(self.store(payload), 2)
        self.process()
        events = self.env["social.care.event"].search([("app_id", "=", self.app.id)])
        self.assertEqual(set(events.mapped("state")), {"ignored"})
        self.assertFalse(
            self.env["social.care.message"]
            .search([])
            .filtered(lambda m: m.account_id == self.page)
        )

    def test_poll_stores_comments_and_conversations(self):
        post = {"id": f"{PAGE}_722000000000001", "permalink_url": "https://fb/p"}
        comment = {
            "id": COMMENT,
            "message": "Still waiting",
            "from": {"name": "Maija Virtanen", "id": FB_USER},
            "created_time": "2026-11-22T10:00:03+0000",
        }
        conversation = {
            "id": "t_1",
            "updated_time": "2099-01-01T00:00:00+0000",
            "participants": {"data": [{"name": "Maija", "id": PSID}]},
            "messages": {
                "data": [
                    {
                        "id": "m_poll",
                        "message": "Hello from the poll",
                        "from": {"name": "Maija Virtanen", "id": PSID},
                        "to": {"data": [{"name": "Nordic Bikes", "id": PAGE}]},
                        "created_time": "2026-11-22T10:00:03+0000",
                    }
                ]
            },
        }
        routes = {
            ("GET", f"{PAGE}/feed"): {"data": [post]},
            ("GET", f"{post['id']}/comments"): {"data": [comment]},
            ("GET", f"{PAGE}/conversations"): {"data": [conversation]},
        }
        self.page.poll_cursor = {"idle": 2}
        with self.graph(routes) as graph:
            self.assertEqual(self.page._social_poll_once(), 2)
            self.assertEqual(self.page._social_poll_once(), 0, "stable keys")
        comments_call = graph.find("GET", f"{post['id']}/comments")[0]
        self.assertEqual(comments_call["query"]["filter"], "stream")
        self.assertEqual(
            graph.find("GET", f"{PAGE}/conversations")[0]["query"]["platform"],
            "messenger",
        )
        self.assertIn("since", self.page.poll_cursor)
        self.assertEqual(self.page.poll_cursor["idle"], 1)
        self.process()
        self.assertTrue(self.message_of(self.page, COMMENT).ticket_id)
        self.assertEqual(
            self.message_of(self.page, "m_poll").ticket_id.social_thread_key,
            f"messenger:{PSID}",
        )

    def test_backfill_pages_back_with_progress(self):
        self.page.meta_backfill_days = 3
        with self.assertRaisesRegex(UserError, "enable Poll"):
            self.page.action_meta_backfill()
        self.page.poll_enabled = True
        self.page.action_meta_backfill()
        self.assertEqual(self.page.meta_backfill_state, "running")
        routes = {
            ("GET", f"{PAGE}/feed"): [
                {
                    # Post ids as Meta gives them: pageid_postid.
                    "data": [{"id": f"{PAGE}_901"}],
                    "paging": {"cursors": {"after": "A"}, "next": "https://n"},
                },
                {"data": [{"id": f"{PAGE}_902"}]},
            ],
            ("GET", f"{PAGE}_901/comments"): {"data": []},
            ("GET", f"{PAGE}_902/comments"): {"data": []},
            ("GET", f"{PAGE}/conversations"): {"data": []},
        }
        with self.graph(routes) as graph:
            self.page._social_poll_once()
            self.assertEqual(self.page.meta_backfill_state, "running")
            self.page._social_poll_once()
        self.assertEqual(self.page.meta_backfill_state, "done")
        self.assertIn("Done: 2 posts", self.page.meta_backfill_progress)
        feed_calls = graph.find("GET", f"{PAGE}/feed")
        self.assertEqual(feed_calls[1]["query"]["after"], "A")
        self.assertIn("since", feed_calls[0]["query"])

    def test_graph_version_is_normalized_and_warned(self):
        self.app.meta_graph_version = "25"
        self.assertEqual(self.app.meta_graph_version, "v25.0")
        self.assertFalse(self.app.meta_version_warning)
        with self.graph({("GET", PAGE): {"name": "Nordic Bikes"}}) as graph:
            self.page._meta_request("GET", PAGE, {"fields": "name"})
        self.assertEqual(graph.calls[0]["version"], "v25.0")
        with freeze_time("2026-11-22"):
            self.app.meta_graph_version = "v21.0"  # ends 2027-01-21
            self.assertIn("stops working in 60 days", self.app.meta_version_warning)
            self.app.meta_graph_version = "v20.0"  # ended 2026-09-24
            self.assertIn("end of life", self.app.meta_version_warning)
        with self.assertRaises(ValidationError):
            self.app.meta_graph_version = "latest"


@tagged("post_install", "-at_install")
class TestMetaEchoIsAResponse(MetaCase):
    """Issue 13: a reply from Meta's own Page inbox counts like one from Odoo."""

    def test_page_inbox_echo_answers_the_customer(self):
        with self.graph({("GET", PSID): {"first_name": "Maija"}}):
            self.deliver(self.messenger("m_1", "Where is it?"))
        ticket = self.message_of(self.page, "m_1").ticket_id
        self.assertTrue(ticket.social_awaiting_reply)
        self.assertFalse(ticket.first_response_at)
        # Shape of Meta's message_echoes delivery for a message the Page wrote in
        # its own inbox (developers.facebook.com/docs/messenger-platform/reference/
        # webhook-events/message-echoes; also airy's test payload messenger_echo):
        # sender is the Page, recipient the customer, is_echo, no app metadata.
        sent = int((time.time() + 60) * 1000)
        self.deliver(
            self.messaging(
                "page",
                PAGE,
                PAGE,
                PSID,
                {"mid": "m_inbox", "is_echo": True, "text": "Tomorrow"},
                stamp=sent,
            )
        )
        self.assertFalse(ticket.social_awaiting_reply)
        self.assertEqual(
            ticket.first_response_at.replace(microsecond=0),
            datetime.utcfromtimestamp(sent // 1000),
        )
