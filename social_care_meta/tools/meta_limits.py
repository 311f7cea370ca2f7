"""What Meta allows before we send: text length per surface, the messaging
windows, and private replies. Checked before queueing, so an agent learns
at once why a reply cannot go out instead of after a failed send.
"""

from collections import namedtuple
from dataclasses import dataclass
from datetime import datetime, timedelta

# channel -> (limit, unit, surface name); Instagram Direct counts UTF-8 bytes.
TEXT_LIMITS = {
    "messenger": (2000, "characters", "Messenger messages"),
    "instagram_dm": (1000, "bytes", "Instagram direct messages"),
    "facebook_comment": (8000, "characters", "Facebook comments"),
    "instagram_comment": (2200, "characters", "Instagram comments"),
}
STANDARD_WINDOW = timedelta(hours=24)
HUMAN_AGENT_WINDOW = timedelta(days=7)
PRIVATE_REPLY_WINDOW = timedelta(days=7)
WINDOW_CHANNELS = ("messenger", "instagram_dm")


def check_length(channel, text):
    """None if ``text`` fits the channel's limit, else a sentence saying the limit."""
    if channel not in TEXT_LIMITS:
        raise ValueError(f"no text limit known for channel {channel!r}")
    limit, unit, surface = TEXT_LIMITS[channel]
    size = len(text.encode()) if unit == "bytes" else len(text)
    if size <= limit:
        return None
    sentence = f"{surface} are limited to {limit:,} {unit}; this one has {size:,}."
    if unit == "bytes":
        sentence += " Letters outside plain ASCII count as 2 to 4 bytes each."
    return sentence


@dataclass(frozen=True)
class Window:
    """How a direct message may be sent now.

    ``state`` is "open" (standard 24 h window), "human_agent" (up to 7 days,
    sent by a person with the HUMAN_AGENT tag) or "closed"; ``deadline`` is
    when the current state ends (when the window closed, once closed).
    """

    state: str
    deadline: datetime | None  # None when the customer never wrote
    messaging_type: str | None
    tag: str | None


def messaging_window(channel, last_customer_message_at, now):
    """The window for a Messenger or Instagram DM, from the customer's last message."""
    if channel not in WINDOW_CHANNELS:
        raise ValueError(f"{channel!r} has no messaging window")
    if last_customer_message_at is None:
        return Window("closed", None, None, None)
    if now < last_customer_message_at + STANDARD_WINDOW:
        return Window(
            "open", last_customer_message_at + STANDARD_WINDOW, "RESPONSE", None
        )
    deadline = last_customer_message_at + HUMAN_AGENT_WINDOW
    if now < deadline:
        return Window("human_agent", deadline, "MESSAGE_TAG", "HUMAN_AGENT")
    return Window("closed", deadline, None, None)


def private_reply_allowed(comment_created_at, now, already_replied):
    """None if a private reply to the comment is possible, else why not."""
    if already_replied:
        return "A private reply was already sent: Meta allows one per comment."
    if now >= comment_created_at + PRIVATE_REPLY_WINDOW:
        return (
            "Private replies are possible only within 7 days of the comment; "
            f"this one was written on {comment_created_at:%Y-%m-%d %H:%M} UTC."
        )
    return None


# Media a reply may carry, per surface: kind -> (MIME types or None for any,
# max bytes). Sources (checked 2026-12-04):
# - Messenger Send API, https://developers.facebook.com/docs/messenger-platform/reference/send-api
#   and .../send-messages/#sending-attachments : image, audio, video, file;
#   25 MB per attachment, images 8 MB; one attachment per message (a message is
#   text or an attachment, so text + file are two messages).
# - Instagram messaging, https://developers.facebook.com/documentation/business-messaging/
#   instagram-messaging/features/attachment-upload (Apr 2026): audio aac/m4a/wav/mp4
#   25 MB, image png/jpeg/gif 8 MB, video mp4/ogg/avi/mov/webm 25 MB, file pdf 25 MB;
#   uploaded from a URL or from the server (filedata), also in the send call itself.
# - Facebook comments,
#   https://developers.facebook.com/docs/graph-api/reference/object/comments/ :
#   one photo (``source`` or ``attachment_url``), message optional with it; Page
#   photos "should be less than 4 MB" as JPG, PNG, GIF, TIFF, HEIF or WebP
#   (https://developers.facebook.com/docs/graph-api/reference/page/photos/).
# - Instagram comments take no media (text only, /{ig-comment-id}/replies).
MB = 1024 * 1024
IMAGE_TYPES = ("image/jpeg", "image/png", "image/gif")
MEDIA_LIMITS = {
    "messenger": {
        "image": (IMAGE_TYPES + ("image/webp",), 8 * MB),
        "video": (None, 25 * MB),
        "audio": (None, 25 * MB),
        "file": (None, 25 * MB),
    },
    "instagram_dm": {
        "image": (IMAGE_TYPES, 8 * MB),
        "video": (
            (
                "video/mp4",
                "video/ogg",
                "video/x-msvideo",
                "video/avi",
                "video/quicktime",
                "video/webm",
            ),
            25 * MB,
        ),
        "audio": (
            ("audio/aac", "audio/x-m4a", "audio/mp4", "audio/wav", "audio/x-wav"),
            25 * MB,
        ),
        "file": (("application/pdf",), 25 * MB),
    },
    "facebook_comment": {
        "image": (
            IMAGE_TYPES + ("image/webp", "image/tiff", "image/heif", "image/heic"),
            4 * MB,
        ),
    },
}
MAX_MEDIA_PER_REPLY = 1
MediaProblem = namedtuple("MediaProblem", "code params")


def media_kind(mimetype):
    """The Send API attachment type of a MIME type: image, video, audio or file."""
    major = (mimetype or "").split("/")[0]
    return major if major in ("image", "video", "audio") else "file"


def check_media(channel, files):
    """None if Meta takes ``files`` on ``channel``, else a MediaProblem.

    ``files``: ``(name, mimetype, size)`` tuples. Codes: ``none`` (the surface
    takes no media), ``count`` (max), ``type`` (name, mimetype, kinds),
    ``size`` (name, size, max, kind).
    """
    limits = MEDIA_LIMITS.get(channel)
    if not limits:
        return MediaProblem("none", {})
    if len(files) > MAX_MEDIA_PER_REPLY:
        return MediaProblem("count", {"max": MAX_MEDIA_PER_REPLY})
    for name, mimetype, size in files:
        kind = media_kind(mimetype)
        types, max_bytes = limits.get(kind, ((), 0))
        if kind not in limits or (types is not None and mimetype not in types):
            return MediaProblem(
                "type",
                {"name": name, "mimetype": mimetype, "kinds": tuple(limits)},
            )
        if size > max_bytes:
            return MediaProblem(
                "size", {"name": name, "size": size, "max": max_bytes, "kind": kind}
            )
    return None
