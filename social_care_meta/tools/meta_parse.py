"""Meta events and Graph poll pages turned into normalized messages.

The input comes from the network, so every field is checked: data that cannot
be understood raises PayloadError (stored with the event for an admin), events
we do not handle come back as ``ignored`` reasons, and nothing else escapes.
"""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from odoo.addons.social_care.tools.normalized import (
    AccountSignal,
    Attachment,
    Author,
    OriginPost,
    ParsedEvent,
    PayloadError,
    SocialMessage,
)

from .meta_webhook import DASHBOARD_TEST_ENTRY, ig_comment_key

EPOCH = datetime(1970, 1, 1)
# Epoch values above this are milliseconds (as seconds it would be year 5138).
MILLISECONDS_FROM = 10**11
DIGITS_RE = re.compile(r"\d{1,20}", re.ASCII)
# Graph writes offsets as "+0000", which fromisoformat reads only from Python 3.11.
OFFSET_RE = re.compile(r"([+-]\d{2})(\d{2})$", re.ASCII)
MEDIA_KINDS = ("image", "video", "audio", "file")
FEED_POST_ITEMS = ("post", "status", "photo", "video")
VERB_ACTIONS = {"add": "create", "edited": "edit", "remove": "delete"}
# Feed verbs of a comment or post hidden or shown again in Meta's own apps.
MODERATION_VERBS = {"hide": "hidden", "unhide": "unhidden"}
# Recommendations (Page ``ratings`` field): the kind a routing rule matches.
RECOMMENDATION_KINDS = {
    "positive": "recommendation",
    "negative": "negative_recommendation",
}
# Where a Messenger conversation was opened from (``referral.source``).
REFERRAL_SOURCES = {
    "ADS": "an ad",
    "SHORTLINK": "an m.me link",
    "MESSENGER_CODE": "a Messenger code",
    "CUSTOMER_CHAT_PLUGIN": "the website chat plugin",
    "DISCOVER_TAB": "Messenger's Discover tab",
}
# Messenger-platform events saying the account's messaging was restricted.
POLICY_KEYS = ("policy-enforcement", "policy_enforcement")
# Graph comment attachment types that are a picture or a video to download.
GRAPH_IMAGE_TYPES = ("photo", "animated_image_share", "animated_image_autoplay")
GRAPH_VIDEO_TYPES = ("video_inline", "video_autoplay")
MESSAGING_RECEIPTS = {
    "delivery": "delivery receipt",
    "read": "read receipt",
    "reaction": "reaction",
    "referral": "referral (ad, link or QR code) without a message",
}


@dataclass(frozen=True)
class _Surface:
    """Where a Messenger-platform event lives: Messenger or Instagram Direct."""

    channel: str
    thread_prefix: str
    label: str


MESSENGER = _Surface("messenger", "messenger:", "Messenger")
INSTAGRAM_DM = _Surface("instagram_dm", "igdm:", "Instagram")
PRIVATE_SURFACE_OF_COMMENTS = {
    "facebook_comment": MESSENGER,
    "instagram_comment": INSTAGRAM_DM,
}


def private_reply_thread_key(comment_channel, recipient_id):
    """The DM thread a private reply to a comment opens, or "" if unknown.

    Meta answers a private reply with the ``recipient_id`` it delivered to
    (the person's page- or Instagram-scoped id): their answers come in
    Messenger or Instagram Direct from that id, in this thread.
    """
    surface = PRIVATE_SURFACE_OF_COMMENTS.get(comment_channel)
    recipient = str(recipient_id or "")
    if not surface or not recipient.isdigit():
        return ""
    return surface.thread_prefix + recipient


# --- checked access to untrusted data ------------------------------------------


def _dict(value, what):
    if not isinstance(value, dict):
        raise PayloadError(f"{what} must be an object, not {type(value).__name__}")
    return value


def _sub(parent, key, what):
    """An optional nested object: {} when absent, PayloadError when not an object."""
    value = parent.get(key)
    return {} if value is None else _dict(value, what)


def _list(parent, key, what):
    value = parent.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise PayloadError(f"{what} must be a list, not {type(value).__name__}")
    return value


def _id(value, what):
    if isinstance(value, str) and value.strip():
        return value.strip()
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise PayloadError(f"{what} is missing or not an id: {value!r:.60}")


def _opt_id(value, what):
    return "" if value is None or value == "" else _id(value, what)


def _text(value, what):
    if value is None:
        return ""
    if not isinstance(value, str):
        raise PayloadError(f"{what} must be text, not {type(value).__name__}")
    return value


