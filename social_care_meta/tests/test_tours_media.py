"""Browser test: an agent sends a photo from the chatter; it reaches Messenger.

Runs in headless Chromium like social_care's tours; a missing browser fails.
"""

import json
import unittest

from odoo.tests import HttpCase, tagged
from odoo.tests.common import _find_executable

from odoo.addons.social_care.tests.common import PNG_1PX

from .common import PAGE, PSID, MetaGraphMixin


@tagged("post_install", "-at_install")
class TestMediaTour(MetaGraphMixin, HttpCase):
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
        try:
            self.start_tour(
                f"/odoo/helpdesk.ticket/{ticket.id}",
                "social_care_media_tour",
                login=self.agent.login,
            )
        except unittest.SkipTest as error:
            raise AssertionError(f"The tour could not run: {error}") from error
        out = self.env["social.care.message"].search(
            [("ticket_id", "=", ticket.id), ("direction", "=", "out")]
        )
        self.assertEqual(out.state, "queued")
        self.assertEqual(out.attachment_ids.mapped("name"), ["label.png"])
        sent = {"recipient_id": PSID, "message_id": "m_out"}
        with self.graph({("POST", f"{PAGE}/messages"): [sent, sent]}) as graph:
            self.send_all()
        with_file, with_text = graph.calls
        self.assertEqual(
            with_file["files"]["filedata"], ("label.png", "image/png", PNG_1PX)
        )
        self.assertEqual(
            json.loads(with_text["body"]["message"])["text"],
            "Here is your return label",
        )
        self.assertEqual(out.state, "sent")
