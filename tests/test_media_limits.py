"""The media limits the connectors check before queueing, at their boundaries.

Ground truth: X's media page (images 5 MB; 4 per post; 1 per DM) and Meta's
Send API / Instagram attachment-upload pages (images 8 MB, others 25 MB;
Instagram's listed formats), as cited in the tools.
"""

import pytest

from odoo.addons.social_care_meta.tools.meta_limits import check_media as meta_check
from odoo.addons.social_care_meta.tools.meta_limits import media_kind
from odoo.addons.social_care_twitter.tools.x_media import check_media as x_check

MB = 1024 * 1024


@pytest.mark.parametrize(
    "files, private, code",
    [
        ([("a.png", "image/png", 5 * MB)], False, None),
        ([("a.png", "image/png", 5 * MB + 1)], False, "size"),
        ([("a.webp", "image/webp", 10)], True, None),
        ([("a.gif", "image/gif", 10)], False, "type"),  # GIF needs chunked upload
        ([("a.mp4", "video/mp4", 10)], True, "type"),
        ([("a.png", "image/png", 1)] * 4, False, None),
        ([("a.png", "image/png", 1)] * 5, False, "count"),
        ([("a.png", "image/png", 1)] * 2, True, "count"),
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