def _first(mapping, *keys):
    """The first of ``keys`` that is set, as Meta spells some ids two ways."""
    return next((mapping[key] for key in keys if mapping.get(key) is not None), None)


def _when(value, what):
    """Naive UTC from epoch seconds or milliseconds (numbers or digits) or ISO 8601."""
    if value is None or value == "":
        return None
    if isinstance(value, str) and DIGITS_RE.fullmatch(value):
        value = int(value)
    try:
        if isinstance(value, int | float) and not isinstance(value, bool):
            seconds = value / 1000 if abs(value) >= MILLISECONDS_FROM else value
            return EPOCH + timedelta(seconds=seconds)
        if isinstance(value, str):
            moment = datetime.fromisoformat(OFFSET_RE.sub(r"\1:\2", value))
            if moment.tzinfo is not None:
                moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
            return moment
    except (ValueError, OverflowError) as error:
        raise PayloadError(f"{what} is not a valid time: {value!r:.60}") from error
    raise PayloadError(f"{what} is not a time: {type(value).__name__}")


def _author(sender, what):
    """The author from a ``{id, name?, username?}`` object; None when Meta omits it."""
    if sender is None:
        return None
    sender = _dict(sender, what)
    username = _text(sender.get("username"), f"{what}.username")
    return Author(
        external_id=_id(sender.get("id"), f"{what}.id"),
        name=_text(sender.get("name"), f"{what}.name"),
        handle=username,  # only Instagram has usernames
        profile_url=f"https://www.instagram.com/{username}" if username else "",
    )


def _ignored(reason):
    return ParsedEvent(ignored=[reason])


def _change_value(payload):
    change = _dict(payload.get("change"), "the event's change")
    return _dict(change.get("value"), "the change's value")


# --- origin posts -----------------------------------------------------------------


def _page_post(post_id, post, account_ref):
    """The Page post a comment is under; ``post``: the webhook's or Graph's object.

    Its author is told only when Graph gives ``from``: otherwise it is not
    known to be the Page's own post (visitors post on Pages too).
    """
    author = _sub(post, "from", "post from")
    return OriginPost(
        external_id=post_id,
        permalink=_text(post.get("permalink_url"), "post permalink_url"),
        text=_text(post.get("message"), "post message"),
        from_account=_opt_id(author.get("id"), "post from.id") == account_ref,
        kind="post",
    )


def _instagram_media(media):
    """The account's media an Instagram comment is on (the comments webhook
    only reports comments on the account's own media); an ad says so.

    The webhook tells the id and the surface; the poll reads the media itself,
    with its caption and link.
    """
    media_id = _id(media.get("id"), "Instagram comment media.id")
    product = _text(media.get("media_product_type"), "media_product_type")
    ad_title = _text(media.get("ad_title"), "media ad_title")
    is_ad = product == "AD" or media.get("ad_id") is not None
    return OriginPost(
        external_id=media_id,
        permalink=_text(media.get("permalink"), "media permalink"),
        text=ad_title or _text(media.get("caption"), "media caption"),
        from_account=True,
        kind="ad" if is_ad else (product.lower() or "media"),
    )


def _referral_origin(referral):
    """The ad or post a private conversation came from (Messenger ``referral``)."""
    context = _sub(referral, "ads_context_data", "referral ads_context_data")
    ad_id = _opt_id(referral.get("ad_id"), "referral ad_id")
    post_id = _opt_id(context.get("post_id"), "ads_context_data post_id")
    if not (post_id or ad_id):
        return None
    return OriginPost(
        external_id=post_id or ad_id,
        text=_text(context.get("ad_title"), "ads_context_data ad_title"),
        from_account=True,  # an ad is always the account's own
        kind="ad" if ad_id else "post",
    )


def _message_origin(message):
    """An ad or post referral, or the account's story a message replies to."""
    referral = _sub(message, "referral", "message referral")
    if referral:
        return _referral_origin(referral)
    story = _sub(_sub(message, "reply_to", "message reply_to"), "story", "story")
    if story.get("id") is not None:
        return OriginPost(
            external_id=_id(story["id"], "reply_to story id"),
            from_account=True,
            kind="story",
        )
    return None


# --- Facebook Page feed ---------------------------------------------------------


