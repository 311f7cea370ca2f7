import json
from datetime import datetime, timedelta, timezone

from odoo import fields
from odoo.tests import tagged

from .common import IG, IGSID, PAGE, MetaCase

MEDIA = "17890000000000001"
COMMENT = "17900000000000001"
REPLY = "17900000000000002"
OWN_REPLY = "17900000000000003"


def graph_time(minutes_ago=0):
    moment = datetime.now(timezone.utc) - timedelta(minutes=minutes_ago)
    return moment.strftime("%Y-%m-%dT%H:%M:%S+0000")


def graph_comment(comment_id, text, author=IGSID, username="liisa.cycles", **extra):
    return {
        "id": comment_id,
        "text": text,
        "timestamp": extra.pop("timestamp", graph_time(5)),
        "username": username,
        "from": {"id": author, "username": username},
        **extra,
    }


def media_page(*comments, after=None):
    """``GET /{ig-user-id}/media``, comments and replies nested, as Graph answers."""
    media = {
        "id": MEDIA,
        "caption": "Autumn rides start here",
        "permalink": "https://www.instagram.com/p/DAfake/",
        "timestamp": graph_time(600),
        "media_product_type": "FEED",
        "comments_count": len(comments),
        "comments": {"data": list(comments)},
    }
    page = {"data": [media]}
    if after:
        page["paging"] = {"cursors": {"after": after}, "next": "https://n"}
    return page


