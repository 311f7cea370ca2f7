"""Turn one stored X event (webhook unit or poll page) into normalized messages.

X speaks three dialects: Account Activity (v1.1 tweets and legacy DMs), X
Activity (v2 posts in an envelope, legacy DMs) and the v2 REST pages we poll.
All of them end up as the same :class:`SocialMessage`, so the base addon never
knows which one it came from. Malformed data raises :class:`PayloadError`
(the event is kept with its error); anything we do not handle is listed in
``ParsedEvent.ignored`` instead.
"""

import re
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

_ID_RE = re.compile(r"[0-9]{1,20}")
_DM_CONVERSATION_RE = re.compile(r"[0-9]{1,20}(?:-[0-9]{1,20})?")
_HANDLE_RE = re.compile(r"[A-Za-z0-9_]{1,50}")
# v1.1 dates, e.g. "Wed Oct 10 20:19:24 +0000 2018" (strptime's %b depends on locale)
_V1_DATE_RE = re.compile(
    r"[A-Z][a-z]{2} ([A-Z][a-z]{2}) ([0-9]{2}) ([0-9]{2}):([0-9]{2}):([0-9]{2}) "
    r"([+-][0-9]{2})([0-9]{2}) ([0-9]{4})"
)
_MONTHS = (
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "May",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Oct",
    "Nov",
    "Dec",
)
# A post's address as X writes it in expanded links (x.com or twitter.com).
_STATUS_URL_RE = re.compile(
    r"https://(?:www\.|mobile\.)?(?:x|twitter)\.com/([A-Za-z0-9_]{1,50})/status/([0-9]{1,20})"
)
# v2 media types whose own URL is the picture; for videos we keep the preview.
_STILL_MEDIA = ("photo",)


# --- checked access: malformed data becomes a PayloadError, never a TypeError ---


def _short(value):
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _obj(value, what):
    if not isinstance(value, dict):
        raise PayloadError(f"{what} is not an object: {_short(value)}")
    return value


def _opt_obj(value, what):
    return {} if value is None else _obj(value, what)


def _items(value, what):
    """A list of objects; absent means empty."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise PayloadError(f"{what} is not a list: {_short(value)}")
    return [_obj(item, f"an item of {what}") for item in value]


def _text(value, what):
    if value is None:
        return ""
    if not isinstance(value, str):
        raise PayloadError(f"{what} is not a string: {_short(value)}")
    return value


def _id(value, what):
    """X ids are decimal strings beyond 2**53: numbers are refused, not rounded."""
    if not isinstance(value, str) or not _ID_RE.fullmatch(value):
        raise PayloadError(f"{what} is missing or not an X id: {_short(value)}")
    return value


def _opt_id(value, what):
    return "" if value in (None, "") else _id(value, what)


def _display(value):
    """Optional display fields: a wrong type loses the field, not the message."""
    return value if isinstance(value, str) else ""


# --- dates ---


def _naive_utc(moment):
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


def _iso_date(value, what):
    """v2 dates: "2026-09-01T10:00:00.000Z"."""
    if value is None:
        return None
    text = _text(value, what).replace("Z", "+00:00")
    try:
        moment = datetime.fromisoformat(text)
        return _naive_utc(moment) if moment.tzinfo else moment
    except (ValueError, OverflowError) as error:
        raise PayloadError(f"{what} is not an ISO date: {_short(value)}") from error


def _v1_date(value, what):
    """v1.1 dates: "Wed Oct 10 20:19:24 +0000 2018"."""
    if value is None:
        return None
    match = _V1_DATE_RE.fullmatch(_text(value, what))
    if not match or match.group(1) not in _MONTHS:
        raise PayloadError(f"{what} is not a v1.1 date: {_short(value)}")
    month, day, hour, minute, second, off_h, off_m, year = match.groups()
    sign = -1 if off_h.startswith("-") else 1
    try:
        offset = timezone(timedelta(hours=int(off_h), minutes=sign * int(off_m)))
        moment = datetime(
            int(year),
            _MONTHS.index(month) + 1,
            int(day),
            int(hour),
            int(minute),
            int(second),
            tzinfo=offset,
        )
        return _naive_utc(moment)
    except (ValueError, OverflowError) as error:
        raise PayloadError(f"{what} is not a valid date: {_short(value)}") from error


def _ms_date(value, what):
    """DM dates: milliseconds since the epoch, as a string."""
    if value is None:
        return None
    text = _text(value, what)
    if not _ID_RE.fullmatch(text) or len(text) > 13:  # 13 digits reach year 2286
        raise PayloadError(
            f"{what} is not a timestamp in milliseconds: {_short(value)}"
        )
    return datetime(1970, 1, 1) + timedelta(milliseconds=int(text))


# --- people and media ---


def _unwrap(user):
    """XAA wraps users as {"data": {...}}; AAA and v2 pages do not."""
    return user["data"] if isinstance(user.get("data"), dict) else user


def _users_by_id(users, what):
    """Index a v2 ``includes.users`` list or a legacy DM ``users`` map by id."""
    if isinstance(users, dict):
        return {key: _unwrap(_obj(user, f"user {key}")) for key, user in users.items()}
    index = {}
    for user in _items(users, what):
        user = _unwrap(user)
        index[_id(user.get("id"), f"the id of a user in {what}")] = user
    return index


def _author(user_id, user):
    """An Author from a v2 user (username) or a v1.1 user (screen_name)."""
    user = user or {}
    handle = _display(user.get("username")) or _display(user.get("screen_name"))
    if not _HANDLE_RE.fullmatch(handle):
        handle = ""
    metrics = user.get("public_metrics")
    followers = (metrics if isinstance(metrics, dict) else user).get("followers_count")
    return Author(
        external_id=user_id,
        handle=handle,
        name=_display(user.get("name")),
        avatar_url=_display(user.get("profile_image_url_https"))
        or _display(user.get("profile_image_url")),
        profile_url=f"https://x.com/{handle}" if handle else "",
        followers_count=followers
        if isinstance(followers, int) and not isinstance(followers, bool)
        else None,
    )


def _permalink(author, post_id):
    handle = author.handle or "i/web"
    return f"https://x.com/{handle}/status/{post_id}"


def _v1_attachments(media_list):
    """v1.1 media: ``media_url_https`` is the photo, or a video's thumbnail."""
    urls = (
        _display(media.get("media_url_https")) or _display(media.get("media_url"))
        for media in media_list
    )
    return tuple(Attachment(url=url, kind="image") for url in urls if url)


