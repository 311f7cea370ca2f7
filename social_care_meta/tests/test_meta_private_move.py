"""Public → private on Facebook and Instagram keeps the thread (issue 13.5).

A private reply to a comment opens a Messenger (or Instagram Direct)
conversation; Meta answers the send with the ``recipient_id`` it delivered to
(developers.facebook.com/docs/messenger-platform/discovery/private-replies:
``{"recipient_id": "<PSID>", "message_id": "<MID>"}``), and the customer's
answers come from that id. They join the ticket of the comment.
"""

import json
import time

from odoo.tests import tagged

from .common import IG, PAGE, PSID, MetaCase, feed_entry

COMMENT = "722000000000001_1290000000000077"


@tagged("post_install", "-at_install")
class TestMetaPrivateMove(MetaCase):
    def move_and_reply(self, ticket, recipient, mid):
        ticket.action_move_to_private()
        self.reply(ticket, "Sent you a message with the refund form.", private=True)
        answer = {"recipient_id": recipient, "message_id": mid}
        page_messages = (
            ("POST", f"{IG}/messages")
            if ticket.social_channel == "instagram_comment"
            else ("POST", f"{PAGE}/messages")
        )
        with self.graph(
            {page_messages: answer, ("POST", f"{COMMENT}/comments"): {"id": "1"}}
        ):
            self.send_all()

    def test_messenger_answer_to_a_private_reply_joins_the_comment_ticket(self):
        self.deliver(self.feed_comment(COMMENT, "You charged me twice!"))
        ticket = self.message_of(self.page, COMMENT).ticket_id
        self.move_and_reply(ticket, PSID, "m_private_1")
        private = ticket.social_message_ids.filtered(
            lambda m: m.direction == "out" and m.is_private
        )
        self.assertEqual(private.state, "sent")
        self.assertEqual(ticket.social_private_thread_key, f"messenger:{PSID}")
        with self.graph({("GET", PSID): {"first_name": "Maija"}}):
            self.deliver(self.messenger("m_answer", "Form sent, thanks"))
        answer = self.message_of(self.page, "m_answer")
        self.assertEqual(answer.ticket_id, ticket)
        self.assertEqual(answer.identity_id.partner_id, ticket.partner_id)

    def test_the_moved_ticket_wins_over_an_older_messenger_ticket(self):
        with self.graph({("GET", PSID): {"first_name": "Maija"}}):
            self.deliver(self.messenger("m_old", "An older question"))
        older = self.message_of(self.page, "m_old").ticket_id
        self.deliver(self.feed_comment(COMMENT, "You charged me twice!"))
        ticket = self.message_of(self.page, COMMENT).ticket_id
        self.assertNotEqual(older, ticket)
        self.move_and_reply(ticket, PSID, "m_private_2")
        self.deliver(self.messenger("m_answer_2", "Here is the form"))
        self.assertEqual(self.message_of(self.page, "m_answer_2").ticket_id, ticket)
        ticket.action_mark_spam()  # closed: the DM thread is the older ticket's again
        self.deliver(self.messenger("m_answer_3", "Another thing"))
        self.assertEqual(self.message_of(self.page, "m_answer_3").ticket_id, older)

    def test_a_visitor_post_is_answered_privately_by_its_post_id(self):
        """Private Replies (developers.facebook.com/docs/messenger-platform/
        discovery/private-replies): a comment is named by ``comment_id``, a
        visitor's post on the Page by ``post_id``."""
        post = f"{PAGE}_722000000000055"
        status = {  # a user's status on the Page, as the feed webhook sends it
            "from": {"id": "7098765432100001", "name": "Jukka Lehtonen"},
            "item": "status",
            "post_id": post,
            "verb": "add",
            "published": 1,
            "created_time": int(time.time()),
            "message": "The brake lever broke after two days.",
        }
        self.deliver({"object": "page", "entry": [feed_entry(status)]})
        ticket = self.message_of(self.page, post).ticket_id
        self.reply(ticket, "We are sorry: a message follows.", private=True)
        answer = {"recipient_id": PSID, "message_id": "m_private_post"}
        with self.graph({("POST", f"{PAGE}/messages"): answer}) as graph:
            self.send_all()
        self.assertEqual(
            json.loads(graph.calls[0]["body"]["recipient"]), {"post_id": post}
        )
        self.assertEqual(ticket.social_private_thread_key, f"messenger:{PSID}")