@tagged("post_install", "-at_install")
class TestMetaInstagramPoll(MetaCase):
    def thread(self):
        """A customer comment, the account's reply and the customer's answer."""
        return graph_comment(
            COMMENT,
            "Does this come in size S?",
            replies={
                "data": [
                    graph_comment(
                        OWN_REPLY,
                        "@liisa.cycles yes, S is in stock",
                        author=IG,
                        username="nordicbikes",
                        parent_id=COMMENT,
                    ),
                    graph_comment(REPLY, "@nordicbikes thanks!", parent_id=COMMENT),
                ]
            },
        )

    def routes(self, page):
        return {
            ("GET", f"{IG}/media"): page,
            ("GET", f"{PAGE}/conversations"): {"data": []},
        }

    def test_poll_and_webhook_make_one_message(self):
        # The webhook brought the first comment; the reply's delivery was lost.
        self.deliver(self.ig_comment(COMMENT, "Does this come in size S?"))
        self.instagram.poll_cursor = {"idle": 2}
        with self.graph(self.routes(media_page(self.thread()))) as graph:
            self.assertEqual(
                self.instagram._social_poll_once(), 2, "the webhook's is known"
            )
            self.assertEqual(self.instagram._social_poll_once(), 0, "stable keys")
        call = graph.find("GET", f"{IG}/media")[0]
        self.assertIn("replies{", call["query"]["fields"])
        self.assertNotIn("since", call["query"], "old media get new comments too")
        self.assertEqual(
            graph.find("GET", f"{PAGE}/conversations")[0]["query"]["platform"],
            "instagram",
        )
        self.assertEqual(self.instagram.poll_cursor["idle"], 1)
        self.process()
        events = self.env["social.care.event"].search(
            [("account_ref", "=", IG), ("event_type", "=", "poll.ig_comments")]
        )
        self.assertEqual(set(events.mapped("state")), {"done"})
        first, reply, own = (
            self.message_of(self.instagram, external_id)
            for external_id in (COMMENT, REPLY, OWN_REPLY)
        )
        self.assertEqual((len(first), len(reply), len(own)), (1, 1, 1))
        ticket = first.ticket_id
        self.assertEqual(ticket.social_thread_key, f"ig:comment:{COMMENT}")
        self.assertEqual((reply.ticket_id, reply.parent_id), (ticket, first))
        self.assertEqual(reply.identity_id, first.identity_id)
        self.assertEqual(reply.identity_id.handle, "liisa.cycles")
        self.assertEqual((own.direction, own.ticket_id), ("out", ticket))
        self.assertTrue(own.from_account)
        # The reply's webhook comes late: the database drops it, nothing is new.
        self.assertEqual(
            self.store(self.ig_comment(REPLY, "@nordicbikes thanks!", COMMENT)), 0
        )
        self.process()
        messages = self.env["social.care.message"].search(
            [("account_id", "=", self.instagram.id)]
        )
        self.assertEqual(len(messages), 3)
        self.assertEqual(
            self.env["helpdesk.ticket"].search_count(
                [("social_account_id", "=", self.instagram.id)]
            ),
            1,
        )

    def test_polled_comment_has_the_webhooks_shape_and_its_media(self):
        with self.graph(self.routes(media_page(self.thread()))):
            self.instagram._social_poll_once()
        self.process()
        message = self.message_of(self.instagram, COMMENT)
        ticket = message.ticket_id
        self.assertEqual(ticket.social_channel, "instagram_comment")
        self.assertEqual(message.identity_id.external_id, IGSID)
        self.assertEqual(message.identity_id.scope, IG)
        post = ticket.social_post_id
        self.assertEqual(post.external_id, MEDIA)
        self.assertEqual(post.permalink, "https://www.instagram.com/p/DAfake/")
        self.assertEqual(post.excerpt, "Autumn rides start here")
        # The customer's reply to our reply is the message to answer publicly.
        self.assertEqual(ticket._social_reply_parent(False).external_id, REPLY)

    def test_threads_older_than_the_window_are_left_out(self):
        old = graph_comment("17900000000000009", "Nice", timestamp=graph_time(3 * 1440))
        with self.graph(self.routes(media_page(old))):
            self.assertEqual(self.instagram._social_poll_once(), 0)

    def test_rate_limit_pauses_the_poll_and_loses_nothing(self):
        since = int(fields.Datetime.now().timestamp()) - 3600
        self.instagram.poll_cursor = {"since": since}
        error = {"error": {"message": "Application request limit reached", "code": 4}}
        usage = {"X-App-Usage": json.dumps({"call_count": 100})}
        with self.graph({("GET", f"{IG}/media"): (403, error, usage)}):
            self.assertEqual(self.instagram._social_poll_once(), 0)
        self.assertEqual(self.instagram.state, "connected")
        self.assertIn("limit", self.instagram.last_error)
        self.assertGreater(self.instagram.next_poll_at, fields.Datetime.now())
        self.assertTrue(self.instagram.meta_backoff_until)
        self.assertEqual(self.instagram.poll_cursor, {"since": since}, "window kept")
        # Until Meta's pause is over, no call is even tried.
        self.instagram.next_poll_at = False
        with self.graph() as graph:
            self.instagram._social_poll_once()
        self.assertFalse(graph.calls)
        # Then the same window is read again: the comment is found.
        self.instagram.meta_backoff_until = False
        with self.graph(self.routes(media_page(self.thread()))):
            self.assertEqual(self.instagram._social_poll_once(), 3)

    def test_expired_token_puts_the_account_in_error(self):
        error = {"error": {"message": "Session expired", "code": 190}}
        with self.graph({("GET", f"{IG}/media"): (400, error)}):
            self.instagram._social_poll_once()
        self.assertEqual(self.instagram.state, "error")

    def test_malformed_media_is_kept_as_an_error_event(self):
        broken = media_page(graph_comment(COMMENT, "Size S?", timestamp="soon"))
        with self.graph(self.routes(broken)):
            self.assertEqual(self.instagram._social_poll_once(), 1)
        self.process()
        event = self.env["social.care.event"].search(
            [("account_ref", "=", IG), ("event_type", "=", "poll.ig_comments")]
        )
        self.assertEqual(event.state, "error")
        self.assertIn("soon", json.dumps(event.payload))
        self.assertFalse(self.message_of(self.instagram, COMMENT))

    def test_backfill_pages_through_instagram_media(self):
        self.instagram.write({"poll_enabled": True, "meta_backfill_days": 3})
        self.instagram.action_meta_backfill()
        routes = {
            ("GET", f"{IG}/media"): [
                media_page(self.thread(), after="A"),
                {"data": [{"id": "17890000000000002", "comments_count": 0}]},
            ],
            ("GET", f"{PAGE}/conversations"): {"data": []},
        }
        with self.graph(routes) as graph:
            self.assertEqual(self.instagram._social_poll_once(), 3)
            self.assertEqual(self.instagram.meta_backfill_state, "running")
            self.instagram._social_poll_once()
        self.assertEqual(self.instagram.meta_backfill_state, "done")
        self.assertIn("Done: 2 posts", self.instagram.meta_backfill_progress)
        first, second = graph.find("GET", f"{IG}/media")
        self.assertIn("since", first["query"])
        self.assertEqual(second["query"]["after"], "A")
        self.process()
        self.assertTrue(self.message_of(self.instagram, REPLY).ticket_id)