def _v2_attachments(holder, media_index):
    """v2 media: a photo's ``url``, or a video's ``preview_image_url``."""
    keys = _opt_obj(holder.get("attachments"), "attachments").get("media_keys")
    if keys is None:
        return ()
    if not isinstance(keys, list):
        raise PayloadError(f"attachments.media_keys is not a list: {_short(keys)}")
    attachments = []
    for key in keys:
        media = media_index.get(key) if isinstance(key, str) else None
        if media is None:
            continue  # not expanded in includes: nothing to download
        field = "url" if media.get("type") in _STILL_MEDIA else "preview_image_url"
        if url := _display(media.get(field)):
            attachments.append(Attachment(url=url, kind="image"))
    return tuple(attachments)


def _v2_includes(holder):
    """The users, media and referenced posts a v2 page or XAA envelope expands.

    Included posts are indexed by every id of their edit history too, so a
    reference to any version finds them.
    """
    includes = _opt_obj(holder.get("includes"), "includes")
    media_index = {}
    for media in _items(includes.get("media"), "includes.media"):
        if isinstance(media.get("media_key"), str):
            media_index[media["media_key"]] = media
    posts = {}
    for post in _items(includes.get("tweets"), "includes.tweets"):
        for version in (post.get("id"), *_edit_history(post)):
            if isinstance(version, str):
                posts.setdefault(version, post)
    return (
        _users_by_id(includes.get("users"), "includes.users"),
        media_index,
        posts,
    )


def _edit_history(post):
    """The ids of a v2 post's versions, first to last (valid ids only)."""
    history = post.get("edit_history_tweet_ids")
    if not isinstance(history, list):
        return ()
    return tuple(i for i in history if isinstance(i, str) and _ID_RE.fullmatch(i))


def _first_versions(post, posts):
    """``{any version's id: the first version's id}`` from the edit histories.

    Each version of an edited post has its own id, and X gives an edited root
    its new id as ``conversation_id`` too: replies to the new version would
    open a second thread. The first id is the thread key of all of them.
    """
    aliases = {}
    for holder in (post, *posts.values()):
        history = _edit_history(holder)
        for version in history:
            aliases.setdefault(version, history[0])
    return aliases


# --- links ---


