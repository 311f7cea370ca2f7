"""Browser test: an agent sends a photo from the chatter; it reaches Messenger,
and the agent sees it marked sent without reloading (the state comes on the bus).

Runs in headless Chromium like social_care's tours; a missing browser fails.
"""

import json
import unittest

from odoo.tests import HttpCase, tagged
from odoo.tests.common import _find_executable

from odoo.addons.social_care.tests.common import PNG_1PX, LiveDeliveryTourMixin

from .common import PAGE, PSID, MetaGraphMixin


@tagged("post_install", "-at_install")
class TestMediaTour(LiveDeliveryTourMixin, MetaGraphMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        try:
            cls.browser = _find_executable()
        except unittest.SkipTest as error:
            raise AssertionError(
                f"The media tour needs Chrome or Chromium ({error})."
            ) from error
        cls.setup_meta()
        cls.agent = cls.env["res.users"].create(
            {
                "name": "Agent Alice",
                "login": "alice_media_tour",
                "password": "alice_media_tour",
                "email": "alice@example.com",
                "groups_id": [
                    (6, 0, [cls.env.ref("helpdesk_mgmt.group_helpdesk_user").id])
                ],
            }
        )

    def test_agent_sends_an_image_and_it_goes_out(self):
        with self.graph({("GET", PSID): {"first_name": "Maija"}}):
            self.deliver(self.messenger("m_tour", "Where do I send the bike back?"))
        ticket = self.message_of(self.page, "m_tour").ticket_id
        out_of_ticket = [("ticket_id", "=", ticket.id), ("direction", "=", "out")]
        queued_when_sent = []

        def send(env):
            # What the tour saw before the send: the reply waiting in the queue.
            out = env["social.care.message"].search(out_of_ticket)
            queued_when_sent.append((out.state, out.attachment_ids.mapped("name")))
            env["social.care.message"]._cron_send_messages()

        self.allow_live_delivery(send)
        sent = {"recipient_id": PSID, "message_id": "m_out"}
        with self.graph({("POST", f"{PAGE}/messages"): [sent, sent]}) as graph:
            try:
                self.start_tour(
                    f"/odoo/helpdesk.ticket/{ticket.id}",
                    "social_care_media_tour",
                    login=self.agent.login,
                )
            except unittest.SkipTest as error:
                raise AssertionError(f"The tour could not run: {error}") from error
        self.assertEqual(queued_when_sent, [("queued", ["label.png"])])
        with_file, with_text = graph.calls
        self.assertEqual(
            with_file["files"]["filedata"], ("label.png", "image/png", PNG_1PX)
        )
        self.assertEqual(
            json.loads(with_text["body"]["message"])["text"],
            "Here is your return label",
        )
        out = self.env["social.care.message"].search(out_of_ticket)
        self.assertEqual(out.state, "sent")