def _fb_comment(account_ref, comment_id, post_id, parent_id, author, **fields):
    """A Facebook comment; its ticket is the top-level comment's.

    Top-level comments have the post as parent; replies have the top-level
    comment (Facebook nests one level), so that is the thread for both. The
    parent stays named: under a visitor post, which is recorded as the
    visitor's message, the base puts every comment in the post's thread
    (``fb:post:<id>``); the Page's own posts are not recorded, so their
    comments keep a thread each.
    """
    is_reply = bool(parent_id) and parent_id != post_id
    top_level = parent_id if is_reply else comment_id
    return SocialMessage(
        account_ref=account_ref,
        external_id=comment_id,
        channel="facebook_comment",
        thread_key=f"fb:comment:{top_level}",
        kind="reply" if is_reply else "comment",
        parent_external_id=parent_id if is_reply else post_id,
        author=author,
        from_account=author is not None and author.external_id == account_ref,
        **fields,
    )


def _feed_media(value, item):
    """Pictures and videos a feed event links to (a comment's photo, a photo post)."""
    urls = [(_text(value.get("photo"), "feed photo"), "image")]
    if item in ("photo", "video"):  # for other items the link is a shared page
        kind = "image" if item == "photo" else "video"
        urls.append((_text(value.get("link"), "feed link"), kind))
    for index, url in enumerate(_list(value, "photos", "feed photos")):
        urls.append((_text(url, f"feed photo {index}"), "image"))
    return tuple(Attachment(url=url, kind=kind) for url, kind in urls if url)


def _feed_moderation(payload, account_ref, target, verb):
    """A comment or post hidden, or shown again, in Meta's own apps.

    Only someone managing the Page can do it; the change names the comment
    (its ``from`` is the comment's author, not who hid it) and the
    notification's time is when it was done.
    """
    signal = AccountSignal(
        account_ref=account_ref,
        kind=MODERATION_VERBS[verb],
        target=target,
        at=_when(payload.get("time"), "time"),
    )
    return ParsedEvent(signals=[signal])


def _parse_feed(payload, account_ref):
    value = _change_value(payload)
    item = _text(value.get("item"), "feed item")
    verb = _text(value.get("verb"), "feed verb")
    if not item or not verb:
        raise PayloadError("a feed change needs an item and a verb")
    if item != "comment" and item not in FEED_POST_ITEMS:
        return _ignored(f"Facebook {item} {verb} events are not handled")
    post_id = _id(value.get("post_id"), "feed post_id")
    target = (
        post_id if item != "comment" else _id(value.get("comment_id"), "comment_id")
    )
    if verb in MODERATION_VERBS:
        return _feed_moderation(payload, account_ref, target, verb)
    if verb not in VERB_ACTIONS:
        return _ignored(f"Facebook {item} {target} {verb}: not handled")
    author = _author(value.get("from"), "feed from")
    fields = {
        "action": VERB_ACTIONS[verb],
        "text": _text(value.get("message"), "feed message"),
        "created_at": _when(value.get("created_time"), "feed created_time"),
        "attachments": _feed_media(value, item),
    }
    post = _sub(value, "post", "feed post")
    post_link = _text(post.get("permalink_url"), "post permalink_url")
    if item == "comment":
        message = _fb_comment(
            account_ref,
            target,
            post_id,
            _opt_id(value.get("parent_id"), "feed parent_id"),
            author,
            permalink=post_link or f"https://www.facebook.com/{target}",
            origin_post=_page_post(post_id, post, account_ref),
            **fields,
        )
        return ParsedEvent(messages=[message])
    if author is not None and author.external_id == account_ref:
        return _ignored(f"Facebook post {post_id} {verb} by the page itself")
    message = _visitor_post(account_ref, post_id, author, post_link, **fields)
    return ParsedEvent(messages=[message])


def _visitor_post(account_ref, post_id, author, permalink, **fields):
    """Someone else's post on the Page: its author's conversation, with every
    comment under it (they name the post as parent)."""
    return SocialMessage(
        account_ref=account_ref,
        external_id=post_id,
        channel="facebook_comment",
        thread_key=f"fb:post:{post_id}",
        kind="visitor_post",
        author=author,
        permalink=permalink or f"https://www.facebook.com/{post_id}",
        **fields,
    )


# --- Messenger and Instagram Direct -------------------------------------------


def _attachment_note(kind, payload):
    title = _text(payload.get("title"), "attachment title")
    url = _text(_first(payload, "url", "URL"), "attachment url")
    return " ".join(part for part in (f"[{kind or 'attachment'}]", title, url) if part)


def _coordinate(value, what):
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    raise PayloadError(f"{what} must be a number, not {type(value).__name__}")


