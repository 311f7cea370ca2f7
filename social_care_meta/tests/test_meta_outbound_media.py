import json

from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.social_care.tests.common import (
    PNG_1PX,
    agent_upload,
    reply_with_files,
)

from .common import IGSID, PAGE, PSID, MetaCase

COMMENT = "722000000000001_1290000000000001"
MB = 1024 * 1024


@tagged("post_install", "-at_install")
class TestMetaOutboundMedia(MetaCase):
    def setUp(self):
        super().setUp()
        with self.graph(
            {("GET", PSID): {"first_name": "Maija"}, ("GET", IGSID): {"username": "l"}}
        ):
            self.deliver(
                self.feed_comment(COMMENT, "My order is late"),
                self.messenger("m_1", "Hello, order S00042?"),
                self.instagram_dm("ig_m1", "Hi"),
                self.ig_comment("17900000000000001", "Size S?"),
            )
        self.comment_ticket = self.message_of(self.page, COMMENT).ticket_id
        self.dm_ticket = self.message_of(self.page, "m_1").ticket_id
        self.ig_ticket = self.message_of(self.instagram, "ig_m1").ticket_id
        self.ig_comment_ticket = self.message_of(
            self.instagram, "17900000000000001"
        ).ticket_id

    def upload(self, name="label.png", raw=PNG_1PX, mimetype="image/png"):
        return agent_upload(self.agent, name, raw, mimetype)

    def send(self, routes):
        with self.graph(routes) as graph:
            self.send_all()
        return graph

    def test_messenger_sends_the_file_then_the_text(self):
        out = reply_with_files(self.dm_ticket, self.agent, "Your label", self.upload())
        sent = {"recipient_id": PSID, "message_id": "m_o"}
        graph = self.send({("POST", f"{PAGE}/messages"): [sent, sent]})
        with_file, with_text = graph.calls
        self.assertEqual(
            with_file["files"]["filedata"], ("label.png", "image/png", PNG_1PX)
        )
        self.assertEqual(json.loads(with_file["body"]["recipient"]), {"id": PSID})
        self.assertEqual(with_file["body"]["messaging_type"], "RESPONSE")
        self.assertEqual(
            json.loads(with_file["body"]["message"]),
            {
                "attachment": {"type": "image", "payload": {}},
                "metadata": f"social_care:{out.id}",
            },
        )
        self.assertEqual(json.loads(with_text["body"]["message"])["text"], "Your label")
        self.assertEqual(out.state, "sent")

    def test_each_kind_reaches_messenger_without_text(self):
        kinds = [
            ("clip.mp4", b"\x00\x00\x00\x18ftypmp42", "video/mp4", "video"),
            ("note.m4a", b"\x00\x00\x00\x18ftypM4A ", "audio/mp4", "audio"),
            ("invoice.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf", "file"),
        ]
        for name, raw, mimetype, kind in kinds:
            with self.subTest(kind=kind):
                out = reply_with_files(
                    self.dm_ticket, self.agent, "", self.upload(name, raw, mimetype)
                )
                graph = self.send(
                    {("POST", f"{PAGE}/messages"): {"message_id": f"m_{kind}"}}
                )
                (call,) = graph.calls
                message = json.loads(call["body"]["message"])
                self.assertEqual(message["attachment"]["type"], kind)
                self.assertEqual(call["files"]["filedata"], (name, mimetype, raw))
                self.assertEqual((out.state, out.external_id), ("sent", f"m_{kind}"))

    def test_instagram_dm_uploads_through_the_page(self):
        out = reply_with_files(self.ig_ticket, self.agent, "", self.upload())
        graph = self.send({("POST", f"{PAGE}/messages"): {"message_id": "ig_out"}})
        (call,) = graph.calls
        self.assertEqual(json.loads(call["body"]["recipient"]), {"id": IGSID})
        self.assertIn("filedata", call["files"])
        self.assertEqual(out.external_id, "ig_out")

    def test_facebook_comment_reply_with_one_image(self):
        out = reply_with_files(
            self.comment_ticket, self.agent, "Photo of the part", self.upload()
        )
        graph = self.send({("POST", f"{COMMENT}/comments"): {"id": "722_reply"}})
        (call,) = graph.calls
        self.assertEqual(call["body"]["message"], "Photo of the part")
        self.assertEqual(call["files"]["source"], ("label.png", "image/png", PNG_1PX))
        self.assertEqual(out.state, "sent")

    def test_limits_are_refused_before_queueing(self):
        big = PNG_1PX + b"\x00" * (9 * MB)
        cases = [
            (
                self.ig_comment_ticket,
                None,
                self.upload(),
                "Instagram comments take no media",
            ),
            (
                self.comment_ticket,
                True,
                self.upload(),
                "A private reply to a comment carries text only",
            ),
            (
                self.dm_ticket,
                None,
                self.upload() | self.upload("b.png"),
                "one attachment per reply",
            ),
            (
                self.dm_ticket,
                None,
                self.upload("big.png", big),
                r"big\.png is 9 MB; Messenger messages take images up to 8 MB",
            ),
            (
                self.comment_ticket,
                False,
                self.upload("clip.mp4", b"\x00\x00\x00\x18ftypmp42", "video/mp4"),
                r"Facebook comments cannot carry clip\.mp4 \(video/mp4\)",
            ),
            (
                self.comment_ticket,
                False,
                self.upload("photo.png", PNG_1PX + b"\x00" * (5 * MB)),
                "take images up to 4 MB",
            ),
            (
                self.ig_ticket,
                None,
                self.upload("doc.docx", b"PK\x03\x04", "application/msword"),
                r"Instagram direct messages cannot carry doc\.docx",
            ),
            (
                self.ig_ticket,
                None,
                self.upload("clip.mp4", b"\x00" * (26 * MB), "video/mp4"),
                "take videos up to 25 MB",
            ),
        ]
        for ticket, private, files, sentence in cases:
            with self.subTest(sentence=sentence):
                with self.assertRaisesRegex(UserError, sentence):
                    reply_with_files(ticket, self.agent, "See", files, private)
        tickets = (
            self.comment_ticket
            | self.dm_ticket
            | self.ig_ticket
            | self.ig_comment_ticket
        )
        self.assertFalse(
            self.env["social.care.message"].search(
                [("ticket_id", "in", tickets.ids), ("direction", "=", "out")]
            )
        )

    def test_text_failing_after_the_file_is_not_resent_blindly(self):
        out = reply_with_files(self.dm_ticket, self.agent, "Label", self.upload())
        error = (500, {"error": {"message": "boom", "code": 2, "is_transient": True}})
        self.send({("POST", f"{PAGE}/messages"): [{"message_id": "m_f"}, error]})
        self.assertEqual(out.state, "failed")
        self.assertIn("file reached the customer", out.error)
        # Meta echoes the file with our metadata: that is not the text arriving.
        file_echo = self.messaging(
            "page",
            PAGE,
            PAGE,
            PSID,
            {
                "mid": "m_f",
                "is_echo": True,
                "app_id": 1,
                "metadata": f"social_care:{out.id}",
                "attachments": [{"type": "image", "payload": {"url": ""}}],
            },
        )
        self.deliver(file_echo)
        self.assertEqual((out.state, out.external_id), ("failed", "m_f"))
