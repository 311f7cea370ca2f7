"""A reply's delivery state on its chatter message, and its live updates (issue 13)."""

import json

from odoo.tests import tagged

from odoo.addons.mail.tools.discuss import Store

from .common import FakeResponse, SocialCareCase, outbound


@tagged("post_install", "-at_install")
class TestDeliveryState(SocialCareCase):
    def setUp(self):
        super().setUp()
        self.deliver(self.message("d1", "Is it shipped?", thread="d"))
        self.ticket = self.ticket_of("d1")
        self.ticket.with_user(self.agent).message_post(
            body="Yes, this morning.",
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )
        self.reply = self.ticket.social_message_ids.filtered(
            lambda m: m.direction == "out"
        )

    def chatter_delivery(self, user):
        """What the chatter receives for the reply's message, as ``user``."""
        message = self.reply.mail_message_id.with_user(user)
        result = Store(message, for_current_user=True).get_result()
        return next(
            m.get("socialDelivery")
            for m in result["mail.message"]
            if m["id"] == message.id
        )

    def pushed(self):
        """The delivery states pushed on the bus to the agent's browser, in order."""
        self.env.cr.precommit.run()  # the bus rows are written at commit
        channel = json.dumps(
            [self.env.cr.dbname, "res.partner", self.agent.partner_id.id]
        )
        states = []
        for notification in self.env["bus.bus"].search([], order="id"):
            if json.loads(notification.channel) != json.loads(channel):
                continue
            payload = json.loads(notification.message)["payload"]
            for message in payload.get("mail.message", []):
                if "socialDelivery" in message:
                    states.append(message["socialDelivery"])
        return states

    def test_the_chatter_message_carries_the_state(self):
        delivery = self.chatter_delivery(self.agent)
        self.assertEqual((delivery["state"], delivery["label"]), ("queued", "Queued"))
        with outbound(
            FakeResponse(200, {"id": "r-d1", "permalink": "https://platform.example/r"})
        ):
            self.env["social.care.message"]._cron_send_messages()
        delivery = self.chatter_delivery(self.agent)
        self.assertEqual(
            (delivery["state"], delivery["permalink"]),
            ("sent", "https://platform.example/r"),
        )

    def test_a_failure_is_pushed_to_the_agent_with_why(self):
        self.env["bus.bus"].search([]).unlink()
        with outbound(FakeResponse(400, {"error": "recipient unknown"})):
            self.env["social.care.message"]._cron_send_messages()
        self.assertEqual(self.reply.state, "failed")
        pushed = self.pushed()
        self.assertEqual([d["state"] for d in pushed], ["sending", "failed"])
        self.assertTrue(pushed[-1]["canRetry"])
        self.assertTrue(pushed[-1]["reason"])
        delivery = self.chatter_delivery(self.agent)
        self.assertTrue(delivery["reason"])

    def test_a_portal_user_never_sees_it(self):
        portal = self.env["res.users"].create(
            {
                "name": "Customer",
                "login": "customer_portal_delivery",
                "groups_id": [(6, 0, [self.env.ref("base.group_portal").id])],
            }
        )
        message = self.reply.mail_message_id
        result = Store(message.with_user(portal).sudo(False)).get_result()
        self.assertNotIn(
            "socialDelivery",
            next(m for m in result["mail.message"] if m["id"] == message.id),
        )