_MEDIA_LINK_RE = re.compile(
    r"https://(?:www\.)?(?:x|twitter)\.com/[A-Za-z0-9_]{1,50}/status/[0-9]{1,20}"
    r"/(?:photo|video)/[0-9]{1,2}"
)


def _expanded_text(text, links, media_keys):
    """The text with t.co links as their expanded URL; media links removed.

    X shortens every link to a t.co address and appends one for attached
    media, which only repeats the attachment the agent sees anyway. A link
    without a usable ``expanded_url`` stays as X wrote it.
    """
    removed = False
    for link in links:
        short = _display(link.get("url"))
        if not short or short not in text:
            continue
        expanded = _display(link.get("expanded_url"))
        key = link.get("media_key")
        repeats_media = media_keys and (
            (isinstance(key, str) and key in media_keys)
            or bool(_MEDIA_LINK_RE.fullmatch(expanded))
        )
        if repeats_media:
            text, removed = text.replace(short, ""), True
        elif expanded.startswith(("https://", "http://")):
            text = text.replace(short, expanded)
    return text.rstrip() if removed else text


def _link_entities(holder):
    """``entities.urls`` of a v2 post or note, or of a v1.1 tweet (objects only)."""
    entities = holder.get("entities")
    urls = entities.get("urls") if isinstance(entities, dict) else None
    return (
        [link for link in urls if isinstance(link, dict)]
        if isinstance(urls, list)
        else []
    )


# --- origin posts ---


def _linked_status_urls(holder):
    """``{post id: url}`` of the X posts a payload's ``entities.urls`` link to."""
    entities = _opt_obj(holder.get("entities"), "entities")
    links = {}
    for link in _items(entities.get("urls"), "entities.urls"):
        match = _STATUS_URL_RE.match(_display(link.get("expanded_url")))
        if match:
            links.setdefault(match.group(2), match.group(0))
    return links


def _v2_origin(post_id, users, posts, links, account_ref, replied_to_account=False):
    """The X post ``post_id``, with what the expanded ``includes`` tell of it.

    ``replied_to_account``: X says the reply answers the account itself.
    """
    included = posts.get(post_id) or {}
    author_id = _display(included.get("author_id"))
    own = author_id == account_ref if author_id else replied_to_account
    handle = _author(author_id, users.get(author_id)).handle if author_id else ""
    permalink = links.get(post_id) or (
        f"https://x.com/{handle or 'i/web'}/status/{post_id}"
    )
    note = _opt_obj(included.get("note_tweet"), "note_tweet of an included post")
    text = _display(note.get("text")) or _display(included.get("text"))
    return OriginPost(
        external_id=post_id,
        permalink=permalink,
        text=text,
        from_account=own,
        kind="tweet",
    )


# --- posts ---


def _post_kind(parent, quotes):
    """A reply answers a post; a quote embeds one; anything else mentions us."""
    if parent:
        return "reply"
    return "quote" if quotes else "mention"


def _v2_post_origin(post, ids, references, includes, account_ref):
    """The root of the conversation, or else the post quoted: None for a new post."""
    users, _media, posts = includes
    root = ids["root"] if ids["root"] != ids["original"] else ""
    root = root or references.get("quoted", "")
    if not root:
        return None
    in_reply_to_user = _opt_id(post.get("in_reply_to_user_id"), "in_reply_to_user_id")
    replied_to_account = (
        ids["parent"] == root and bool(account_ref) and in_reply_to_user == account_ref
    )
    links = _linked_status_urls(post)
    return _v2_origin(root, users, posts, links, account_ref, replied_to_account)


def _v2_thread_key(post, ids, author_id, posts, account_ref):
    """One customer's conversation: split per customer under the account's post.

    A conversation a customer started is theirs, with whoever joins it. Under
    the account's own post, each customer replying has a thread of their own
    (as each top-level comment under a Facebook Page post); the account's
    answers join the customer they answer. Deeper replies join their parent's
    thread in the base addon, when the parent is recorded.
    """
    root, parent = ids["root"], ids["parent"]
    key = f"x:conv:{root}"
    if not parent or root == ids["original"]:
        return key
    in_reply_to_user = _opt_id(post.get("in_reply_to_user_id"), "in_reply_to_user_id")
    root_author = _display((posts.get(root) or {}).get("author_id"))
    own_root = (
        root_author == account_ref
        if root_author
        else parent == root and in_reply_to_user == account_ref
    )
    if not own_root:
        return key
    parent_post = posts.get(parent) if parent != root else None
    customer = _thread_customer(post, author_id, parent_post, account_ref)
    if not customer or customer == account_ref:
        return key
    return f"{key}:{customer}"


