"""The provider-agnostic shape of what a platform tells us.

A connector's parser turns one raw event payload into a :class:`ParsedEvent`;
the base addon turns that into messages, identities and tickets. Nothing here
knows about Odoo, so parsers are tested without a database.
"""

from dataclasses import dataclass, field
from datetime import datetime

# Channels, i.e. the surface a message lives on. The base maps each one to a
# helpdesk.ticket.channel and knows whether it is public or private.
CHANNELS = (
    "x_public",  # X posts: mentions, replies, quotes
    "x_dm",  # X direct messages
    "facebook_comment",  # Facebook Page comments and visitor posts
    "messenger",  # Facebook Messenger
    "instagram_comment",  # Instagram comments and mentions
    "instagram_dm",  # Instagram direct messages
)
PRIVATE_CHANNELS = ("x_dm", "messenger", "instagram_dm")
ACTIONS = ("create", "edit", "delete")


class PayloadError(ValueError):
    """The payload cannot be understood: kept as an error, never raised further."""


@dataclass(frozen=True)
class Author:
    """Who wrote a message, as the platform identifies them."""

    external_id: str
    handle: str = ""
    name: str = ""
    avatar_url: str = ""
    profile_url: str = ""
    followers_count: int | None = None
    email: str = ""
    phone: str = ""


@dataclass(frozen=True)
class Attachment:
    """A media file to download (from the platform's own hosts only)."""

    url: str
    kind: str = "file"  # image, video, audio, file
    name: str = ""
    mimetype: str = ""


@dataclass(frozen=True)
class OriginPost:
    """The post a public conversation started under, as far as the payload tells.

    The post a customer commented on or replied under (or, in private, the ad
    or post a conversation came from). ``from_account`` is True only when the
    platform says the connected account wrote it; False means "not known to".
    """

    external_id: str
    permalink: str = ""
    text: str = ""
    from_account: bool = False
    kind: str = "post"  # post, media, reel, ad, story, tweet


@dataclass
class SocialMessage:
    """One post, comment or direct message, normalized.

    ``account_ref`` is the platform's id of the connected account the message
    concerns (page id, X user id): one delivery can concern several accounts.
    ``thread_key`` groups messages of one conversation into one ticket.
    ``from_account`` marks the account's own messages (echoes, own posts).
    ``origin_post`` is the post the conversation started under, when known.
    ``original_text`` is the text as the platform wrote it, when ``text`` shows
    it otherwise (shortened links expanded). ``version_id`` is the platform's id
    of this version of an edited post, whose ``external_id`` stays the first's.
    """

    account_ref: str
    external_id: str
    channel: str
    thread_key: str
    action: str = "create"
    kind: str = "comment"  # mention, reply, quote, comment, visitor_post, dm
    text: str = ""
    author: Author | None = None
    parent_external_id: str = ""
    permalink: str = ""
    created_at: datetime | None = None  # naive UTC
    from_account: bool = False
    attachments: tuple = ()
    app_metadata: str = ""  # what we attached when sending (Meta echo metadata)
    origin_post: OriginPost | None = None
    # Another app (e.g. the platform's own inbox) answers this conversation:
    # we keep the message for the record, it is not ours to answer.
    handled_elsewhere: bool = False
    original_text: str = ""
    version_id: str = ""

    @property
    def is_private(self):
        return self.channel in PRIVATE_CHANNELS

    def __post_init__(self):
        if self.channel not in CHANNELS:
            raise PayloadError(f"unknown channel {self.channel!r}")
        if self.action not in ACTIONS:
            raise PayloadError(f"unknown action {self.action!r}")
        if not self.external_id or not self.thread_key or not self.account_ref:
            raise PayloadError("a message needs an id, a thread key and an account")


@dataclass(frozen=True)
class AccountSignal:
    """Something that happened to the account itself, or was done with its rights
    outside the helpdesk (e.g. access revoked, messaging restricted, a comment
    hidden in the platform's own apps).

    ``target`` is the platform id of the message it concerns, if any; ``at``
    when the platform says it happened (naive UTC), if it does.
    """

    account_ref: str
    kind: str  # "revoked", "restricted", "hidden", "unhidden"
    detail: str = ""
    target: str = ""
    at: datetime | None = None


@dataclass
class ParsedEvent:
    """What one stored event means: messages, account signals, and what was skipped."""

    messages: list = field(default_factory=list)
    signals: list = field(default_factory=list)
    ignored: list = field(default_factory=list)  # human-readable reasons


@dataclass(frozen=True)
class ParsedDelivery:
    """One unit of a webhook delivery or poll page, to be stored as one event.

    ``delivery_key`` must be stable across redeliveries of the same thing, so
    the database's unique index drops duplicates.
    """

    account_ref: str
    delivery_key: str
    event_type: str
    payload: dict
