import struct
from datetime import timedelta
from unittest.mock import patch

import requests

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.social_care.tests.common import agent_upload, reply_with_files

from .common import ACME, JANE, FakeX, XCase, xaa_post

TWEETS = "/2/tweets"
UPLOAD = "/2/media/upload"
DM_TO_JANE = f"/2/dm_conversations/with/{JANE}/messages"
MB = 1024 * 1024
MEDIA_ID = "1880028106020515840"
# The smallest GIF89a (1x1, one colour), per the GIF89a specification's layout.
GIF_1PX = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x00"
    b"\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)
# Answers shaped as in https://docs.x.com/x-api/media/quickstart/media-upload-chunked
INIT = {
    "data": {
        "id": MEDIA_ID,
        "media_key": f"16_{MEDIA_ID}",
        "expires_after_secs": 1295999,
    }
}
APPENDED = {"data": {"expires_at": 1893456000}}


def finalized(state=None, check_after=1):
    data = {
        "id": MEDIA_ID,
        "media_key": f"13_{MEDIA_ID}",
        "size": 1048576,
        "expires_after_secs": 86400,
    }
    if state:
        data["processing_info"] = {"state": state, "check_after_secs": check_after}
    return {"data": data}


def status(state, check_after=1, error=None):
    info = {"state": state}
    if state in ("pending", "in_progress"):
        info["check_after_secs"] = check_after
    if error:
        # Shape of a failed STATUS: developer.x.com .../get-media-upload-status
        info["error"] = {"code": 1, "name": "InvalidMedia", "message": error}
    return {
        "data": {"id": MEDIA_ID, "media_key": f"13_{MEDIA_ID}", "processing_info": info}
    }


def mp4(seconds, padding=0):
    """An MP4 as ISO/IEC 14496-12 lays it out: ftyp, moov/mvhd (v0), mdat."""
    ftyp = struct.pack(">I4s4sI4s4s", 24, b"ftyp", b"isom", 512, b"isom", b"mp41")
    mvhd_body = struct.pack(">B3xIIII", 0, 0, 0, 1000, round(seconds * 1000))
    mvhd_body += b"\x00" * 80
    mvhd = struct.pack(">I4s", 8 + len(mvhd_body), b"mvhd") + mvhd_body
    moov = struct.pack(">I4s", 8 + len(mvhd), b"moov") + mvhd
    mdat = struct.pack(">I4s", 8 + padding, b"mdat") + b"\x00" * padding
    return ftyp + moov + mdat


POSTED = {"data": {"id": "2095000000000000900", "text": "..."}}
DM_SENT = {
    "data": {
        "dm_conversation_id": f"{ACME}-{JANE}",
        "dm_event_id": "2095000000000000901",
    }
}