def _thread_customer(post, author_id, parent_post, account_ref):
    """Whose thread under the account's post a post belongs to.

    A reply to a customer joins that customer's thread; a reply to the
    account's answer joins the customer the answer was for; a reply to the
    account's root post starts the author's own.
    """
    in_reply_to_user = _opt_id(post.get("in_reply_to_user_id"), "in_reply_to_user_id")
    if in_reply_to_user and in_reply_to_user != account_ref:
        return in_reply_to_user
    if parent_post and parent_post.get("author_id") == account_ref:
        answered = _display(parent_post.get("in_reply_to_user_id"))
        if answered and answered != account_ref:
            return answered
    return author_id


def _v2_ids(post, references, posts):
    """The post's own, parent, quoted and root ids, as their first versions."""
    post_id = _id(post.get("id"), "post id")
    history = post.get("edit_history_tweet_ids")
    original = (
        _id(history[0], "edit_history_tweet_ids")
        if isinstance(history, list) and history
        else post_id
    )
    first = _first_versions(post, posts)
    parent = _opt_id(post.get("in_reply_to_tweet_id"), "in_reply_to_tweet_id")
    parent = first.get(parent, parent) or first.get(
        references.get("replied_to", ""), references.get("replied_to", "")
    )
    conversation = _opt_id(post.get("conversation_id"), "conversation_id")
    for kind, ref in references.items():
        references[kind] = first.get(ref, ref)
    return {
        "post": post_id,
        "original": original,
        "parent": parent,
        "root": first.get(conversation, conversation) or parent or original,
    }


def _v2_post(event, post, includes, account_ref):
    """A v2 post (poll pages, XAA): conversation_id is the thread."""
    users, media, posts = includes
    post_id = _id(post.get("id"), "post id")
    references = {}
    for ref in _items(post.get("referenced_tweets"), "referenced_tweets"):
        kind = _text(ref.get("type"), "referenced_tweets.type")
        references.setdefault(kind, _id(ref.get("id"), "referenced_tweets.id"))
    if "retweeted" in references:
        event.ignored.append(f"post {post_id} is a repost, not a conversation")
        return
    ids = _v2_ids(post, references, posts)
    author_id = _id(post.get("author_id"), f"author_id of post {post_id}")
    author = _author(author_id, users.get(author_id))
    note = _opt_obj(post.get("note_tweet"), "note_tweet")
    note_text = _text(note.get("text"), "note_tweet.text")
    text = note_text or _text(post.get("text"), f"text of post {post_id}")
    attachments = _v2_attachments(post, media)
    media_keys = _opt_obj(post.get("attachments"), "attachments").get("media_keys")
    shown = _expanded_text(
        text,
        _link_entities(note if note_text else post),
        {k for k in media_keys if isinstance(k, str) and k in media}
        if attachments
        else set(),
    )
    event.messages.append(
        SocialMessage(
            account_ref=account_ref,
            external_id=ids["original"],
            channel="x_public",
            thread_key=_v2_thread_key(post, ids, author_id, posts, account_ref),
            action="edit" if ids["original"] != post_id else "create",
            kind=_post_kind(ids["parent"], "quoted" in references),
            text=shown,
            original_text=text if shown != text else "",
            version_id=post_id if post_id != ids["original"] else "",
            author=author,
            parent_external_id=ids["parent"],
            permalink=_permalink(author, post_id),
            created_at=_iso_date(
                post.get("created_at"), f"created_at of post {post_id}"
            ),
            from_account=author_id == account_ref,
            attachments=attachments,
            origin_post=_v2_post_origin(post, ids, references, includes, account_ref),
        )
    )


