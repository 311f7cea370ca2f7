import hashlib
import hmac
import json
from datetime import timedelta

import requests
from urllib3.exceptions import MaxRetryError, NewConnectionError

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import IGSID, PAGE, PAGE_TOKEN, PSID, SECRET, MetaCase

COMMENT = "722000000000001_1290000000000001"


@tagged("post_install", "-at_install")
class TestMetaOutbound(MetaCase):
    def setUp(self):
        super().setUp()
        with self.graph({("GET", PSID): {"first_name": "Maija"}}):
            self.deliver(
                self.feed_comment(COMMENT, "My order is late"),
                self.messenger("m_1", "Hello, order S00042?"),
            )
        self.comment_ticket = self.message_of(self.page, COMMENT).ticket_id
        self.dm_ticket = self.message_of(self.page, "m_1").ticket_id

    def age(self, ticket, hours):
        ticket.social_last_customer_message_at = fields.Datetime.now() - timedelta(
            hours=hours
        )

    def test_public_comment_reply(self):
        out = self.reply(self.comment_ticket, "Sorry, checking now")
        with self.graph(
            {("POST", f"{COMMENT}/comments"): {"id": "722_reply"}}
        ) as graph:
            self.send_all()
        self.assertEqual((out.state, out.external_id), ("sent", "722_reply"))
        call = graph.calls[0]
        self.assertEqual(call["version"], "v26.0")
        self.assertEqual(call["body"]["message"], "Sorry, checking now")
        # The token goes in the Authorization header, never in a URL (issue 11).
        self.assertEqual(call["bearer"], PAGE_TOKEN)
        self.assertNotIn("access_token", call["query"])
        proof = hmac.new(
            SECRET.encode(), PAGE_TOKEN.encode(), hashlib.sha256
        ).hexdigest()
        self.assertEqual(call["body"]["appsecret_proof"], proof)

    def test_instagram_comment_reply_uses_replies(self):
        self.deliver(self.ig_comment("17900000000000001", "Size S?"))
        ticket = self.message_of(self.instagram, "17900000000000001").ticket_id
        out = self.reply(ticket, "Yes, in stock")
        with self.graph(
            {("POST", "17900000000000001/replies"): {"id": "17900000000000099"}}
        ):
            self.send_all()
        self.assertEqual(out.external_id, "17900000000000099")

    def test_messenger_within_24h_is_a_response(self):
        out = self.reply(self.dm_ticket, "Shipped today")
        with self.graph(
            {("POST", f"{PAGE}/messages"): {"recipient_id": PSID, "message_id": "m_o"}}
        ) as graph:
            self.send_all()
        body = graph.calls[0]["body"]
        self.assertEqual(json.loads(body["recipient"]), {"id": PSID})
        self.assertEqual(body["messaging_type"], "RESPONSE")
        self.assertNotIn("tag", body)
        self.assertEqual(
            json.loads(body["message"]),
            {"text": "Shipped today", "metadata": f"social_care:{out.id}"},
        )
        self.assertEqual((out.state, out.external_id), ("sent", "m_o"))

    def test_messenger_after_24h_uses_the_human_agent_tag(self):
        self.age(self.dm_ticket, 30)
        limits = self.page._social_reply_limits(self.dm_ticket, True)
        self.assertEqual(limits["max_length"], 2000)
        self.assertFalse(limits["public_allowed"])
        self.assertTrue(limits["window_deadline"])
        # What the composer reads: Messenger counts characters, until the deadline.
        self.dm_ticket.invalidate_recordset()
        self.assertEqual(
            (
                self.dm_ticket.social_reply_length_unit,
                self.dm_ticket.social_reply_window_deadline,
            ),
            ("characters", limits["window_deadline"]),
        )
        self.reply(self.dm_ticket, "Sorry for the wait")
        with self.graph({("POST", f"{PAGE}/messages"): {"message_id": "m_t"}}) as graph:
            self.send_all()
        body = graph.calls[0]["body"]
        self.assertEqual(
            (body["messaging_type"], body["tag"]), ("MESSAGE_TAG", "HUMAN_AGENT")
        )

    def test_the_ticket_keeps_the_final_window_deadline(self):
        self.age(self.dm_ticket, 30)
        self.assertEqual(
            self.dm_ticket.social_window_deadline,
            self.dm_ticket.social_last_customer_message_at + timedelta(days=7),
        )
        self.assertFalse(self.dm_ticket.social_window_closed)
        self.assertFalse(self.comment_ticket.social_window_deadline)
        self.age(self.dm_ticket, 8 * 24)
        self.dm_ticket.invalidate_recordset(["social_window_closed"])
        self.assertTrue(self.dm_ticket.social_window_closed)
        # Stored, so the ticket list filters and sorts by it.
        closed = self.env["helpdesk.ticket"].search(
            [("social_window_deadline", "<", fields.Datetime.now())]
        )
        self.assertIn(self.dm_ticket, closed)

    def test_messenger_after_7_days_is_refused_before_queueing(self):
        self.age(self.dm_ticket, 8 * 24)
        self.dm_ticket.partner_id.email = "maija@example.com"
        count = len(self.dm_ticket.message_ids)
        with self.assertRaisesRegex(UserError, "Messenger window is closed.*maija@"):
            self.reply(self.dm_ticket, "Too late")
        self.assertEqual(len(self.dm_ticket.message_ids), count)

    def test_text_length_per_surface(self):
        with self.assertRaisesRegex(UserError, "2,000"):
            self.reply(self.dm_ticket, "x" * 2001)

    def test_dm_ticket_has_no_public_reply(self):
        self.dm_ticket.social_reply_private = False
        with self.assertRaisesRegex(UserError, "switch the reply to private"):
            self.reply(self.dm_ticket, "Public?")

    def test_private_reply_to_a_comment_once(self):
        out = self.reply(self.comment_ticket, "Let's talk in private", private=True)
        self.assertEqual(out.channel, "messenger")
        with self.graph(
            {("POST", f"{PAGE}/messages"): {"recipient_id": PSID, "message_id": "m_p"}}
        ) as graph:
            self.send_all()
        body = graph.calls[0]["body"]
        self.assertEqual(json.loads(body["recipient"]), {"comment_id": COMMENT})
        self.assertEqual(body["messaging_type"], "RESPONSE")
        self.assertEqual(out.state, "sent")
        with self.assertRaisesRegex(UserError, "one per comment"):
            self.reply(self.comment_ticket, "Again", private=True)

    def test_private_reply_after_7_days_is_refused(self):
        self.message_of(self.page, COMMENT).posted_at = (
            fields.Datetime.now() - timedelta(days=8)
        )
        with self.assertRaisesRegex(UserError, "within 7 days"):
            self.reply(self.comment_ticket, "Late", private=True)

    def test_instagram_dm_goes_through_the_page(self):
        with self.graph({("GET", IGSID): {"username": "liisa"}}):
            self.deliver(self.instagram_dm("ig_m1", "Hi"))
        ticket = self.message_of(self.instagram, "ig_m1").ticket_id
        # Instagram counts bytes: the composer does too.
        self.assertEqual(
            (ticket.social_reply_max_length, ticket.social_reply_length_unit),
            (1000, "bytes"),
        )
        out = self.reply(ticket, "Hello Liisa")
        with self.graph(
            {("POST", f"{PAGE}/messages"): {"message_id": "ig_out"}}
        ) as graph:
            self.send_all()
        body = graph.calls[0]["body"]
        self.assertEqual(json.loads(body["recipient"]), {"id": IGSID})
        self.assertEqual(out.external_id, "ig_out")

    def test_expired_token_puts_the_account_in_error(self):
        out = self.reply(self.dm_ticket, "Hi")
        error = {
            "error": {
                "message": "Error validating access token",
                "type": "OAuthException",
                "code": 190,
                "error_subcode": 463,
            }
        }
        with self.graph({("POST", f"{PAGE}/messages"): (400, error)}):
            self.send_all()
        self.assertEqual(out.state, "queued", "it waits for the reconnection")
        self.assertEqual(self.page.state, "error")
        self.assertIn("expired", self.page.last_error)
        self.assertIn("Waiting for the account to be reconnected", out.error)
        with self.graph() as graph:
            self.send_all()
        self.assertFalse(graph.calls, "no call while the account is in error")
        self.page.write({"state": "connected", "access_token": "renewed-token"})
        with self.graph(
            {("POST", f"{PAGE}/messages"): {"message_id": "m_after"}}
        ) as graph:
            self.send_all()
        self.assertEqual(len(graph.calls), 1)
        self.assertEqual(graph.calls[0]["params"]["access_token"], "renewed-token")
        self.assertEqual((out.state, out.external_id), ("sent", "m_after"))

    def test_read_timeout_on_a_send_is_never_retried_blindly(self):
        out = self.reply(self.comment_ticket, "Hi")

        def hang(call):
            raise requests.ReadTimeout("read timed out")

        with self.graph({("POST", f"{COMMENT}/comments"): hang}) as graph:
            self.send_all()
        self.assertEqual(len(graph.calls), 1)
        self.assertEqual(out.state, "failed")
        self.assertIn("Facebook received the request but did not answer", out.error)
        self.assertIn("may have been posted: check", out.error)
        with self.graph() as graph:
            self.send_all()
        self.assertFalse(graph.calls)
        self.assertEqual(self.page.state, "connected")

    def test_echo_confirms_a_reply_whose_answer_never_came(self):
        out = self.reply(self.dm_ticket, "Your refund is on its way")

        def posted_then_hung(call):
            raise requests.ReadTimeout("read timed out")

        with self.graph({("POST", f"{PAGE}/messages"): posted_then_hung}):
            self.send_all()
        self.assertEqual(out.state, "failed")
        self.assertTrue(self.dm_ticket.activity_ids)
        # Meta's echo of the message, with the metadata we sent: it went out.
        echo = self.messaging(
            "page",
            PAGE,
            PAGE,
            PSID,
            {
                "mid": "m_echoed",
                "is_echo": True,
                "app_id": 1,
                "metadata": f"social_care:{out.id}",
                "text": "Your refund is on its way",
            },
        )
        self.deliver(echo)
        self.assertEqual((out.state, out.external_id), ("sent", "m_echoed"))
        self.assertFalse(out.error)
        self.assertFalse(self.dm_ticket.activity_ids, "the agent has nothing to check")
        with self.graph() as graph:
            self.send_all()
        self.assertFalse(graph.calls)

    def test_connection_refused_is_retried(self):
        def refuse(call):
            raise requests.ConnectionError(
                MaxRetryError(None, "/", NewConnectionError(None, "refused"))
            )

        out = self.reply(self.dm_ticket, "Hi")
        with self.graph({("POST", f"{PAGE}/messages"): refuse}):
            self.send_all()
        self.assertEqual(out.state, "queued")
        out.next_attempt_at = False
        with self.graph(
            {("POST", f"{PAGE}/messages"): {"message_id": "m_retry"}}
        ) as graph:
            self.send_all()
        self.assertEqual((len(graph.calls), out.state), (1, "sent"))

    def test_missing_permission_is_named(self):
        out = self.reply(self.comment_ticket, "Hi")
        error = {
            "error": {
                "message": "(#200) Requires pages_manage_engagement permission",
                "code": 200,
            }
        }
        with self.graph({("POST", f"{COMMENT}/comments"): (403, error)}):
            self.send_all()
        self.assertEqual(out.state, "failed")
        self.assertIn("pages_manage_engagement", out.error)
        self.assertEqual(self.page.state, "connected")

    def test_rate_limit_retries_later(self):
        out = self.reply(self.dm_ticket, "Hi")
        error = {"error": {"message": "Calls limit reached", "code": 80006}}
        usage = {
            "X-Business-Use-Case-Usage": json.dumps(
                {
                    PAGE: [
                        {
                            "type": "messenger",
                            "call_count": 100,
                            "estimated_time_to_regain_access": 30,
                        }
                    ]
                }
            )
        }
        with self.graph({("POST", f"{PAGE}/messages"): (400, error, usage)}):
            self.send_all()
        self.assertEqual(out.state, "queued")
        self.assertGreater(
            out.next_attempt_at, fields.Datetime.now() + timedelta(minutes=25)
        )
        self.assertTrue(self.page.meta_backoff_until)
        # Until then, no call is even tried.
        out.next_attempt_at = False
        with self.graph() as graph:
            self.send_all()
        self.assertFalse(graph.calls)
        self.assertEqual(out.state, "queued")

    def test_high_usage_pauses_calls(self):
        usage = {"X-App-Usage": json.dumps({"call_count": 97, "total_time": 10})}
        with self.graph({("GET", PAGE): (200, {"name": "Nordic Bikes"}, usage)}):
            self.page._meta_request("GET", PAGE, {"fields": "name"})
        self.assertGreater(self.page.meta_backoff_until, fields.Datetime.now())

    def test_server_error_is_retried(self):
        out = self.reply(self.dm_ticket, "Hi")
        with self.graph(
            {
                ("POST", f"{PAGE}/messages"): (
                    500,
                    {"error": {"code": 2, "message": "x"}},
                )
            }
        ):
            self.send_all()
        self.assertEqual(out.state, "queued")

    def test_hide_and_unhide_from_the_ticket(self):
        ticket = self.comment_ticket.with_user(self.agent)
        self.assertTrue(ticket.meta_can_moderate)
        with self.graph({("POST", COMMENT): {"success": True}}) as graph:
            ticket.action_meta_hide_comments()
        self.assertEqual(graph.calls[0]["body"]["is_hidden"], "true")
        self.assertTrue(self.message_of(self.page, COMMENT).meta_is_hidden)
        self.assertIn("hidden by Agent Alice", ticket.message_ids[0].body)
        self.assertTrue(ticket.meta_has_hidden)
        with self.graph({("POST", COMMENT): {"success": True}}) as graph:
            ticket.action_meta_unhide_comments()
        self.assertEqual(graph.calls[0]["body"]["is_hidden"], "false")
        self.assertFalse(self.message_of(self.page, COMMENT).meta_is_hidden)

    def test_instagram_hide_uses_hide(self):
        self.deliver(self.ig_comment("17900000000000005", "spam spam"))
        ticket = self.message_of(self.instagram, "17900000000000005").ticket_id
        with self.graph({("POST", "17900000000000005"): {"success": True}}) as graph:
            ticket.action_meta_hide_comments()
        self.assertEqual(graph.calls[0]["body"]["hide"], "true")

    def test_rule_hides_abusive_comments(self):
        self.env["social.care.rule"].create(
            {
                "name": "Abuse",
                "keywords": "idiots",
                "action": "spam",
                "meta_hide_comment": True,
            }
        )
        other = "722000000000001_1290000000000042"
        with self.graph({("POST", other): {"success": True}}) as graph:
            self.deliver(self.feed_comment(other, "You idiots"))
        self.assertEqual(graph.calls[0]["body"]["is_hidden"], "true")
        message = self.message_of(self.page, other)
        self.assertTrue(message.meta_is_hidden)
        self.assertTrue(message.ticket_id.social_is_spam)
        self.assertTrue(
            any("by rule Abuse" in m.body for m in message.ticket_id.message_ids)
        )

    def test_test_connection_names_missing_permissions(self):
        debug = {
            "data": {
                "is_valid": True,
                "scopes": [
                    "pages_show_list",
                    "pages_manage_metadata",
                    "pages_read_engagement",
                    "pages_messaging",
                    "instagram_basic",
                    "instagram_manage_comments",
                    "instagram_manage_messages",
                ],
            }
        }
        routes = {
            ("GET", "debug_token"): debug,
            ("GET", PAGE): {"name": "Nordic Bikes Oy"},
            ("GET", "17841400000000001"): {"username": "nordicbikes"},
        }
        with self.graph(routes) as graph:
            self.instagram.action_test_connection()
        self.assertEqual(self.instagram.state, "error")
        self.assertIn("pages_manage_engagement", self.instagram.last_error)
        self.assertIn("@nordicbikes", self.instagram.last_error)
        self.assertEqual(
            graph.find("GET", "debug_token")[0]["query"]["input_token"], PAGE_TOKEN
        )
        debug["data"]["scopes"].append("pages_manage_engagement")
        with self.graph(routes):
            self.instagram.action_test_connection()
        self.assertEqual(self.instagram.state, "connected")