def _location_note(payload, what):
    """A shared location as text with a map link (Meta sends only coordinates)."""
    place = _sub(payload, "coordinates", f"{what} coordinates")
    if not place:
        return _attachment_note("location", payload)
    lat = _coordinate(place.get("lat"), f"{what} latitude")
    lon = _coordinate(place.get("long"), f"{what} longitude")
    link = f"https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map=17/{lat}/{lon}"
    title = _text(payload.get("title"), f"{what} title")
    return " ".join(
        part for part in ("[location]", title, f"{lat}, {lon}", link) if part
    )


def _story_attachment(payload, what, name):
    """A story's picture or video, to store while its CDN link still works."""
    url = _text(_first(payload, "url", "story_media_url"), f"{what} url")
    return Attachment(url=url, kind="file", name=name) if url else None


def _is_story_mention(message):
    return any(
        isinstance(raw, dict) and raw.get("type") == "story_mention"
        for raw in _list(message, "attachments", "message attachments")
    )


def _message_content(message):
    """Text (with notes for what cannot be attached) and downloadable attachments."""
    parts = [_text(message.get("text"), "message text")]
    attachments = []
    for index, raw in enumerate(_list(message, "attachments", "message attachments")):
        what = f"attachment {index}"
        raw = _dict(raw, what)
        kind = _text(raw.get("type"), f"{what} type")
        payload = _sub(raw, "payload", f"{what} payload")
        url = _text(payload.get("url"), f"{what} url")
        story = None
        # Until 2026-08-30 stickers also came as images carrying a sticker_id.
        if kind == "sticker" or payload.get("sticker_id") is not None:
            parts.append("[sticker]")
        elif kind in MEDIA_KINDS and url:
            attachments.append(Attachment(url=url, kind=kind))
        elif kind == "location":
            parts.append(_location_note(payload, what))
        elif kind == "story_mention":
            parts.append("[mentioned the account in their story]")
            story = _story_attachment(payload, what, "story-mention")
        elif kind == "ig_story":
            parts.append(_attachment_note("story", payload))
            story = _story_attachment(payload, what, "story")
        else:
            # A link share (fallback) has its title and URL on the attachment.
            parts.append(_attachment_note(kind, {**raw, **payload}))
        if story:
            attachments.append(story)
    reply_to = _sub(message, "reply_to", "message reply_to")
    if "story" in reply_to:
        parts.append("[reply to a story]")
        replied_story = _sub(reply_to, "story", "story")
        story = _story_attachment(replied_story, "reply_to story", "replied-story")
        if story:
            attachments.append(story)
    if message.get("is_unsupported") is True:
        parts.append("[unsupported message]")
    return "\n".join(part for part in parts if part), tuple(attachments)


def _sender(event):
    return _id(_sub(event, "sender", "sender").get("id"), "sender.id")


def _dm(surface, account_ref, event, external_id, is_echo=False, **fields):
    """A direct message; its ticket is the customer's (the party that is not us).

    ``fields`` may set the ``kind`` (a story mention is a mention).
    """
    sender = _sender(event)
    recipient = _id(_sub(event, "recipient", "recipient").get("id"), "recipient.id")
    from_account = is_echo or sender == account_ref
    customer = recipient if from_account else sender
    return SocialMessage(
        account_ref=account_ref,
        external_id=external_id,
        channel=surface.channel,
        thread_key=surface.thread_prefix + customer,
        author=Author(external_id=sender),
        from_account=from_account,
        created_at=_when(event.get("timestamp"), "timestamp"),
        **{"kind": "dm", **fields},
    )