def _v1_tweet(event, tweet, account_ref):
    """A v1.1 tweet (AAA): no conversation_id, so a reply threads on its parent."""
    tweet_id = _id(tweet.get("id_str"), "tweet id_str")
    if tweet.get("retweeted_status") is not None:
        event.ignored.append(f"tweet {tweet_id} is a retweet, not a conversation")
        return
    user = _obj(tweet.get("user"), f"user of tweet {tweet_id}")
    author = _author(_id(user.get("id_str"), f"user.id_str of tweet {tweet_id}"), user)
    parent = _opt_id(
        tweet.get("in_reply_to_status_id_str"), "in_reply_to_status_id_str"
    )
    quoted = _opt_id(tweet.get("quoted_status_id_str"), "quoted_status_id_str")
    edits = _opt_obj(tweet.get("edit_history"), "edit_history")
    original = _opt_id(edits.get("initial_tweet_id"), "initial_tweet_id") or tweet_id
    extended = _opt_obj(tweet.get("extended_tweet"), "extended_tweet")
    text = (
        _text(extended.get("full_text"), "extended_tweet.full_text")
        or _text(tweet.get("full_text"), "full_text")
        or _text(tweet.get("text"), f"text of tweet {tweet_id}")
    )
    entities = (
        extended.get("extended_entities")
        or tweet.get("extended_entities")
        or tweet.get("entities")
    )
    media = _items(_opt_obj(entities, "entities").get("media"), "entities.media")
    origin = _v1_origin(tweet, parent, quoted, account_ref)
    attachments = _v1_attachments(media)
    # v1.1 lists the media's own t.co link under entities.media, not urls.
    links = _link_entities(extended if extended.get("full_text") else tweet)
    media_links = [
        {"url": m.get("url"), "media_key": _display(m.get("id_str"))} for m in media
    ]
    shown = _expanded_text(
        text,
        links + media_links,
        {m["media_key"] for m in media_links if m["media_key"]}
        if attachments
        else set(),
    )
    thread = parent or original
    if (
        parent
        and tweet.get("in_reply_to_user_id_str") == account_ref
        and author.external_id != account_ref
    ):
        # A reply to the account's post: this customer's own thread under it.
        thread = f"{parent}:{author.external_id}"
    event.messages.append(
        SocialMessage(
            account_ref=account_ref,
            external_id=original,
            channel="x_public",
            thread_key=f"x:conv:{thread}",
            action="edit" if original != tweet_id else "create",
            kind=_post_kind(parent, bool(quoted)),
            text=shown,
            original_text=text if shown != text else "",
            version_id=tweet_id if tweet_id != original else "",
            author=author,
            parent_external_id=parent,
            permalink=_permalink(author, tweet_id),
            created_at=_v1_date(
                tweet.get("created_at"), f"created_at of tweet {tweet_id}"
            ),
            from_account=author.external_id == account_ref,
            attachments=attachments,
            origin_post=origin,
        )
    )


def _v1_origin(tweet, parent, quoted, account_ref):
    """The account's post a v1.1 tweet answers, or the post it quotes.

    v1.1 has no conversation id: a reply tells only its parent, which is an
    origin post when the account wrote it.
    """
    if parent and tweet.get("in_reply_to_user_id_str") == account_ref:
        handle = _display(tweet.get("in_reply_to_screen_name"))
        handle = handle if _HANDLE_RE.fullmatch(handle) else "i/web"
        return OriginPost(
            external_id=parent,
            permalink=f"https://x.com/{handle}/status/{parent}",
            from_account=True,
            kind="tweet",
        )
    if not quoted:
        return None
    status = _opt_obj(tweet.get("quoted_status"), "quoted_status")
    user = _opt_obj(status.get("user"), "quoted_status.user")
    author = _author(_display(user.get("id_str")), user)
    extended = _opt_obj(status.get("extended_tweet"), "quoted_status.extended_tweet")
    return OriginPost(
        external_id=quoted,
        permalink=_permalink(author, quoted),
        text=_display(extended.get("full_text"))
        or _display(status.get("full_text"))
        or _display(status.get("text")),
        from_account=bool(author.external_id) and author.external_id == account_ref,
        kind="tweet",
    )


def _deleted_post(event, post_id, author_id, account_ref):
    event.messages.append(
        SocialMessage(
            account_ref=account_ref,
            external_id=post_id,
            channel="x_public",
            thread_key=f"x:conv:{post_id}",
            action="delete",
            author=Author(external_id=author_id) if author_id else None,
            from_account=author_id == account_ref,
        )
    )


# --- direct messages ---


