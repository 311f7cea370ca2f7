"""The type a media file is stored as comes from its bytes only.

Leading bytes are the formats' published signatures (PNG, JPEG, ISO BMFF
``ftyp``, EBML, ``OggS``, ID3, RIFF/WAVE); the sniffed values are what
Odoo's ``guess_mimetype`` answers for them.
"""

import pytest

from odoo.addons.social_care.tools.media_type import (
    IS_MARKUP,
    NOT_AN_IMAGE,
    OCTET_STREAM,
    stored_type,
)


@pytest.mark.parametrize(
    "sniffed",
    [
        "text/html",
        "application/xml",
        "image/svg+xml",
        "application/xhtml+xml",
        "text/xml",
        "text/javascript",
    ],
)
def test_markup_is_never_stored_whatever_was_announced(sniffed):
    for kind, announced in (("image", ""), ("file", "text/plain"), ("video", "")):
        assert stored_type(sniffed, b"<x/>", kind, announced) == (None, IS_MARKUP)


def test_unrecognised_bytes_are_octet_stream_not_the_announced_type():
    """The review's case: a file announced as markup, bytes unknown."""
    unknown = b"\x00\x01<script>alert(1)</script>"
    for announced in ("text/html", "text/xml", "application/javascript"):
        assert stored_type(OCTET_STREAM, unknown, "file", announced) == (
            OCTET_STREAM,
            None,
        )
    # Announced as an image (SVG is one, by its type): not confirmed, refused.
    assert stored_type(OCTET_STREAM, unknown, "file", "image/svg+xml") == (
        None,
        NOT_AN_IMAGE,
    )


def test_an_announced_image_must_be_one():
    assert stored_type("application/pdf", b"%PDF", "image") == (None, NOT_AN_IMAGE)
    assert stored_type(OCTET_STREAM, b"\0", "", "image/png") == (None, NOT_AN_IMAGE)
    assert stored_type("image/png", b"\x89PNG", "image") == ("image/png", None)


@pytest.mark.parametrize(
    "head, expected",
    [
        (b"\x00\x00\x00\x18ftypmp42", "video/mp4"),
        (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81", "video/webm"),
        (b"OggS\x00\x02", "audio/ogg"),
        (b"ID3\x04\x00", "audio/mpeg"),
        (b"RIFF\x24\x08\x00\x00WAVEfmt ", "audio/wav"),
    ],
)
def test_audio_and_video_are_confirmed_by_their_bytes(head, expected):
    assert stored_type(OCTET_STREAM, head + bytes(32), "video") == (expected, None)
