import json
import time
from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from .common import IGSID, PAGE, PSID, MetaCase

COMMENT = "722000000000001_1290000000000001"
REPLY = "722000000000001_1290000000000003"


@tagged("post_install", "-at_install")
class TestMetaScenario(MetaCase):
    """The issue's "done when": a Page and its Instagram account, end to end."""

    def test_customers_in_and_agent_replies_out(self):
        profiles = {
            ("GET", PSID): {"first_name": "Maija", "last_name": "Virtanen"},
            ("GET", IGSID): {"name": "Liisa Korhonen", "username": "liisa.cycles"},
        }
        with self.graph(profiles):
            self.deliver(
                self.feed_comment(
                    COMMENT, "My order S00042 is late", created_time=time.time() - 60
                ),
                self.feed_comment(REPLY, "Any news?", parent_id=COMMENT),
                self.messenger("m_1", "Hello, about S00042"),
                self.instagram_dm("ig_m1", "Can I exchange my size?"),
            )
        comment_ticket = self.message_of(self.page, COMMENT).ticket_id
        messenger_ticket = self.message_of(self.page, "m_1").ticket_id
        dm_ticket = self.message_of(self.instagram, "ig_m1").ticket_id
        self.assertEqual(self.message_of(self.page, REPLY).ticket_id, comment_ticket)
        self.assertEqual(
            len(comment_ticket | messenger_ticket | dm_ticket), 3, "three conversations"
        )
        self.assertEqual(comment_ticket.partner_id.name, "Maija Virtanen")
        self.assertEqual(messenger_ticket.partner_id.name, "Maija Virtanen")
        self.assertEqual(dm_ticket.partner_id.name, "Liisa Korhonen")
        self.assertEqual(dm_ticket.social_account_id, self.instagram)
        self.assertFalse(comment_ticket.social_is_private)
        self.assertTrue(messenger_ticket.social_is_private)

        # The agent answers: a public reply, a private reply, two messages.
        public = self.reply(comment_ticket, "Sorry Maija, checking")
        private = self.reply(comment_ticket, "Your tracking number", private=True)
        messenger_ticket.social_last_customer_message_at = (
            fields.Datetime.now() - timedelta(hours=30)
        )
        message = self.reply(messenger_ticket, "It left today")
        direct = self.reply(dm_ticket, "Of course, bring it back")
        routes = {
            ("POST", f"{REPLY}/comments"): {"id": "722_out"},
            ("POST", f"{PAGE}/messages"): [
                {"recipient_id": PSID, "message_id": "m_priv"},
                {"recipient_id": PSID, "message_id": "m_out"},
                {"recipient_id": IGSID, "message_id": "ig_out"},
            ],
        }
        with self.graph(routes) as graph:
            self.send_all()
        self.assertEqual(
            [m.state for m in (public, private, message, direct)], ["sent"] * 4
        )
        self.assertEqual(
            (public.external_id, private.external_id, message.external_id),
            ("722_out", "m_priv", "m_out"),
        )
        self.assertEqual(direct.external_id, "ig_out")
        sent = [
            json.loads(c["body"]["recipient"])
            for c in graph.find("POST", f"{PAGE}/messages")
        ]
        self.assertEqual(sent, [{"comment_id": REPLY}, {"id": PSID}, {"id": IGSID}])
        types = [
            (c["body"]["messaging_type"], c["body"].get("tag"))
            for c in graph.find("POST", f"{PAGE}/messages")
        ]
        self.assertEqual(
            types,
            [("RESPONSE", None), ("MESSAGE_TAG", "HUMAN_AGENT"), ("RESPONSE", None)],
        )
        self.assertTrue(all(c["version"] == "v26.0" for c in graph.calls))