def _legacy_dm(event, dm, users, account_ref):
    """A legacy ``message_create`` DM (AAA and XAA dm.* events)."""
    dm_id = _id(dm.get("id"), "direct message id")
    if dm.get("type") != "message_create":
        event.ignored.append(f"direct message event {dm_id} is not a message")
        return
    create = _obj(dm.get("message_create"), f"message_create of DM {dm_id}")
    sender = _id(create.get("sender_id"), f"sender_id of DM {dm_id}")
    target = _obj(create.get("target"), f"target of DM {dm_id}")
    recipient = _id(target.get("recipient_id"), f"recipient_id of DM {dm_id}")
    data = _obj(create.get("message_data"), f"message_data of DM {dm_id}")
    attachment = _opt_obj(data.get("attachment"), "message_data.attachment")
    media = attachment.get("media")
    # A one-to-one conversation id is "{smaller}-{larger}", compared as numbers.
    low, high = sorted((sender, recipient), key=int)
    event.messages.append(
        SocialMessage(
            account_ref=account_ref,
            external_id=dm_id,
            channel="x_dm",
            thread_key=f"x:dm:{low}-{high}",
            kind="dm",
            text=_text(data.get("text"), f"text of DM {dm_id}"),
            author=_author(sender, users.get(sender)),
            created_at=_ms_date(
                dm.get("created_timestamp"), f"timestamp of DM {dm_id}"
            ),
            from_account=sender == account_ref,
            attachments=_v1_attachments([media] if isinstance(media, dict) else []),
            origin_post=_legacy_dm_origin(data),
        )
    )


def _legacy_dm_origin(data):
    """The first X post a legacy DM links to: only its id and link are told."""
    for post_id, url in _linked_status_urls(data).items():
        return OriginPost(external_id=post_id, permalink=url, kind="tweet")
    return None


def _v2_dm(event, dm, includes, account_ref):
    """A v2 ``GET /2/dm_events`` item; a shared post is its origin post."""
    users, media, _posts = includes
    dm_id = _id(dm.get("id"), "dm event id")
    if dm.get("event_type") != "MessageCreate":
        kind = _short(dm.get("event_type"))
        event.ignored.append(f"DM event {dm_id} is a {kind} event, not a message")
        return
    sender = _id(dm.get("sender_id"), f"sender_id of DM event {dm_id}")
    conversation = dm.get("dm_conversation_id")
    if not isinstance(conversation, str) or not _DM_CONVERSATION_RE.fullmatch(
        conversation
    ):
        raise PayloadError(f"dm_conversation_id of DM event {dm_id} is missing")
    event.messages.append(
        SocialMessage(
            account_ref=account_ref,
            external_id=dm_id,
            channel="x_dm",
            thread_key=f"x:dm:{conversation}",
            kind="dm",
            text=_text(dm.get("text"), f"text of DM event {dm_id}"),
            author=_author(sender, users.get(sender)),
            created_at=_iso_date(dm.get("created_at"), f"created_at of DM {dm_id}"),
            from_account=sender == account_ref,
            attachments=_v2_attachments(dm, media),
            origin_post=_v2_dm_origin(dm, includes, account_ref),
        )
    )


def _v2_dm_origin(dm, includes, account_ref):
    users, _media, posts = includes
    for ref in _items(dm.get("referenced_tweets"), "referenced_tweets"):
        post_id = _id(ref.get("id"), "referenced_tweets.id")
        return _v2_origin(post_id, users, posts, {}, account_ref)
    return None


# --- one parser per event type ---


def _aaa_tweet_create(payload, account_ref):
    event = ParsedEvent()
    tweets = _items(payload.get("tweet_create_events"), "tweet_create_events")
    # Set on mentions by someone the account blocked ("true" is a string there).
    flags = (payload.get("user_has_blocked"), payload.get("is_blocked_by"))
    if any(flag in (True, "true") for flag in flags):
        event.ignored.append("the author of the mention is blocked by the account")
        return event
    for tweet in tweets:
        _v1_tweet(event, tweet, account_ref)
    return event


def _aaa_direct_message(payload, account_ref):
    event = ParsedEvent()
    users = _users_by_id(payload.get("users"), "users")
    for dm in _items(payload.get("direct_message_events"), "direct_message_events"):
        _legacy_dm(event, dm, users, account_ref)
    return event


def _aaa_tweet_delete(payload, account_ref):
    event = ParsedEvent()
    for item in _items(payload.get("tweet_delete_events"), "tweet_delete_events"):
        status = _obj(item.get("status"), "tweet_delete_events.status")
        post_id = _id(status.get("id_str") or status.get("id"), "deleted tweet id")
        author_id = _opt_id(
            status.get("user_id_str") or status.get("user_id"), "user_id"
        )
        _deleted_post(event, post_id, author_id, account_ref)
    return event


