"""Instagram @mentions answered and polled.

Shapes from Meta's Instagram Platform reference (API with Facebook Login):
- the ``mentions`` webhook ``value``: ``{comment_id, media_id}`` for a mention
  in a comment, ``{media_id}`` for a caption mention (Webhooks reference,
  field ``mentions``);
- ``GET /{ig-user-id}?fields=mentioned_comment.comment_id(..){..}`` and
  ``mentioned_media.media_id(..){..}`` (ig-user/mentioned_comment,
  ig-user/mentioned_media): the mention's text, username and permalink;
- ``POST /{ig-user-id}/mentions`` with ``media_id`` (+ ``comment_id``) and
  ``message``, answered ``{"id": ...}`` (ig-user/mentions);
- ``GET /{ig-user-id}/tags`` (ig-user/tags): ``{"data": [IG Media...]}``.
Ids, names and texts are this project's own.
"""

from datetime import datetime, timedelta, timezone

from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import IG, IGSID, PAGE, MetaCase
from .test_meta_ig_poll import COMMENT, graph_comment, media_page

MEDIA = "17890000000000055"  # someone else's media
MENTION_COMMENT = "17900000000000077"
CAPTION_MEDIA = "17890000000000066"
TAGGED_ONLY = "17890000000000067"
OLD_MEDIA = "17890000000000068"
REPLY_ID = "17900000000000099"


def graph_time(minutes_ago=0):
    moment = datetime.now(timezone.utc) - timedelta(minutes=minutes_ago)
    return moment.strftime("%Y-%m-%dT%H:%M:%S+0000")


def mentioned_comment(call):
    assert (
        f"mentioned_comment.comment_id({MENTION_COMMENT})" in call["params"]["fields"]
    )
    return {
        "id": IG,
        "mentioned_comment": {
            "id": MENTION_COMMENT,
            "text": "@nordicbikes my new frame cracked after a week",
            "timestamp": graph_time(3),
            "username": "pekka.rides",
            "media": {"id": MEDIA, "permalink": "https://www.instagram.com/p/Mfake/"},
        },
    }


def mentioned_media(call):
    fields_ = call["params"]["fields"]
    assert f"mentioned_media.media_id({CAPTION_MEDIA})" in fields_
    return {
        "id": IG,
        "mentioned_media": {
            "id": CAPTION_MEDIA,
            "caption": "Third flat tyre this month @nordicbikes",
            "timestamp": graph_time(30),
            "username": "pekka.rides",
            "permalink": "https://www.instagram.com/p/Cfake/",
        },
    }


def mention_params(call):
    """What a ``/mentions`` call says, without the credentials."""
    return {
        key: value
        for key, value in call["params"].items()
        if key in ("media_id", "comment_id", "message")
    }


def tags_page():
    """``GET /{ig-user-id}/tags``: media the account is tagged in, newest first."""
    return {
        "data": [
            {
                "id": CAPTION_MEDIA,
                "caption": "Third flat tyre this month @NordicBikes",
                "timestamp": graph_time(30),
                "username": "pekka.rides",
                "permalink": "https://www.instagram.com/p/Cfake/",
            },
            {  # tagged in the photo, not @mentioned: no mention to answer
                "id": TAGGED_ONLY,
                "caption": "Sunday ride with @nordicbikes_fan",
                "timestamp": graph_time(40),
                "username": "pekka.rides",
                "permalink": "https://www.instagram.com/p/Tfake/",
            },
            {  # older than the poll window
                "id": OLD_MEDIA,
                "caption": "@nordicbikes last year",
                "timestamp": graph_time(60 * 24 * 30),
                "username": "pekka.rides",
                "permalink": "https://www.instagram.com/p/Ofake/",
            },
        ]
    }


