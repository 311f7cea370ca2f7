from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import PNG_1PX, SocialCareCase, agent_upload, reply_with_files


@tagged("post_install", "-at_install")
class TestOutboundMedia(SocialCareCase):
    def setUp(self):
        super().setUp()
        self.deliver(self.message("m1", "Where is my order?", thread="t1"))
        self.ticket = self.ticket_of("m1")

    def test_a_channel_without_media_refuses_files_before_queueing(self):
        image = agent_upload(self.agent, "label.png", PNG_1PX, "image/png")
        for text in ("Here is the label", ""):
            with self.subTest(text=text):
                with self.assertRaisesRegex(UserError, "This channel takes no media"):
                    reply_with_files(self.ticket, self.agent, text, image)
        self.assertFalse(self.ticket.social_message_ids.filtered("attachment_ids"))
        self.assertFalse(
            self.ticket.message_ids.filtered(lambda m: image in m.attachment_ids)
        )