def _revoked(user_id, revoke):
    """The user took the app's access back: the account must be reconnected."""
    when = _display(revoke.get("date_time"))
    detail = f"access revoked on X {when}".strip()
    return ParsedEvent(signals=[AccountSignal(user_id, "revoked", detail)])


def _aaa_revoke(payload, account_ref):
    revoke = _obj(_obj(payload.get("user_event"), "user_event").get("revoke"), "revoke")
    source = _obj(revoke.get("source"), "revoke.source")
    user_id = _id(source.get("user_id"), "revoke.source.user_id")
    return _revoked(user_id, revoke)


def _envelope(payload):
    data = _obj(payload.get("data"), "data")
    return data, _obj(data.get("payload"), f"payload of {data.get('event_type')}")


def _xaa_post(payload, account_ref):
    data, post = _envelope(payload)
    event = ParsedEvent()
    _v2_post(event, post, _v2_includes(data), account_ref)
    return event


def _xaa_post_delete(payload, account_ref):
    _data, post = _envelope(payload)
    event = ParsedEvent()
    author_id = _opt_id(post.get("author_id"), "author_id of the deleted post")
    _deleted_post(event, _id(post.get("id"), "deleted post id"), author_id, account_ref)
    return event


def _xaa_dm(payload, account_ref):
    _data, body = _envelope(payload)
    return _aaa_direct_message(body, account_ref)


def _xaa_revoke(payload, account_ref):
    _data, body = _envelope(payload)
    user_id = _opt_id(body.get("user_id"), "oauth.revoke user_id") or account_ref
    if not user_id:
        raise PayloadError("oauth.revoke names no user")
    return _revoked(user_id, body)


def _page_errors(event, page):
    """Partial errors (HTTP 200): reported, the rest of the page still counts."""
    for error in _items(page.get("errors"), "errors"):
        detail = _display(error.get("detail")) or _display(error.get("title"))
        event.ignored.append(f"X reported a partial error: {detail or _short(error)}")


def _page_items(payload, account_ref, parse_item, what):
    """Each item of a polled page; a malformed one is skipped and reported.

    A page holds up to a hundred posts of different people: one X cannot
    describe must not hold back the others (its event keeps the report).
    """
    event = ParsedEvent()
    includes = _v2_includes(payload)
    data = payload.get("data")
    if data is not None and not isinstance(data, list):
        raise PayloadError(f"data is not a list: {_short(data)}")
    for item in data or ():
        item_id = item.get("id") if isinstance(item, dict) else None
        valid_id = isinstance(item_id, str) and _ID_RE.fullmatch(item_id)
        label = item_id if valid_id else "without a valid id"
        try:
            parse_item(event, _obj(item, f"an item of {what}"), includes, account_ref)
        except PayloadError as error:
            event.ignored.append(f"{what} {label} skipped: {error}")
    _page_errors(event, payload)
    return event


def _poll_posts(payload, account_ref):
    return _page_items(payload, account_ref, _v2_post, "post")


def _poll_dm_events(payload, account_ref):
    return _page_items(payload, account_ref, _v2_dm, "DM event")


_PARSERS = {
    "aaa.tweet_create": _aaa_tweet_create,
    "aaa.direct_message": _aaa_direct_message,
    "aaa.tweet_delete": _aaa_tweet_delete,
    "aaa.revoke": _aaa_revoke,
    "xaa.post.create": _xaa_post,
    "xaa.post.mention.create": _xaa_post,
    "xaa.post.reply.create": _xaa_post,
    "xaa.post.quote.create": _xaa_post,
    "xaa.post.delete": _xaa_post_delete,
    "xaa.dm.received": _xaa_dm,
    "xaa.dm.sent": _xaa_dm,
    "xaa.oauth.revoke": _xaa_revoke,
    "poll.mentions": _poll_posts,
    "poll.search": _poll_posts,
    "poll.dm_events": _poll_dm_events,
}


def parse_event(event_type: str, payload: dict, account_ref: str) -> ParsedEvent:
    """What one stored X event means for the connected account ``account_ref``."""
    if not isinstance(payload, dict):
        raise PayloadError(
            f"the payload of an X event is not an object: {_short(payload)}"
        )
    parser = _PARSERS.get(event_type)
    if parser is None:
        return ParsedEvent(ignored=[f"X event type {event_type!r} is not handled"])
    return parser(payload, account_ref)