def _parse_messaging(payload, account_ref, surface):
    event = _dict(payload.get("messaging"), "the messaging event")
    if "message" in event:
        message = _dict(event["message"], "message")
        mid = _id(message.get("mid"), "message mid")
        reply_to = _sub(message, "reply_to", "message reply_to")
        fields = {
            "is_echo": message.get("is_echo") is True,
            "app_metadata": _text(message.get("metadata"), "echo metadata"),
            "parent_external_id": _opt_id(reply_to.get("mid"), "reply_to mid"),
        }
        if message.get("is_deleted") is True:
            return ParsedEvent(
                messages=[
                    _dm(surface, account_ref, event, mid, action="delete", **fields)
                ]
            )
        text, attachments = _message_content(message)
        dm = _dm(
            surface,
            account_ref,
            event,
            mid,
            text=text,
            attachments=attachments,
            origin_post=_message_origin(message),
            kind="mention" if _is_story_mention(message) else "dm",
            **fields,
        )
        return ParsedEvent(messages=[dm])
    if "message_edit" in event:
        edit = _dict(event["message_edit"], "message_edit")
        mid = _id(edit.get("mid"), "message_edit mid")
        text = _text(edit.get("text"), "message_edit text")
        return ParsedEvent(
            messages=[_dm(surface, account_ref, event, mid, action="edit", text=text)]
        )
    if "postback" in event:  # a button the customer tapped: its title is what they said
        postback = _dict(event["postback"], "postback")
        external_id = _opt_id(postback.get("mid"), "postback mid") or (
            f"postback:{_sender(event)}:{_id(event.get('timestamp'), 'timestamp')}"
        )
        # Without a title, the payload the button carries says which it was.
        text = (
            _text(postback.get("title"), "postback title")
            or " ".join(
                ("[button]", _text(postback.get("payload"), "postback payload"))
            ).strip()
        )
        referral = _sub(postback, "referral", "postback referral")
        note = _referral_note(referral)
        return ParsedEvent(
            messages=[
                _dm(
                    surface,
                    account_ref,
                    event,
                    external_id,
                    text="\n".join(part for part in (text, note) if part),
                    origin_post=_referral_origin(referral) if referral else None,
                )
            ]
        )
    policy = next((event[key] for key in POLICY_KEYS if key in event), None)
    if policy is not None:
        return _policy_enforcement(_dict(policy, "policy enforcement"), account_ref)
    for key, label in MESSAGING_RECEIPTS.items():
        if key in event:
            return _ignored(f"{surface.label} {label}")
    keys = sorted(
        str(k) for k in event if k not in ("sender", "recipient", "timestamp")
    )
    return _ignored(
        f"{surface.label} event {', '.join(keys) or '(empty)'}: not handled"
    )


def _referral_note(referral):
    """Where a conversation was opened from (Get Started after an ad, a link...)."""
    if not referral:
        return ""
    source = _text(referral.get("source"), "referral source")
    ref = _text(referral.get("ref"), "referral ref")
    where = REFERRAL_SOURCES.get(source, source.lower().replace("_", " ") or "a link")
    return f"[opened from {where}" + (f", ref {ref}]" if ref else "]")


def _policy_enforcement(policy, account_ref):
    """Meta blocked (or unblocked) the account's messaging for a policy breach."""
    action = _text(policy.get("action"), "policy enforcement action")
    reason = _text(policy.get("reason"), "policy enforcement reason")
    if action == "unblock":
        return _ignored(f"Meta lifted its messaging restriction: {reason}".strip())
    return ParsedEvent(
        signals=[AccountSignal(account_ref, "restricted", f"{action}: {reason}")]
    )


def _parse_standby(payload, account_ref, surface):
    """A conversation another app (e.g. the Page inbox) controls: Meta copies
    its events to us on ``standby``. Its messages are kept, marked as handled
    elsewhere; what it ignores as a message, a standby event ignores too.
    """
    parsed = _parse_messaging(payload, account_ref, surface)
    for message in parsed.messages:
        message.handled_elsewhere = True
    parsed.ignored = [
        f"{reason} (standby: another app controls this conversation)"
        for reason in parsed.ignored
    ]
    return parsed


# --- Facebook Page recommendations --------------------------------------------


def _parse_ratings(payload, account_ref):
    """A recommendation of the Page (``ratings`` field): with text, a public
    conversation answered by a comment on its ``open_graph_story_id``.

    A rating without text has nothing to answer; the field's other items
    (comments on a recommendation) are not handled yet.
    """
    value = _change_value(payload)
    item = _text(value.get("item"), "ratings item")
    verb = _text(value.get("verb"), "ratings verb")
    if item != "rating":
        return _ignored(f"Facebook ratings {item or '(no item)'} {verb}: not handled")
    if verb not in VERB_ACTIONS:
        return _ignored(f"Facebook recommendation {verb}: not handled")
    story_id = _id(value.get("open_graph_story_id"), "ratings open_graph_story_id")
    text = _text(value.get("review_text"), "ratings review_text")
    if verb == "add" and not text.strip():
        return _ignored(f"Facebook recommendation {story_id} without text")
    kind = _text(value.get("recommendation_type"), "ratings recommendation_type")
    reviewer = _opt_id(value.get("reviewer_id"), "ratings reviewer_id")
    author = (
        Author(
            external_id=reviewer,
            name=_text(value.get("reviewer_name"), "ratings reviewer_name"),
        )
        if reviewer
        else None
    )
    message = SocialMessage(
        account_ref=account_ref,
        external_id=story_id,
        channel="facebook_comment",
        thread_key=f"fb:rating:{story_id}",
        kind=RECOMMENDATION_KINDS.get(kind, "recommendation"),
        action=VERB_ACTIONS[verb],
        text=text,
        author=author,
        permalink=f"https://www.facebook.com/{story_id}",
        created_at=_when(value.get("created_time"), "ratings created_time"),
    )
    return ParsedEvent(messages=[message])


