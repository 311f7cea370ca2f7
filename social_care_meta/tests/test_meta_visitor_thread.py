"""A visitor post on the Page is one ticket, through the real route and cron.

Issue 12 item 1: the Page's comment on a visitor post opened no ticket of its
own but joined none either, and the visitor's reply to it opened a new ticket.
Shapes: Meta's Page feed webhook reference (``parent_id`` is the post for a
top-level comment, the parent comment for a reply; the Page's own comments
have ``from.id`` == the Page), as in bottender's feed_statusAdd (a user's
status on the Page), feed_commentEdited (a comment on it, ``parent_id`` ==
``post_id``) and feed_sentByPage (the Page's reply).
"""

import json
import time

from odoo.tests import HttpCase, tagged

from ..tools import sign
from .common import FB_USER, IG, PAGE, SECRET, MetaGraphMixin

VISITOR = {"id": "7098765432109876", "name": "Jukka Lehtonen"}
OTHER = {"id": FB_USER, "name": "Maija Virtanen"}
NORDIC = {"id": PAGE, "name": "Nordic Bikes Oy"}
POST = f"{PAGE}_722000000000099"
PAGE_COMMENT = "722000000000099_1310000000000001"
VISITOR_REPLY = "722000000000099_1310000000000002"
OTHER_COMMENT = "722000000000099_1310000000000003"
PAGE_TO_OTHER = "722000000000099_1310000000000004"


