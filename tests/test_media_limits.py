"""The media limits the connectors check before queueing, at their boundaries.

Ground truth: X's media pages (images 5 MB, 4 per post; a GIF 15 MB or a
video 512 MB alone; video 0.5 s to 20 minutes on a post, 140 s in a DM; 1 file
per DM) and Meta's
Send API / Instagram attachment-upload pages (images 8 MB, others 25 MB;
Instagram's listed formats), as cited in the tools.
"""

import io
import struct

import pytest

from odoo.addons.social_care_meta.tools.meta_limits import check_media as meta_check
from odoo.addons.social_care_meta.tools.meta_limits import media_kind
from odoo.addons.social_care_twitter.tools.x_media import check_media as x_check
from odoo.addons.social_care_twitter.tools.x_media import (
    processing_step,
    segments,
    video_seconds,
)

MB = 1024 * 1024


@pytest.mark.parametrize(
    "files, private, code",
    [
        ([("a.png", "image/png", 5 * MB, None)], False, None),
        ([("a.png", "image/png", 5 * MB + 1, None)], False, "size"),
        ([("a.webp", "image/webp", 10, None)], True, None),
        # GIF and video went from "type" to taken with the chunked upload
        # (issue 13): GIF 15 MB, video 512 MB, 0.5 s to 20 min / 140 s in a DM.
        ([("a.gif", "image/gif", 15 * MB, None)], False, None),
        ([("a.gif", "image/gif", 15 * MB + 1, None)], True, "size"),
        ([("a.mp4", "video/mp4", 10, 140)], True, None),
        ([("a.mp4", "video/mp4", 10, 140.1)], True, "duration"),
        ([("a.mp4", "video/mp4", 10, 1200)], False, None),
        ([("a.mp4", "video/mp4", 10, 1200.1)], False, "duration"),
        ([("a.mov", "video/quicktime", 10, 0.5)], False, None),
        ([("a.mov", "video/quicktime", 10, 0.49)], False, "duration"),
        ([("a.mp4", "video/mp4", 512 * MB + 1, 10)], False, "size"),
        ([("a.mp4", "video/mp4", 10, None)], False, "unreadable"),
        ([("a.avi", "video/x-msvideo", 10, None)], True, "type"),
        (
            [("a.gif", "image/gif", 1, None), ("b.png", "image/png", 1, None)],
            False,
            "alone",
        ),
        ([("a.png", "image/png", 1, None)] * 4, False, None),
        ([("a.png", "image/png", 1, None)] * 5, False, "count"),
        ([("a.png", "image/png", 1, None)] * 2, True, "count"),
    ],
)
def test_x_limits(files, private, code):
    problem = x_check(files, private)
    assert (problem.code if problem else None) == code


@pytest.mark.parametrize(
    "channel, mimetype, size, code",
    [
        ("messenger", "image/jpeg", 8 * MB, None),
        ("messenger", "image/jpeg", 8 * MB + 1, "size"),
        ("messenger", "application/zip", 25 * MB, None),
        ("messenger", "video/mp4", 25 * MB + 1, "size"),
        ("instagram_dm", "image/gif", 10, None),
        ("instagram_dm", "image/webp", 10, "type"),
        ("instagram_dm", "audio/wav", 25 * MB, None),
        ("instagram_dm", "application/zip", 10, "type"),
        ("instagram_dm", "application/pdf", 10, None),
        ("facebook_comment", "image/png", 4 * MB, None),
        ("facebook_comment", "image/png", 4 * MB + 1, "size"),
        ("facebook_comment", "video/mp4", 10, "type"),
        ("instagram_comment", "image/png", 10, "none"),
    ],
)
def test_meta_limits(channel, mimetype, size, code):
    problem = meta_check(channel, [("f", mimetype, size)])
    assert (problem.code if problem else None) == code


def test_meta_one_file_per_reply_and_kinds():
    assert meta_check("messenger", [("a", "image/png", 1)] * 2).code == "count"
    assert [media_kind(t) for t in ("image/png", "video/mp4", "audio/aac", "")] == [
        "image",
        "video",
        "audio",
        "file",
    ]


def _mp4(version, timescale, duration):
    """ftyp, then moov/mvhd as ISO/IEC 14496-12 8.2.2 lays it out (v0 or v1)."""
    ftyp = struct.pack(">I4s4sI", 16, b"ftyp", b"isom", 512)
    if version:
        body = struct.pack(">B3xQQIQ", 1, 0, 0, timescale, duration)
    else:
        body = struct.pack(">B3xIIII", 0, 0, 0, timescale, duration)
    body += b"\x00" * 80
    mvhd = struct.pack(">I4s", 8 + len(body), b"mvhd") + body
    return ftyp + struct.pack(">I4s", 8 + len(mvhd), b"moov") + mvhd


@pytest.mark.parametrize(
    "raw, seconds",
    [
        (_mp4(0, 600, 600 * 140), 140),
        (_mp4(1, 90000, 90000 * 12), 12),
        (_mp4(0, 0, 10), None),  # no timescale
        (b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 16, None),  # no moov
        (b"\x00\x00\x01\x00moov", None),  # a box longer than the file
        (b"\x00\x00\x00\x01moov\x00\x00", None),  # a 64-bit size cut short
    ],
)
def test_video_seconds_reads_mvhd(raw, seconds):
    assert video_seconds(io.BytesIO(raw)) == seconds


def test_processing_steps_follow_x_status():
    assert processing_step({"id": "1"}) == ("ready", None)
    assert processing_step({"processing_info": {"state": "succeeded"}})[0] == "ready"
    pending = {"processing_info": {"state": "pending", "check_after_secs": 5}}
    assert processing_step(pending) == ("poll", 5)
    assert processing_step(pending, polls_done=3) == ("later", 5)
    slow = {"processing_info": {"state": "in_progress", "check_after_secs": 6}}
    assert processing_step(slow) == ("later", 6)
    failed = {
        "processing_info": {
            "state": "failed",
            "error": {"code": 1, "name": "InvalidMedia", "message": "Bad codec"},
        }
    }
    assert processing_step(failed) == ("failed", "Bad codec")


def test_segments_cover_the_file_in_chunks_under_5_mb():
    ranges = segments(9 * MB)
    assert [r[0] for r in ranges] == [0, 1, 2]
    assert all(end - start <= 5 * MB for _i, start, end in ranges)
    assert (ranges[0][1], ranges[-1][2]) == (0, 9 * MB)