# --- Instagram comments and mentions ------------------------------------------


def _ig_comment(account_ref, comment_id, parent_id, author, **fields):
    """An Instagram comment, from the webhook or the poll alike.

    Instagram replies are one level deep: the parent is the top-level comment,
    whose thread the reply joins.
    """
    return SocialMessage(
        account_ref=account_ref,
        external_id=comment_id,
        channel="instagram_comment",
        thread_key=f"ig:comment:{parent_id or comment_id}",
        kind="reply" if parent_id else "comment",
        author=author,
        parent_external_id=parent_id,
        from_account=author is not None and author.external_id == account_ref,
        **fields,
    )


def _parse_ig_comment(payload, account_ref):
    value = _change_value(payload)
    comment_id = _id(_first(value, "id", "comment_id"), "Instagram comment id")
    verb = _text(value.get("verb"), "Instagram comment verb") or "add"
    if verb not in VERB_ACTIONS:
        return _ignored(f"Instagram comment {comment_id} {verb}: not handled")
    media = _sub(value, "media", "Instagram comment media")
    message = _ig_comment(
        account_ref,
        comment_id,
        _opt_id(value.get("parent_id"), "Instagram comment parent_id"),
        _author(value.get("from"), "Instagram comment from"),
        action=VERB_ACTIONS[verb],
        text=_text(value.get("text"), "Instagram comment text"),
        # The webhook has no creation time; the notification's is close enough.
        created_at=_when(payload.get("time"), "time"),
        origin_post=_instagram_media(media) if media else None,
    )
    return ParsedEvent(messages=[message])


def _parse_ig_mention(payload, account_ref):
    """An @mention: the webhook has only ids, the text must be fetched from Graph."""
    value = _change_value(payload)
    media_id = _opt_id(value.get("media_id"), "mention media_id")
    comment_id = _opt_id(value.get("comment_id"), "mention comment_id")
    target = comment_id or media_id
    if not target:
        raise PayloadError("an Instagram mention needs a comment_id or a media_id")
    # Mentioned in a comment: the media it is under is someone else's.
    origin = (
        OriginPost(external_id=media_id, kind="media")
        if comment_id and media_id
        else None
    )
    message = SocialMessage(
        account_ref=account_ref,
        external_id=target,
        channel="instagram_comment",
        thread_key=f"ig:mention:{target}",
        kind="mention",
        created_at=_when(payload.get("time"), "time"),
        origin_post=origin,
    )
    return ParsedEvent(messages=[message])


# --- Graph poll pages -----------------------------------------------------------


def _graph_comment_media(attachment, what):
    """A Graph comment ``attachment`` as (attachments, note)."""
    if attachment is None:
        return (), ""
    attachment = _dict(attachment, what)
    kind = _text(attachment.get("type"), f"{what} type")
    media = _sub(attachment, "media", f"{what} media")
    image = _text(_sub(media, "image", f"{what} image").get("src"), f"{what} src")
    video = _text(media.get("source"), f"{what} source")
    if kind in GRAPH_IMAGE_TYPES and image:
        return (Attachment(url=image, kind="image"),), ""
    if kind in GRAPH_VIDEO_TYPES and video:
        return (Attachment(url=video, kind="video"),), ""
    if kind == "sticker":
        return (), "[sticker]"
    return (), _attachment_note(kind, attachment)