@tagged("post_install", "-at_install")
class TestOutboundChunkedMedia(XCase):
    def setUp(self):
        super().setUp()
        self.store(xaa_post("2095000000000000700", "@AcmeSupport my X2 is dead"))
        self.process()
        self.ticket = self.message("2095000000000000700").ticket_id
        sleep = patch("time.sleep", side_effect=self.waits_append)
        self.waits = []
        sleep.start()
        self.addCleanup(sleep.stop)

    def waits_append(self, seconds):
        self.waits.append(seconds)

    def file(self, name, raw, mimetype):
        return agent_upload(self.agent, name, raw, mimetype)

    def test_gif_on_a_post_goes_in_chunks(self):
        raw = GIF_1PX + b"\x00" * (6 * MB)
        message = reply_with_files(
            self.ticket, self.agent, "Like this", self.file("how.gif", raw, "image/gif")
        )
        x = (
            FakeX()
            .on("POST", UPLOAD, INIT)
            .on("POST", UPLOAD, APPENDED)
            .on("POST", UPLOAD, APPENDED)
            .on("POST", UPLOAD, finalized())
            .on("POST", TWEETS, POSTED, status=201)
        )
        self.send_queued(x)
        init, first, second, final, tweet = x.calls
        self.assertEqual(
            init.form,
            {
                "command": "INIT",
                "media_type": "image/gif",
                "total_bytes": str(len(raw)),
                "media_category": "tweet_gif",
            },
        )
        self.assertEqual(init.headers["Authorization"], "Bearer access-1")
        for index, call in enumerate((first, second)):
            self.assertEqual(
                call.form,
                {
                    "command": "APPEND",
                    "media_id": MEDIA_ID,
                    "segment_index": str(index),
                },
            )
        # Each chunk under X's 5 MB per APPEND; together, the file.
        self.assertLessEqual(len(first.files["media"][2]), 5 * MB)
        self.assertEqual(first.files["media"][2] + second.files["media"][2], raw)
        self.assertEqual(final.form, {"command": "FINALIZE", "media_id": MEDIA_ID})
        self.assertEqual(tweet.json["media"], {"media_ids": [MEDIA_ID]})
        self.assertEqual(message.state, "sent")

    def test_video_in_a_dm_waits_for_x_processing(self):
        video = self.file("clip.mp4", mp4(10), "video/mp4")
        message = reply_with_files(self.ticket, self.agent, "", video, private=True)
        x = (
            FakeX()
            .on("POST", UPLOAD, INIT)
            .on("POST", UPLOAD, APPENDED)
            .on("POST", UPLOAD, finalized("pending", 1))
            .on("GET", UPLOAD, status("in_progress", 2))
            .on("GET", UPLOAD, status("succeeded"))
            .on("POST", DM_TO_JANE, DM_SENT, status=201)
        )
        self.send_queued(x)
        init, _append, _final, poll, _poll, dm = x.calls
        self.assertEqual(init.form["media_category"], "dm_video")
        self.assertEqual(init.form["media_type"], "video/mp4")
        self.assertEqual(poll.params, {"command": "STATUS", "media_id": MEDIA_ID})
        self.assertEqual(self.waits, [1, 2])  # as X said, check_after_secs
        self.assertEqual(dm.json, {"attachments": [{"media_id": MEDIA_ID}]})
        self.assertEqual(message.state, "sent")

    def test_long_processing_comes_back_later_without_uploading_again(self):
        video = self.file("clip.mp4", mp4(60), "video/mp4")
        message = reply_with_files(self.ticket, self.agent, "The fix", video)
        x = (
            FakeX()
            .on("POST", UPLOAD, INIT)
            .on("POST", UPLOAD, APPENDED)
            .on("POST", UPLOAD, finalized("pending", 30))
        )
        before = fields.Datetime.now()
        self.send_queued(x)
        self.assertEqual(message.state, "queued")
        self.assertIn("still processing", message.error)
        self.assertGreaterEqual(message.next_attempt_at, before + timedelta(seconds=29))
        self.assertEqual(message.attempts, 0)  # waiting is no failed attempt
        self.assertFalse(self.waits)  # the worker did not wait 30 s
        message.next_attempt_at = fields.Datetime.now() - timedelta(seconds=1)
        x = (
            FakeX()
            .on("GET", UPLOAD, status("succeeded"))
            .on("POST", TWEETS, POSTED, status=201)
        )
        self.send_queued(x)
        _status, tweet = x.calls  # no INIT, APPEND or FINALIZE again
        self.assertEqual(tweet.json["media"], {"media_ids": [MEDIA_ID]})
        self.assertEqual(message.state, "sent")

    def test_processing_failure_fails_the_reply(self):
        video = self.file("clip.mp4", mp4(5), "video/mp4")
        message = reply_with_files(self.ticket, self.agent, "See", video)
        x = (
            FakeX()
            .on("POST", UPLOAD, INIT)
            .on("POST", UPLOAD, APPENDED)
            .on("POST", UPLOAD, finalized("pending", 1))
            .on("GET", UPLOAD, status("failed", error="Unsupported video format"))
        )
        self.send_queued(x)
        self.assertEqual(message.state, "failed")
        self.assertIn("Unsupported video format", message.error)
        self.assertFalse(message.twitter_media_uploads)  # a retry uploads anew

    def test_append_without_answer_is_retried_never_uncertain(self):
        video = self.file("clip.mp4", mp4(5), "video/mp4")
        message = reply_with_files(self.ticket, self.agent, "See", video)
        x = (
            FakeX()
            .on("POST", UPLOAD, INIT)
            .on("POST", UPLOAD, requests.ReadTimeout("slow"))
        )
        self.send_queued(x)
        self.assertEqual(message.state, "queued")
        self.assertIn("media upload", message.error)

    def test_limits_are_refused_before_queueing(self):
        cases = [
            (
                self.file("big.gif", GIF_1PX + b"\x00" * (16 * MB), "image/gif"),
                False,
                r"big\.gif is 16 MB; X takes GIFs up to 15 MB",
            ),
            (
                self.file("long.mp4", mp4(141), "video/mp4"),
                True,
                r"long\.mp4 lasts 141\.0 seconds; X takes videos of 0\.5 to 140",
            ),
            (
                self.file("film.mp4", mp4(21 * 60), "video/mp4"),
                False,
                r"film\.mp4 lasts 1260\.0 seconds; X takes videos of 0\.5 to 1200",
            ),
            (
                self.file("blink.mp4", mp4(0.2), "video/mp4"),
                False,
                r"blink\.mp4 lasts 0\.2 seconds",
            ),
            (
                self.file("odd.mp4", b"\x00\x00\x00\x18ftypmp42", "video/mp4"),
                False,
                r"length of the video odd\.mp4 cannot be read",
            ),
            (
                self.file("a.gif", GIF_1PX, "image/gif")
                | self.file("b.png", GIF_1PX, "image/png"),
                False,
                r"GIF or a video alone",
            ),
            (
                self.file("a.mp4", mp4(3), "video/mp4")
                | self.file("b.mp4", mp4(3), "video/mp4"),
                True,
                "one file per direct message",
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

    def test_a_video_of_three_minutes_goes_on_a_post(self):
        # 140 s is the DM's limit; a post takes 20 minutes (best-practices).
        video = self.file("demo.mp4", mp4(180), "video/mp4")
        message = reply_with_files(self.ticket, self.agent, "Watch", video)
        self.assertEqual(message.state, "queued")
