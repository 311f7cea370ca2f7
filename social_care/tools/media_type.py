"""The type a downloaded media file is stored as: what its bytes show.

The platform's announcement (kind, mimetype, file name) comes from the
payload, and the server's Content-Type from whoever answered: neither is
trusted. Markup is never stored (it is how a script would slip in), an
announced image must be one, and a file whose bytes nothing recognises is
stored as ``application/octet-stream``, never as the type it claimed.
"""

OCTET_STREAM = "application/octet-stream"

# Refusal codes (the ORM layer has a message for each).
IS_MARKUP = "markup"
NOT_AN_IMAGE = "not_an_image"
CODES = (IS_MARKUP, NOT_AN_IMAGE)


def is_markup(mimetype):
    """HTML, XML or SVG (Office's XML formats aside), as Odoo tells them apart."""
    return (
        "html" in mimetype
        or "javascript" in mimetype
        or ("xml" in mimetype and not mimetype.startswith("application/vnd.openxml"))
    )


def sniff_audio_video(content):
    """The audio/video type of ``content`` by its leading bytes, or ''
    (Odoo's ``guess_mimetype`` knows images and documents only)."""
    head = content[:12]
    if head[4:8] == b"ftyp":  # ISO base media (MP4, MOV, M4A)
        return "video/mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3"):  # Matroska / WebM
        return "video/webm"
    if head.startswith(b"OggS"):
        return "audio/ogg"
    if head.startswith(b"ID3") or head[:2] in (b"\xff\xfb", b"\xff\xf3", b"\xff\xf2"):
        return "audio/mpeg"
    if head.startswith(b"RIFF") and head[8:12] == b"WAVE":
        return "audio/wav"
    return ""


def stored_type(sniffed, content, kind="", announced=""):
    """``(mimetype, None)`` to store the file as, or ``(None, code)``.

    ``sniffed``: what Odoo's ``guess_mimetype`` read from ``content``;
    ``kind`` and ``announced``: the payload's word (image, video, ...).
    """
    if is_markup(sniffed):
        return None, IS_MARKUP
    if sniffed == OCTET_STREAM:
        sniffed = sniff_audio_video(content) or OCTET_STREAM
    announced_image = kind == "image" or (announced or "").startswith("image/")
    if announced_image and not sniffed.startswith("image/"):
        return None, NOT_AN_IMAGE
    return sniffed, None