@tagged("post_install", "-at_install")
class TestMetaVisitorThread(MetaGraphMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_meta()
        cls.url = f"/social_care/webhook/{cls.app.id}"

    def post(self, *values):
        """One webhook call with a feed change per value."""
        stamp = int(time.time())
        changes = [{"field": "feed", "value": value} for value in values]
        self.call_webhook(
            {
                "object": "page",
                "entry": [{"id": PAGE, "time": stamp, "changes": changes}],
            }
        )

    def call_webhook(self, payload):
        """The webhook route called and signed as Meta does."""
        raw = json.dumps(payload).encode()
        headers = {
            "Content-Type": "application/json",
            "X-Hub-Signature-256": sign(SECRET, raw),
        }
        response = self.url_open(self.url, data=raw, headers=headers)
        self.assertEqual(response.status_code, 200)

    def run_cron(self):
        with self.graph():
            self.env["social.care.event"].with_context(
                social_care_no_commit=True
            )._cron_process_events()

    @staticmethod
    def status(text, verb="add"):
        return {
            "from": VISITOR,
            "item": "status",
            "post_id": POST,
            "verb": verb,
            "published": 1,
            "created_time": int(time.time()),
            "message": text,
        }

    @staticmethod
    def comment(comment_id, author, parent_id, text, verb="add"):
        return {
            "from": author,
            "item": "comment",
            "comment_id": comment_id,
            "post_id": POST,
            "verb": verb,
            "parent_id": parent_id,
            "created_time": int(time.time()),
            "message": text,
        }

    def message(self, external_id):
        return self.env["social.care.message"].search(
            [("account_id", "=", self.page.id), ("external_id", "=", external_id)]
        )

    def tickets(self):
        return self.env["helpdesk.ticket"].search(
            [("social_account_id", "=", self.page.id)]
        )

    def test_the_page_and_the_visitor_answering_each_other_stay_one_ticket(self):
        self.post(self.status("The brake lever broke after two days."))
        self.run_cron()
        ticket = self.message(POST).ticket_id
        self.assertEqual(ticket.social_thread_key, f"fb:post:{POST}")
        self.assertEqual(ticket.partner_id.name, "Jukka Lehtonen")

        self.post(self.comment(PAGE_COMMENT, NORDIC, POST, "Sorry! Which shop?"))
        self.run_cron()
        page_comment = self.message(PAGE_COMMENT)
        self.assertEqual(page_comment.direction, "out")
        self.assertEqual(page_comment.ticket_id, ticket)
        self.assertEqual(page_comment.parent_id, self.message(POST))
        self.assertTrue(ticket.first_response_at, "answered in Meta's own app")

        self.post(
            self.comment(VISITOR_REPLY, VISITOR, PAGE_COMMENT, "The one in Kallio.")
        )
        self.run_cron()
        reply = self.message(VISITOR_REPLY)
        self.assertEqual(reply.direction, "in")
        self.assertEqual(reply.ticket_id, ticket)
        self.assertEqual(reply.thread_key, f"fb:post:{POST}")
        self.assertEqual(self.tickets(), ticket)
        self.assertTrue(ticket.social_awaiting_reply)

        # An edit keeps the comment where it is.
        self.post(
            self.comment(
                VISITOR_REPLY, VISITOR, PAGE_COMMENT, "Kallio, Helsinki.", "edited"
            )
        )
        self.run_cron()
        self.assertEqual((reply.text, reply.ticket_id), ("Kallio, Helsinki.", ticket))
        self.assertEqual(self.tickets(), ticket)
        # A hide in Meta's apps is told on the visitor's ticket.
        hide = self.comment(VISITOR_REPLY, VISITOR, PAGE_COMMENT, "", "hide")
        self.post(hide)
        self.run_cron()
        self.assertTrue(reply.meta_is_hidden)
        bodies = "".join(ticket.message_ids.mapped("body"))
        self.assertIn("hidden on", bodies, "told on the ticket")

    def test_another_customer_under_the_visitor_post_joins_the_visitors_ticket(self):
        # One delivery, one cron run: the parents are new rows of the same batch.
        self.post(
            self.status("The brake lever broke after two days."),
            self.comment(OTHER_COMMENT, OTHER, POST, "Mine too, same model!"),
            self.comment(PAGE_TO_OTHER, NORDIC, OTHER_COMMENT, "We are on it."),
        )
        self.run_cron()
        ticket = self.message(POST).ticket_id
        self.assertEqual(self.tickets(), ticket)
        self.assertEqual(ticket.partner_id.name, "Jukka Lehtonen", "the post's author")
        other = self.message(OTHER_COMMENT)
        self.assertEqual(other.ticket_id, ticket)
        self.assertEqual(other.identity_id.external_id, FB_USER)
        self.assertEqual(self.message(PAGE_TO_OTHER).ticket_id, ticket)

    def test_comments_under_the_pages_own_post_keep_a_ticket_each(self):
        own_post = f"{PAGE}_722000000000001"
        first, second = (
            "722000000000001_1290000000000001",
            "722000000000001_1290000000000005",
        )
        values = [
            self.comment(first, VISITOR, own_post, "Late order"),
            self.comment(second, OTHER, own_post, "Nice bikes"),
        ]
        for value in values:
            value["post_id"] = own_post
        self.post(*values)
        self.run_cron()
        self.assertEqual(
            self.tickets().mapped("social_thread_key"),
            [f"fb:comment:{second}", f"fb:comment:{first}"],
        )

    def test_instagram_account_reply_joins_the_commenters_ticket(self):
        # Instagram nests one level: every reply's parent_id is the top-level
        # comment (comments webhook reference; the account's own reply has
        # from.id == the Instagram account, as the poll reads it too).
        top, own, again = "17900000000000001", "17900000000000002", "17900000000000003"
        account_reply = self.ig_comment(own, "@liisa.cycles sent you a DM", top)
        account_reply["entry"][0]["changes"][0]["value"]["from"] = {
            "id": IG,
            "username": "nordicbikes",
        }
        for payload in (
            self.ig_comment(top, "Is the blue one back in stock?"),
            account_reply,
            self.ig_comment(again, "@nordicbikes thanks!", top),
        ):
            self.call_webhook(payload)
        self.run_cron()
        messages = self.env["social.care.message"].search(
            [
                ("account_id", "=", self.instagram.id),
                ("external_id", "in", [top, own, again]),
            ],
            order="external_id",
        )
        self.assertEqual(messages.mapped("direction"), ["in", "out", "in"])
        self.assertEqual(len(messages.ticket_id), 1)
        self.assertEqual(messages.ticket_id.social_thread_key, f"ig:comment:{top}")

    def test_visitor_post_the_webhook_missed_is_polled_with_its_comments(self):
        # Graph GET /{page}/feed and /{post}/comments items, as the poll asks
        # for them (Graph reference: Page feed, Comment; parent{id} on replies).
        post = {
            "id": POST,
            "permalink_url": f"https://www.facebook.com/{POST}",
            "created_time": "2026-11-22T09:58:00+0000",
            "updated_time": "2026-11-22T10:05:00+0000",
            "message": "The brake lever broke after two days.",
            "from": VISITOR,
        }
        comments = [
            {
                "id": VISITOR_REPLY,
                "message": "The one in Kallio.",
                "from": VISITOR,
                "created_time": "2026-11-22T10:05:00+0000",
                "parent": {"id": PAGE_COMMENT},
            },
            {
                "id": PAGE_COMMENT,
                "message": "Sorry! Which shop?",
                "from": NORDIC,
                "created_time": "2026-11-22T10:00:00+0000",
            },
        ]
        routes = {
            ("GET", f"{PAGE}/feed"): {"data": [post]},
            ("GET", f"{POST}/comments"): {"data": comments},
            ("GET", f"{PAGE}/conversations"): {"data": []},
        }
        self.page.poll_cursor = {"idle": 2}
        with self.graph(routes) as graph:
            self.page._social_poll_once()
        self.assertIn("from", graph.find("GET", f"{PAGE}/feed")[0]["query"]["fields"])
        self.run_cron()
        ticket = self.message(POST).ticket_id
        self.assertEqual(ticket.social_thread_key, f"fb:post:{POST}")
        self.assertEqual(ticket.partner_id.name, "Jukka Lehtonen")
        self.assertEqual(
            (self.message(PAGE_COMMENT) | self.message(VISITOR_REPLY)).ticket_id,
            ticket,
        )
        self.assertEqual(self.tickets(), ticket)
