"""What Meta allows before we send: text length per surface, the messaging
windows, and private replies. Checked before queueing, so an agent learns
at once why a reply cannot go out instead of after a failed send.
"""

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
