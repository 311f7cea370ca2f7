import requests

from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.social_care.tests.common import (
    PNG_1PX,
    agent_upload,
    reply_with_files,
)

from .common import ACME, JANE, FakeX, XCase, xaa_post

TWEETS = "/2/tweets"
UPLOAD = "/2/media/upload"
DM_TO_JANE = f"/2/dm_conversations/with/{JANE}/messages"
# Shape of the v2 upload answer: https://docs.x.com/x-api/media/upload-media
UPLOADED = {
    "data": {
        "id": "1880028106020515840",
        "media_key": "3_1880028106020515840",
        "size": 68,
        "expires_after_secs": 86400,
        "image": {"image_type": "image/png", "w": 1, "h": 1},
    }
}
POSTED = {"data": {"id": "2095000000000000900", "text": "..."}}
DM_SENT = {
    "data": {
        "dm_conversation_id": f"{ACME}-{JANE}",
        "dm_event_id": "2095000000000000901",
    }
}


@tagged("post_install", "-at_install")
class TestOutboundMedia(XCase):
    def setUp(self):
        super().setUp()
        self.store(xaa_post("2095000000000000700", "@AcmeSupport my X2 is dead"))
        self.process()
        self.ticket = self.message("2095000000000000700").ticket_id

    def png(self, name="label.png", raw=PNG_1PX, mimetype="image/png"):
        return agent_upload(self.agent, name, raw, mimetype)

    def test_image_on_a_public_reply_is_uploaded_then_attached(self):
        image = self.png()
        message = reply_with_files(self.ticket, self.agent, "Here is the label", image)
        self.assertEqual(message.attachment_ids, image)
        x = FakeX().on("POST", UPLOAD, UPLOADED).on("POST", TWEETS, POSTED, status=201)
        self.send_queued(x)
        upload, tweet = x.calls
        self.assertEqual((upload.host, upload.path), ("api.x.com", UPLOAD))
        self.assertEqual(upload.headers["Authorization"], "Bearer access-1")
        self.assertEqual(upload.form, {"media_category": "tweet_image"})
        self.assertEqual(upload.files["media"], ("label.png", "image/png", PNG_1PX))
        self.assertEqual(tweet.json["media"], {"media_ids": ["1880028106020515840"]})
        self.assertEqual(tweet.json["text"], "Here is the label")
        self.assertEqual(message.state, "sent")

    def test_image_only_direct_message(self):
        image = self.png()
        message = reply_with_files(self.ticket, self.agent, "", image, private=True)
        self.assertEqual(message.state, "queued")
        x = (
            FakeX()
            .on("POST", UPLOAD, UPLOADED)
            .on("POST", DM_TO_JANE, DM_SENT, status=201)
        )
        self.send_queued(x)
        upload, dm = x.calls
        self.assertEqual(upload.form, {"media_category": "dm_image"})
        self.assertEqual(
            dm.json, {"attachments": [{"media_id": "1880028106020515840"}]}
        )
        self.assertEqual(message.state, "sent")

    def test_empty_reply_without_files_is_still_refused(self):
        with self.assertRaisesRegex(UserError, "empty"):
            reply_with_files(
                self.ticket, self.agent, "", self.env["ir.attachment"], private=True
            )

    def test_limits_are_refused_before_queueing(self):
        cases = [
            (
                self.png() | self.png("second.png"),
                True,
                "one image per direct message",
            ),
            (
                # X takes MP4 since the chunked upload (issue 13): AVI it does not.
                self.png(
                    "clip.avi", b"RIFF\x00\x00\x00\x00AVI LIST", "video/x-msvideo"
                ),
                False,
                r"clip\.avi \(video/x-msvideo\).*JPEG, PNG or WEBP",
            ),
            (
                self.png("big.png", PNG_1PX + b"\x00" * (6 * 1024 * 1024)),
                False,
                r"big\.png is 6 MB; X takes images up to 5 MB",
            ),
            (
                self.png("a.png")
                | self.png("b.png")
                | self.png("c.png")
                | self.png("d.png")
                | self.png("e.png"),
                False,
                "up to 4 images per post",
            ),
        ]
        for files, private, sentence in cases:
            with self.subTest(sentence=sentence):
                with self.assertRaisesRegex(UserError, sentence):
                    reply_with_files(self.ticket, self.agent, "See", files, private)
        self.assertFalse(
            self.env["social.care.message"].search(
                [("ticket_id", "=", self.ticket.id), ("direction", "=", "out")]
            )
        )

    def test_upload_timeout_retries_instead_of_failing(self):
        message = reply_with_files(self.ticket, self.agent, "Label", self.png())
        x = FakeX().on("POST", UPLOAD, requests.ReadTimeout("slow"))
        self.send_queued(x)
        self.assertEqual(message.state, "queued")
        self.assertIn("image upload", message.error)