def _parse_poll_fb_comments(payload, account_ref):
    post = _dict(payload.get("post"), "poll post")
    post_id = _id(post.get("id"), "poll post id")
    post_link = _text(post.get("permalink_url"), "poll post permalink_url")
    origin = _page_post(post_id, post, account_ref)
    page = _dict(payload.get("comments"), "poll comments page")
    messages, comments = [], []
    author = _author(post.get("from"), "poll post from")
    if author is not None and not origin.from_account:
        # A visitor post whose webhook was lost: recorded before its comments,
        # which join it; one already recorded is a duplicate.
        messages.append(
            _visitor_post(
                account_ref,
                post_id,
                author,
                post_link,
                text=origin.text,
                created_at=_when(post.get("created_time"), "poll post created_time"),
            )
        )
    for index, raw in enumerate(_list(page, "data", "poll comments data")):
        what = f"comment {index}"
        comment = _dict(raw, what)
        comment_id = _id(comment.get("id"), f"{what} id")
        parent = _sub(comment, "parent", f"{what} parent")
        attachments, note = _graph_comment_media(
            comment.get("attachment"), f"{what} attachment"
        )
        text = _text(comment.get("message"), f"{what} message")
        link = _text(comment.get("permalink_url"), f"{what} permalink_url")
        comments.append(
            _fb_comment(
                account_ref,
                comment_id,
                post_id,
                _opt_id(parent.get("id"), f"{what} parent id"),
                _author(comment.get("from"), f"{what} from"),
                text="\n".join(part for part in (text, note) if part),
                attachments=attachments,
                created_at=_when(comment.get("created_time"), f"{what} created_time"),
                permalink=link or post_link or f"https://www.facebook.com/{comment_id}",
                origin_post=origin,
            )
        )
    # Graph reads them newest first: a parent comes before its replies, so a
    # reply joins the thread of a parent polled with it (one under a visitor
    # post, the post's).
    comments.reverse()
    comments.sort(key=lambda message: message.created_at or EPOCH)
    return ParsedEvent(messages=messages + comments)


def split_ig_media(media, since=None):
    """The comments of one Graph IG Media as poll units: ``(delivery key, payload)``.

    ``media`` is an item of ``GET /{ig-user-id}/media`` with its ``comments``
    and their ``replies`` nested. Each comment and reply is a unit of its own,
    keyed as the comments webhook keys it, so a comment both polled and
    delivered is stored once. A thread (a top-level comment and its replies)
    is kept when any of it was written at or after ``since`` (epoch seconds);
    its top-level comment comes first.
    """
    media = _dict(media, "poll media")
    media_id = _id(media.get("id"), "poll media id")
    about = {key: value for key, value in media.items() if key != "comments"}
    since_at = _when(since, "poll since")
    page = _sub(media, "comments", f"media {media_id} comments")
    units = []
    for index, raw in enumerate(_list(page, "data", f"media {media_id} comments")):
        what = f"media {media_id} comment {index}"
        top = _dict(raw, what)
        top_id = _id(top.get("id"), f"{what} id")
        replies = _list(_sub(top, "replies", f"{what} replies"), "data", what)
        thread = [{key: value for key, value in top.items() if key != "replies"}]
        for number, reply in enumerate(replies):
            reply = _dict(reply, f"{what} reply {number}")
            thread.append({"parent_id": top_id, **reply})
        times = [_when(c.get("timestamp"), f"{what} timestamp") for c in thread]
        if since_at and not any(time and time >= since_at for time in times):
            continue
        for comment in thread:
            key = ig_comment_key(_id(comment.get("id"), f"{what} reply id"))
            units.append((key, {"media": about, "comment": comment}))
    return units


def _parse_poll_ig_comments(payload, account_ref):
    """One comment of the account's media as the poll read it (split_ig_media)."""
    media = _dict(payload.get("media"), "poll media")
    comment = _dict(payload.get("comment"), "poll comment")
    comment_id = _id(comment.get("id"), "poll comment id")
    what = f"comment {comment_id}"
    sender = _sub(comment, "from", f"{what} from")
    username = _text(comment.get("username"), f"{what} username")
    if sender:
        author = _author({"username": username, **sender}, f"{what} from")
    elif username:  # without from.id (older versions): known by the handle only
        author = Author(
            external_id=f"@{username}",
            handle=username,
            profile_url=f"https://www.instagram.com/{username}",
        )
    else:
        author = None
    origin = _instagram_media(media)
    message = _ig_comment(
        account_ref,
        comment_id,
        _opt_id(comment.get("parent_id"), f"{what} parent_id"),
        author,
        text=_text(comment.get("text"), f"{what} text"),
        created_at=_when(comment.get("timestamp"), f"{what} timestamp"),
        permalink=origin.permalink,
        origin_post=origin,
    )
    return ParsedEvent(messages=[message])