@tagged("post_install", "-at_install")
class TestMetaInstagramMentions(MetaCase):
    def comment_mention(self):
        with self.graph({("GET", IG): mentioned_comment}):
            self.deliver(
                self.ig_change(
                    "mentions", {"comment_id": MENTION_COMMENT, "media_id": MEDIA}
                )
            )
        return self.message_of(self.instagram, MENTION_COMMENT).ticket_id

    def caption_mention(self):
        with self.graph({("GET", IG): mentioned_media}):
            self.deliver(self.ig_change("mentions", {"media_id": CAPTION_MEDIA}))
        return self.message_of(self.instagram, CAPTION_MEDIA).ticket_id

    def test_a_mention_in_a_comment_is_answered_under_it(self):
        ticket = self.comment_mention()
        self.assertTrue(ticket)
        self.assertTrue(ticket.social_reply_public_allowed)
        self.assertEqual(ticket.social_reply_max_length, 2200)
        reply = self.reply(ticket, "Sorry to read this! We'll replace it.", False)
        self.assertEqual(reply.state, "queued")
        with self.graph({("POST", f"{IG}/mentions"): {"id": REPLY_ID}}) as graph:
            self.send_all()
        [call] = graph.find("POST", f"{IG}/mentions")
        self.assertEqual(
            mention_params(call),
            {
                "media_id": MEDIA,
                "comment_id": MENTION_COMMENT,
                "message": "Sorry to read this! We'll replace it.",
            },
        )
        self.assertEqual(reply.state, "sent")
        self.assertEqual(reply.external_id, REPLY_ID)
        self.assertEqual(reply.parent_id.external_id, MENTION_COMMENT)

    def test_a_caption_mention_is_answered_on_its_media(self):
        ticket = self.caption_mention()
        reply = self.reply(ticket, "Come by the shop, we fix it for free.", False)
        with self.graph({("POST", f"{IG}/mentions"): {"id": REPLY_ID}}) as graph:
            self.send_all()
        [call] = graph.find("POST", f"{IG}/mentions")
        self.assertEqual(
            mention_params(call),
            {
                "media_id": CAPTION_MEDIA,
                "message": "Come by the shop, we fix it for free.",
            },
        )
        self.assertEqual(reply.state, "sent")

    def test_a_private_reply_to_a_mention_is_refused_before_queueing(self):
        ticket = self.comment_mention()
        ticket.social_reply_private = True
        self.assertFalse(ticket.social_reply_window_deadline)
        with (
            self.graph() as graph,
            self.assertRaisesRegex(
                UserError, "No private reply to a mention.*Answer publicly"
            ),
        ):
            self.reply(ticket, "Write us in private", True)
        self.assertFalse(graph.calls)
        self.assertFalse(
            ticket.social_message_ids.filtered(lambda m: m.direction == "out")
        )

    def test_a_too_long_mention_reply_is_refused_before_queueing(self):
        ticket = self.comment_mention()
        with self.assertRaisesRegex(UserError, "2,200 characters"):
            self.reply(ticket, "x" * 2201, False)

    def test_an_id_that_is_not_a_graph_id_never_reaches_graph(self):
        ticket = self.comment_mention()
        self.message_of(
            self.instagram, MENTION_COMMENT
        ).sudo().external_id = "1/../../me/feed"
        reply = self.reply(ticket, "Hello", False)
        with self.graph() as graph:
            self.send_all()
        self.assertFalse(graph.calls)
        self.assertEqual(reply.state, "failed")
        self.assertIn("not valid Graph ids", reply.error)

    def poll_routes(self):
        return {
            ("GET", f"{IG}/media"): {"data": []},
            ("GET", f"{PAGE}/conversations"): {"data": []},
            ("GET", f"{IG}/tags"): tags_page(),
            ("GET", IG): mentioned_media,
        }

    def poll(self):
        with self.graph(self.poll_routes()) as graph:
            deliveries, _cursor = self.instagram._social_poll()
            stored = self.app._social_store_deliveries(deliveries)
            self.process()
        return graph, deliveries, stored

    def test_a_caption_mention_whose_webhook_was_lost_is_polled_once(self):
        graph, deliveries, _stored = self.poll()
        [tags_call] = graph.find("GET", f"{IG}/tags")
        self.assertIn("caption", tags_call["params"]["fields"])
        mentions = [d for d in deliveries if d.event_type == "instagram.mentions"]
        self.assertEqual([d.delivery_key for d in mentions], [f"igm:{CAPTION_MEDIA}"])
        message = self.message_of(self.instagram, CAPTION_MEDIA)
        self.assertEqual(message.kind, "mention")
        self.assertEqual(message.text, "Third flat tyre this month @nordicbikes")
        self.assertTrue(message.ticket_id)
        self.assertFalse(self.message_of(self.instagram, TAGGED_ONLY))
        self.assertFalse(self.message_of(self.instagram, OLD_MEDIA))
        # The late webhook has the poll's key: nothing stored, nothing fetched.
        events = self.env["social.care.event"].search_count([])
        with self.graph() as graph:
            self.deliver(self.ig_change("mentions", {"media_id": CAPTION_MEDIA}))
        self.assertFalse(graph.calls)
        self.assertEqual(self.env["social.care.event"].search_count([]), events)
        self.assertEqual(len(self.message_of(self.instagram, CAPTION_MEDIA)), 1)
        # A second poll finds it again: the database keeps one event.
        self.poll()
        self.assertEqual(self.env["social.care.event"].search_count([]), events)

    def test_a_mention_the_webhook_brought_is_not_stored_again_by_the_poll(self):
        self.caption_mention()
        events = self.env["social.care.event"].search_count([])
        self.poll()
        self.assertEqual(self.env["social.care.event"].search_count([]), events)
        self.assertEqual(len(self.message_of(self.instagram, CAPTION_MEDIA)), 1)

    def test_tags_refused_keep_the_comments_the_poll_read(self):
        refused = {
            "error": {
                "message": "(#10) Application does not have permission for this action",
                "code": 10,
            }
        }
        routes = {
            ("GET", f"{IG}/media"): media_page(graph_comment(COMMENT, "Size S?")),
            ("GET", f"{PAGE}/conversations"): {"data": []},
            ("GET", f"{IG}/tags"): (400, refused),
        }
        with self.graph(routes) as graph:
            self.assertEqual(self.instagram._social_poll_once(), 1)
        self.assertTrue(graph.find("GET", f"{IG}/tags"))
        self.assertEqual(self.instagram.state, "connected")

    def test_a_story_mention_is_still_answered_in_instagram_direct(self):
        story = {
            "type": "story_mention",
            "payload": {
                "url": "https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=1"
            },
        }
        routes = {("GET", IGSID): {"name": "Liisa", "username": "liisa.cycles"}}
        with self.graph(routes):
            self.deliver(self.instagram_dm("ig_story_1", "", attachments=[story]))
        story_mention = self.message_of(self.instagram, "ig_story_1")
        self.assertEqual(
            (story_mention.kind, story_mention.channel), ("mention", "instagram_dm")
        )
        ticket = story_mention.ticket_id
        reply = self.reply(ticket, "Thanks for the story!", True)
        with self.graph({("POST", f"{PAGE}/messages"): {"message_id": "m_1"}}) as graph:
            self.send_all()
        self.assertEqual(reply.state, "sent")
        self.assertFalse(graph.find("POST", f"{IG}/mentions"))
        self.assertEqual(len(graph.find("POST", f"{PAGE}/messages")), 1)