def _graph_message_media(attachments, what):
    """Graph conversation attachments (image_data, video_data, file_url) to download."""
    found = []
    for index, raw in enumerate(_list(attachments, "data", f"{what} attachments")):
        raw = _dict(raw, f"{what} attachment {index}")
        mimetype = _text(raw.get("mime_type"), "attachment mime_type")
        image = _sub(raw, "image_data", "attachment image_data")
        video = _sub(raw, "video_data", "attachment video_data")
        file_url = _text(raw.get("file_url"), "attachment file_url")
        if image.get("url") is not None:
            url, kind = _text(image["url"], "image_data url"), "image"
        elif video.get("url") is not None:
            url, kind = _text(video["url"], "video_data url"), "video"
        else:
            major = mimetype.partition("/")[0]
            url, kind = file_url, major if major in MEDIA_KINDS else "file"
        if url:
            name = _text(raw.get("name"), "attachment name")
            found.append(Attachment(url=url, kind=kind, name=name, mimetype=mimetype))
    return tuple(found)


def _parse_poll_conversations(payload, account_ref):
    platform = payload.get("platform")
    if platform not in (None, "messenger", "instagram"):
        raise PayloadError(f"unknown conversation platform {platform!r:.40}")
    messages = []
    for index, raw in enumerate(_list(payload, "data", "conversations data")):
        conversation = _dict(raw, f"conversation {index}")
        people = _sub(conversation, "participants", f"conversation {index} people")
        # Instagram participants have usernames, Messenger ones a name and email.
        is_instagram = platform == "instagram" or (
            platform is None
            and any(
                isinstance(person, dict) and "username" in person
                for person in _list(people, "data", f"conversation {index} people")
            )
        )
        surface = INSTAGRAM_DM if is_instagram else MESSENGER
        page = _sub(conversation, "messages", f"conversation {index} messages")
        for number, raw_message in enumerate(_list(page, "data", "messages data")):
            what = f"conversation {index} message {number}"
            message = _dict(raw_message, what)
            author = _author(message.get("from"), f"{what} from")
            if author is None:
                raise PayloadError(f"{what} has no sender")
            from_account = author.external_id == account_ref
            if from_account:
                to = _list(_sub(message, "to", f"{what} to"), "data", f"{what} to")
                ids = [_id(_dict(p, f"{what} to").get("id"), f"{what} to") for p in to]
                customer = next((i for i in ids if i != account_ref), "")
                if not customer:
                    raise PayloadError(f"{what} from the account has no recipient")
            else:
                customer = author.external_id
            messages.append(
                SocialMessage(
                    account_ref=account_ref,
                    external_id=_id(message.get("id"), f"{what} id"),
                    channel=surface.channel,
                    thread_key=surface.thread_prefix + customer,
                    kind="dm",
                    text=_text(message.get("message"), f"{what} text"),
                    author=author,
                    from_account=from_account,
                    created_at=_when(message.get("created_time"), f"{what} time"),
                    attachments=_graph_message_media(
                        _sub(message, "attachments", f"{what} attachments"), what
                    ),
                )
            )
    return ParsedEvent(messages=messages)


PARSERS = {
    "page.feed": _parse_feed,
    "page.messaging": lambda p, a: _parse_messaging(p, a, MESSENGER),
    "page.standby": lambda p, a: _parse_standby(p, a, MESSENGER),
    "page.ratings": _parse_ratings,
    "instagram.comments": _parse_ig_comment,
    "instagram.live_comments": _parse_ig_comment,
    "instagram.mentions": _parse_ig_mention,
    "instagram.messaging": lambda p, a: _parse_messaging(p, a, INSTAGRAM_DM),
    "instagram.standby": lambda p, a: _parse_standby(p, a, INSTAGRAM_DM),
    "poll.fb_comments": _parse_poll_fb_comments,
    "poll.ig_comments": _parse_poll_ig_comments,
    "poll.conversations": _parse_poll_conversations,
}


def parse_event(event_type, payload, account_ref):
    """What one stored event means, for any type split_delivery emits or a poll page.

    Event types without a parser are ignored with a reason, never an error,
    so a new webhook field subscribed by mistake cannot block the queue.
    """
    if not isinstance(event_type, str):
        raise PayloadError("the event type must be text")
    payload = _dict(payload, "the event payload")
    account_ref = _id(account_ref, "the account reference")
    if payload.get("entry_id") == DASHBOARD_TEST_ENTRY:
        return _ignored("webhook test from Meta's dashboard")
    parser = PARSERS.get(event_type)
    if parser is None:
        return _ignored(f"{event_type} events are not handled")
    return parser(payload, account_ref)
