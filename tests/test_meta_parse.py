"""Meta webhook events and Graph poll pages -> normalized messages."""

import copy
import json
import pathlib
from datetime import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from odoo.addons.social_care.tools.normalized import (
    AccountSignal,
    Attachment,
    Author,
    OriginPost,
    PayloadError,
)
from odoo.addons.social_care_meta.tools.meta_parse import parse_event, split_ig_media
from odoo.addons.social_care_meta.tools.meta_webhook import (
    is_dashboard_test,
    split_delivery,
)

META = pathlib.Path(__file__).parent / "fixtures" / "meta"
PAGE = "104857630123456"
IG_ACCOUNT = "17841400000000001"
PSID = "6123456789012345"
IGSID = "1234567890123456"
POST = f"{PAGE}_722000000000001"
COMMENT = "722000000000001_1290000000000001"
POST_LINK = f"https://www.facebook.com/{PAGE}/posts/pfbid02xYzFakePermalink"
MAIJA = Author(external_id="7012345678901234", name="Maija Virtanen")
LIISA = Author(
    external_id=IGSID,
    handle="liisa.cycles",
    profile_url="https://www.instagram.com/liisa.cycles",
)
IG_MID = (
    "aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxNDAwMDAwMDAwMDAxOjM0MDI4MjM2Njg0MT"
    "cxMDMwMTI0NDI3NjAwMDAwMDAwMDAwMDAwMQZDZD"
)


def load(name):
    return json.loads((META / name).read_text())


def parse_all(body):
    """Split a webhook body and parse every unit, as the cron does."""
    return [
        parse_event(d.event_type, d.payload, d.account_ref)
        for d in split_delivery(body)
    ]


def parse_one(body):
    [event] = parse_all(body)
    return event


def only_message(event):
    assert event.ignored == [] and event.signals == []
    [message] = event.messages
    return message


# --- Facebook feed ------------------------------------------------------------


def test_feed_comment_add():
    message = only_message(parse_one(load("feed_comment_add.json")))
    assert message.account_ref == PAGE
    assert message.external_id == COMMENT
    assert message.channel == "facebook_comment"
    assert message.thread_key == f"fb:comment:{COMMENT}"
    assert message.action == "create"
    assert message.kind == "comment"
    assert message.text == (
        "Hi! My order S00042 still hasn't arrived, can you check? maija@example.com"
    )
    assert message.author == MAIJA
    # Meta's parent_id of a top-level comment: the post (issue 12 item 1).
    assert message.parent_external_id == POST
    assert message.permalink == POST_LINK
    assert message.created_at == datetime(2026, 9, 1, 10, 0, 3)
    assert message.from_account is False
    assert message.attachments == ()
    assert not message.is_private


def test_feed_reply_joins_the_top_level_comment_thread():
    message = only_message(parse_one(load("feed_comment_reply.json")))
    assert message.external_id == "722000000000001_1290000000000003"
    assert message.kind == "reply"
    assert message.thread_key == f"fb:comment:{COMMENT}"
    assert message.parent_external_id == COMMENT
    assert message.created_at == datetime(2026, 9, 1, 10, 10, 17)
    [photo] = message.attachments
    assert photo.kind == "image"
    assert photo.url.startswith("https://scontent.xx.fbcdn.net/v/t39.30808-6/459000000")


def test_feed_comment_edited_and_removed():
    edited = only_message(parse_one(load("feed_comment_edited.json")))
    assert (edited.action, edited.external_id) == ("edit", COMMENT)
    assert edited.thread_key == f"fb:comment:{COMMENT}"
    assert "(ordered 20 Aug)" in edited.text
    removed = only_message(parse_one(load("feed_comment_remove.json")))
    assert (removed.action, removed.external_id, removed.text) == (
        "delete",
        COMMENT,
        "",
    )
    assert removed.thread_key == f"fb:comment:{COMMENT}"
    assert removed.permalink == f"https://www.facebook.com/{COMMENT}"


def test_page_own_comment_is_returned_as_from_account():
    message = only_message(parse_one(load("feed_page_own_comment.json")))
    assert message.from_account is True
    assert message.author == Author(external_id=PAGE, name="Nordic Bikes Oy")
    assert message.kind == "reply"
    assert message.thread_key == f"fb:comment:{COMMENT}"


def test_visitor_post():
    message = only_message(parse_one(load("feed_visitor_post.json")))
    post_id = f"{PAGE}_722000000000099"
    assert message.external_id == post_id
    assert message.kind == "visitor_post"
    assert message.channel == "facebook_comment"
    assert message.thread_key == f"fb:post:{post_id}"
    assert message.author == Author(
        external_id="7098765432109876", name="Jukka Lehtonen"
    )
    assert message.permalink == f"https://www.facebook.com/{post_id}"
    assert message.created_at == datetime(2026, 9, 1, 12, 0)
    assert [a.kind for a in message.attachments] == ["image"]
    assert message.attachments[0].url.startswith("https://scontent.xx.fbcdn.net/")


def test_page_own_post_is_ignored():
    body = load("feed_visitor_post.json")
    body["entry"][0]["changes"][0]["value"]["from"] = {"id": PAGE, "name": "Nordic"}
    event = parse_one(body)
    assert event.messages == []
    assert event.ignored == [
        f"Facebook post {PAGE}_722000000000099 add by the page itself"
    ]


# Comments under a visitor post (issue 12 item 1). Shapes: Meta's Page feed
# webhook reference (parent_id: the post for a top-level comment, the parent
# comment for a reply; the Page's own comments have from.id == the Page), as in
# bottender's feed_commentEdited (a comment on a user's status, parent_id ==
# post_id) and feed_sentByPage (the Page's reply, from.id == entry id).
VISITOR_POST = f"{PAGE}_722000000000099"
PAGE_ON_VISITOR_POST = "722000000000099_1310000000000001"
JUKKA = {"id": "7098765432109876", "name": "Jukka Lehtonen"}


def visitor_post_comment(comment_id, author, parent_id, text):
    body = load("feed_comment_add.json")
    value = body["entry"][0]["changes"][0]["value"]
    value.update(
        {
            "from": author,
            "comment_id": comment_id,
            "post_id": VISITOR_POST,
            "parent_id": parent_id,
            "message": text,
        }
    )
    value["post"]["id"] = VISITOR_POST
    del value["post"]["permalink_url"]
    return body


def test_page_comment_on_a_visitor_post_names_the_post_as_parent():
    page = {"id": PAGE, "name": "Nordic Bikes Oy"}
    body = visitor_post_comment(
        PAGE_ON_VISITOR_POST, page, VISITOR_POST, "Sorry! Which shop?"
    )
    message = only_message(parse_one(body))
    assert (message.from_account, message.kind) == (True, "comment")
    # The base joins a recorded parent's thread: the visitor post's fb:post key.
    assert message.parent_external_id == VISITOR_POST
    assert message.thread_key == f"fb:comment:{PAGE_ON_VISITOR_POST}"


def test_visitor_reply_to_the_page_comment_names_it_as_parent():
    body = visitor_post_comment(
        "722000000000099_1310000000000002",
        JUKKA,
        PAGE_ON_VISITOR_POST,
        "The one in Kallio.",
    )
    message = only_message(parse_one(body))
    assert (message.from_account, message.kind) == (False, "reply")
    assert message.parent_external_id == PAGE_ON_VISITOR_POST
    assert message.author == Author(
        external_id="7098765432109876", name="Jukka Lehtonen"
    )


def test_another_customer_comment_under_a_visitor_post_names_the_post():
    maija = {"id": MAIJA.external_id, "name": MAIJA.name}
    body = visitor_post_comment(
        "722000000000099_1310000000000003", maija, VISITOR_POST, "Same for me!"
    )
    message = only_message(parse_one(body))
    assert (message.kind, message.parent_external_id) == ("comment", VISITOR_POST)
    assert message.author == MAIJA


def test_reaction_is_ignored_with_a_reason():
    event = parse_one(load("feed_reaction.json"))
    assert event.messages == []
    assert event.ignored == ["Facebook reaction add events are not handled"]


@pytest.mark.parametrize(("verb", "kind"), [("hide", "hidden"), ("unhide", "unhidden")])
def test_comment_hidden_in_metas_apps_is_a_signal(verb, kind):
    # Issue 12 item 6: hides made in Meta's apps were dropped as "not handled".
    body = load("feed_comment_add.json")
    body["entry"][0]["changes"][0]["value"]["verb"] = verb
    event = parse_one(body)
    assert event.messages == [] and event.ignored == []
    assert event.signals == [
        AccountSignal(PAGE, kind, target=COMMENT, at=datetime(2026, 9, 1, 10, 0, 5))
    ]


def test_comment_without_author_is_kept_without_one():
    body = load("feed_comment_add.json")
    del body["entry"][0]["changes"][0]["value"]["from"]
    message = only_message(parse_one(body))
    assert message.author is None and message.from_account is False


def test_batch_parses_to_two_messages_and_one_ignored():
    events = parse_all(load("batch_two_entries.json"))
    assert [len(e.messages) for e in events] == [1, 0, 1]
    assert events[2].messages[0].account_ref == "109876543210987"
    assert events[2].messages[0].thread_key == (
        "fb:comment:733000000000001_1300000000000001"
    )
    assert events[1].ignored == ["Facebook reaction add events are not handled"]


# --- Messenger ----------------------------------------------------------------


def test_messenger_text():
    message = only_message(parse_one(load("messenger_text.json")))
    assert message.account_ref == PAGE
    assert message.external_id == "m_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789FakeMid001"
    assert message.channel == "messenger"
    assert message.is_private
    assert message.thread_key == f"messenger:{PSID}"
    assert message.kind == "dm"
    assert message.text == (
        "Hyvää päivää! Tilaukseni S00042 on myöhässä. Soita +358 40 123 4567"
    )
    assert message.author == Author(external_id=PSID)
    assert message.created_at == datetime(2026, 9, 1, 10, 0, 3, 101000)
    assert message.from_account is False
    assert message.app_metadata == ""


def test_messenger_attachments_sticker_and_fallback():
    media, sticker, fallback = (
        only_message(e) for e in parse_all(load("messenger_attachments.json"))
    )
    assert media.text == ""
    assert [(a.kind, a.url.split("?")[0]) for a in media.attachments] == [
        ("image", "https://scontent.xx.fbcdn.net/v/t1.15752-9/461000000_fake_n.jpg"),
        (
            "file",
            "https://cdn.fbsbx.com/v/t59.2708-21/462000000_fake_n.pdf/receipt-S00042.pdf",
        ),
    ]
    assert sticker.text == "[sticker]" and sticker.attachments == ()
    assert fallback.text == (
        "This one: https://example.com/products/city-bike-7\n"
        "[fallback] City Bike 7 | Nordic Bikes https://example.com/products/city-bike-7"
    )
    assert {m.thread_key for m in (media, sticker, fallback)} == {f"messenger:{PSID}"}


def test_legacy_sticker_sent_as_image_is_a_note():
    event = {
        "sender": {"id": PSID},
        "recipient": {"id": PAGE},
        "timestamp": 1788257030101,
        "message": {
            "mid": "m_legacy",
            "sticker_id": 369239263222822,
            "attachments": [
                {
                    "type": "image",
                    "payload": {"url": "https://x.fbcdn.net/s.png", "sticker_id": 3692},
                }
            ],
        },
    }
    message = only_message(parse_event("page.messaging", {"messaging": event}, PAGE))
    assert (message.text, message.attachments) == ("[sticker]", ())


def test_messenger_echo_is_from_account_with_metadata():
    message = only_message(parse_one(load("messenger_echo.json")))
    assert message.from_account is True
    assert message.thread_key == f"messenger:{PSID}"
    assert message.app_metadata == "social_care:message:42"
    assert message.author == Author(external_id=PAGE)
    assert message.text.startswith("Hi Maija, your parcel left")


def test_messenger_read_is_ignored():
    event = parse_one(load("messenger_read.json"))
    assert event.messages == []
    assert event.ignored == ["Messenger read receipt"]


def messaging(extra, surface="page", sender=PSID, recipient=PAGE):
    event = {"sender": {"id": sender}, "recipient": {"id": recipient}}
    event["timestamp"] = 1788257700101
    event.update(extra)
    account = PAGE if surface == "page" else IG_ACCOUNT
    return parse_event(f"{surface}.messaging", {"messaging": event}, account)


@pytest.mark.parametrize(
    ("extra", "reason"),
    [
        ({"delivery": {"mids": ["m_1"], "watermark": 1}}, "Messenger delivery receipt"),
        (
            {"reaction": {"mid": "m_1", "action": "react", "emoji": "\u2764"}},
            "Messenger reaction",
        ),
        (
            {"referral": {"ref": "spring", "source": "ADS", "type": "OPEN_THREAD"}},
            "Messenger referral (ad, link or QR code) without a message",
        ),
        (
            {"optin": {"type": "notification_messages"}},
            "Messenger event optin: not handled",
        ),
        ({}, "Messenger event (empty): not handled"),
    ],
)
def test_messenger_receipts_and_unknown_events_are_ignored(extra, reason):
    event = messaging(extra)
    assert event.messages == [] and event.ignored == [reason]


def test_messenger_postback_is_a_message_with_the_button_title():
    message = only_message(
        messaging({"postback": {"title": "Track my order", "payload": "TRACK"}})
    )
    assert message.external_id == f"postback:{PSID}:1788257700101"
    assert message.text == "Track my order"
    assert message.thread_key == f"messenger:{PSID}"
    with_mid = only_message(messaging({"postback": {"mid": "m_pb", "title": "Hi"}}))
    assert with_mid.external_id == "m_pb"


def test_messenger_edit_and_reply_to():
    edit = only_message(
        messaging({"message_edit": {"mid": "m_1", "text": "typo fixed", "num_edit": 1}})
    )
    assert (edit.action, edit.external_id, edit.text) == ("edit", "m_1", "typo fixed")
    reply = only_message(
        messaging(
            {"message": {"mid": "m_2", "text": "yes", "reply_to": {"mid": "m_1"}}}
        )
    )
    assert reply.parent_external_id == "m_1"


def test_standby_is_ignored():
    event = parse_event("page.standby", {"messaging": {}}, PAGE)
    assert event.messages == []
    assert "another app" in event.ignored[0]


# --- Instagram ----------------------------------------------------------------


def test_instagram_comment():
    message = only_message(parse_one(load("instagram_comment.json")))
    assert message.account_ref == IG_ACCOUNT
    assert message.external_id == "17900000000000001"
    assert message.channel == "instagram_comment"
    assert message.thread_key == "ig:comment:17900000000000001"
    assert message.kind == "comment"
    assert message.author == LIISA
    assert message.text.startswith("Does this come in size S?")
    assert message.created_at == datetime(2026, 9, 1, 11, 30)
    assert message.parent_external_id == ""
    assert message.from_account is False


def test_instagram_comment_reply():
    message = only_message(parse_one(load("instagram_comment_reply.json")))
    assert message.kind == "reply"
    assert message.thread_key == "ig:comment:17900000000000001"
    assert message.parent_external_id == "17900000000000001"


def test_instagram_comment_id_spelled_comment_id_and_own_comment():
    body = load("instagram_comment.json")
    value = body["entry"][0]["changes"][0]["value"]
    value["comment_id"] = value.pop("id")
    value["from"] = {"id": IG_ACCOUNT, "username": "nordicbikes"}
    message = only_message(parse_one(body))
    assert message.external_id == "17900000000000001"
    assert message.from_account is True


def test_instagram_live_comment_and_unknown_verb():
    body = load("instagram_comment.json")
    body["entry"][0]["changes"][0]["field"] = "live_comments"
    assert only_message(parse_one(body)).thread_key == "ig:comment:17900000000000001"
    body["entry"][0]["changes"][0]["value"]["verb"] = "hide"
    assert parse_one(body).ignored == [
        "Instagram comment 17900000000000001 hide: not handled"
    ]


def test_instagram_mention():
    message = only_message(parse_one(load("instagram_mention.json")))
    assert message.kind == "mention"
    assert message.channel == "instagram_comment"
    assert message.external_id == "17900000000000077"
    assert message.thread_key == "ig:mention:17900000000000077"
    assert message.author is None and message.text == ""
    caption = {
        "change": {"field": "mentions", "value": {"media_id": "17890000000000055"}}
    }
    mention = only_message(parse_event("instagram.mentions", caption, IG_ACCOUNT))
    assert mention.thread_key == "ig:mention:17890000000000055"


def test_instagram_dm():
    message = only_message(parse_one(load("instagram_dm.json")))
    assert message.account_ref == IG_ACCOUNT
    assert message.external_id == IG_MID
    assert message.channel == "instagram_dm"
    assert message.thread_key == f"igdm:{IGSID}"
    assert message.text == "Hi! Here is the receipt for the exchange"
    assert message.attachments == (
        Attachment(
            url="https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=17999999999999999"
            "&signature=FakeSignatureForTests",
            kind="image",
        ),
    )
    assert message.created_at == datetime(2026, 9, 1, 11, 51, 40, 101000)


def test_instagram_dm_deleted():
    message = only_message(parse_one(load("instagram_dm_deleted.json")))
    assert (message.action, message.external_id, message.text) == ("delete", IG_MID, "")
    assert message.thread_key == f"igdm:{IGSID}"


def test_instagram_dm_echo_unsupported_and_story_reply():
    echo = only_message(
        messaging(
            {"message": {"mid": "aWdf_echo", "is_echo": True, "text": "Hello!"}},
            surface="instagram",
            sender=IG_ACCOUNT,
            recipient=IGSID,
        )
    )
    assert echo.from_account is True and echo.thread_key == f"igdm:{IGSID}"
    unsupported = only_message(
        messaging(
            {"message": {"mid": "aWdf_u", "is_unsupported": True}},
            surface="instagram",
            sender=IGSID,
            recipient=IG_ACCOUNT,
        )
    )
    assert unsupported.text == "[unsupported message]"
    story = only_message(
        messaging(
            {
                "message": {
                    "mid": "aWdf_s",
                    "text": "Love it",
                    "reply_to": {"story": {"id": "1789", "url": "https://x.cdn/s"}},
                    "attachments": [
                        {"type": "ig_reel", "payload": {"url": "https://x.cdn/r"}}
                    ],
                }
            },
            surface="instagram",
            sender=IGSID,
            recipient=IG_ACCOUNT,
        )
    )
    assert story.text == "Love it\n[ig_reel] https://x.cdn/r\n[reply to a story]"
    seen = messaging(
        {"read": {"mid": "aWdf_s"}},
        surface="instagram",
        sender=IGSID,
        recipient=IG_ACCOUNT,
    )
    assert seen.ignored == ["Instagram read receipt"]


# --- origin posts -------------------------------------------------------------


def test_feed_comment_origin_is_the_page_post():
    message = only_message(parse_one(load("feed_comment_add.json")))
    # the webhook's post object does not say who wrote the post
    assert message.origin_post == OriginPost(
        external_id=POST, permalink=POST_LINK, kind="post"
    )
    reply = only_message(parse_one(load("feed_comment_reply.json")))
    assert reply.origin_post.external_id == POST


def test_feed_comment_without_post_object_still_has_the_post_id():
    body = load("feed_comment_add.json")
    del body["entry"][0]["changes"][0]["value"]["post"]
    origin = only_message(parse_one(body)).origin_post
    assert (origin.external_id, origin.permalink) == (POST, "")


def test_visitor_post_has_no_origin_post():
    assert only_message(parse_one(load("feed_visitor_post.json"))).origin_post is None


def test_poll_fb_comments_origin_has_the_post_text_and_author():
    page = load("poll_fb_comments.json")
    page["post"]["from"] = {"name": "Nordic Bikes Oy", "id": PAGE}
    messages = parse_event("poll.fb_comments", page, PAGE).messages
    assert {m.origin_post for m in messages} == {
        OriginPost(
            external_id=POST,
            permalink=POST_LINK,
            text="New autumn collection is here! Free delivery until Sunday.",
            from_account=True,
            kind="post",
        )
    }


def test_poll_of_a_visitor_post_records_the_post_before_its_comments():
    # Graph GET /{page}/feed item (fields id,permalink_url,created_time,
    # updated_time,message,from): a post by someone else than the Page.
    page = load("poll_fb_comments.json")
    page["post"].update(
        {
            "from": {"name": "Jukka Lehtonen", "id": "7098765432109876"},
            "message": "The brake lever broke after two days.",
            "created_time": "2026-09-01T09:58:00+0000",
        }
    )
    post, *comments = parse_event("poll.fb_comments", page, PAGE).messages
    assert (post.external_id, post.kind, post.thread_key) == (
        POST,
        "visitor_post",
        f"fb:post:{POST}",
    )
    assert post.author == Author(external_id="7098765432109876", name="Jukka Lehtonen")
    assert post.text == "The brake lever broke after two days."
    assert post.created_at == datetime(2026, 9, 1, 9, 58)
    assert (post.permalink, post.origin_post) == (POST_LINK, None)
    assert len(comments) == 4 and comments[0].parent_external_id == POST


def test_poll_of_a_post_without_its_author_records_no_visitor_post():
    messages = parse_event("poll.fb_comments", load("poll_fb_comments.json"), PAGE)
    assert [m.kind for m in messages.messages] == [
        "comment",
        "reply",
        "reply",
        "comment",
    ]


def test_instagram_comment_origin_is_the_accounts_media():
    message = only_message(parse_one(load("instagram_comment.json")))
    assert message.origin_post == OriginPost(
        external_id="17890000000000001", from_account=True, kind="feed"
    )


def test_instagram_comment_on_an_ad():
    message = only_message(parse_one(load("instagram_comment_ad.json")))
    assert message.origin_post == OriginPost(
        external_id="17890000000000002",
        text="Autumn sale: 20% off all frames",
        from_account=True,
        kind="ad",
    )


def test_instagram_mention_in_a_comment_is_under_someone_elses_media():
    message = only_message(parse_one(load("instagram_mention.json")))
    assert message.origin_post == OriginPost(
        external_id="17890000000000055", kind="media"
    )
    caption = {
        "change": {"field": "mentions", "value": {"media_id": "17890000000000055"}}
    }
    mention = only_message(parse_event("instagram.mentions", caption, IG_ACCOUNT))
    assert mention.origin_post is None  # the mention is the media itself


def test_messenger_message_from_an_ad_has_the_ad_post_as_origin():
    message = only_message(parse_one(load("messenger_ad_referral.json")))
    assert message.origin_post == OriginPost(
        external_id=f"{PAGE}_722000000000009",
        text="Autumn sale: 20% off all frames",
        from_account=True,
        kind="ad",
    )


def test_messenger_referral_without_ad_nor_post_tells_no_origin():
    body = load("messenger_ad_referral.json")
    message = body["entry"][0]["messaging"][0]["message"]
    message["referral"] = {
        "ref": "spring",
        "source": "SHORTLINK",
        "type": "OPEN_THREAD",
    }
    assert only_message(parse_one(body)).origin_post is None


def test_plain_private_messages_have_no_origin_post():
    assert only_message(parse_one(load("messenger_text.json"))).origin_post is None
    assert only_message(parse_one(load("instagram_dm.json"))).origin_post is None


def test_instagram_story_reply_has_the_story_as_origin():
    story = only_message(
        messaging(
            {
                "message": {
                    "mid": "aWdf_s",
                    "text": "Love it",
                    "reply_to": {"story": {"id": "1789", "url": "https://x.cdn/s"}},
                }
            },
            surface="instagram",
            sender=IGSID,
            recipient=IG_ACCOUNT,
        )
    )
    assert story.origin_post == OriginPost(
        external_id="1789", from_account=True, kind="story"
    )


# --- unknown events -----------------------------------------------------------


def test_unknown_field_is_ignored():
    # Ratings are handled since issue 12 item 11: a field nobody handles.
    body = load("unknown_field.json")
    body["entry"][0]["changes"][0]["field"] = "page_upcoming_change"
    event = parse_one(body)
    assert event.messages == []
    assert event.ignored == ["page.page_upcoming_change events are not handled"]


def test_unknown_event_type_is_ignored():
    assert parse_event("user.photos", {}, PAGE).ignored == [
        "user.photos events are not handled"
    ]


# --- poll pages ---------------------------------------------------------------


def test_poll_fb_comments():
    event = parse_event("poll.fb_comments", load("poll_fb_comments.json"), PAGE)
    assert event.ignored == []
    top, own, photo, sticker = event.messages
    assert (top.external_id, top.kind, top.parent_external_id) == (
        COMMENT,
        "comment",
        POST,
    )
    assert top.thread_key == f"fb:comment:{COMMENT}"
    assert top.author == MAIJA
    assert top.created_at == datetime(2026, 9, 1, 10, 0, 3)
    assert top.permalink == f"{POST_LINK}?comment_id=1290000000000001"
    assert (own.from_account, own.kind, own.parent_external_id) == (
        True,
        "reply",
        COMMENT,
    )
    assert own.thread_key == f"fb:comment:{COMMENT}"
    assert photo.text == "Here is a photo of the tracking page."
    assert [a.kind for a in photo.attachments] == ["image"]
    assert photo.attachments[0].url.startswith(
        "https://scontent.xx.fbcdn.net/v/t39.30808"
    )
    assert (sticker.text, sticker.attachments) == ("[sticker]", ())
    assert sticker.thread_key == "fb:comment:722000000000001_1290000000000004"


@pytest.mark.parametrize(
    "created_time",
    [
        "2026-09-01T12:00:03+0200",
        "2026-09-01T10:00:03+00:00",
        "2026-09-01T05:00:03-0500",
    ],
)
def test_graph_times_become_naive_utc(created_time):
    page = load("poll_fb_comments.json")
    page["comments"]["data"][0]["created_time"] = created_time
    event = parse_event("poll.fb_comments", page, PAGE)
    assert event.messages[0].created_at == datetime(2026, 9, 1, 10, 0, 3)


def test_poll_fb_comments_matches_the_webhook_ids():
    polled = parse_event("poll.fb_comments", load("poll_fb_comments.json"), PAGE)
    hooked = only_message(parse_one(load("feed_comment_add.json")))
    first = polled.messages[0]
    assert (first.external_id, first.thread_key, first.text) == (
        hooked.external_id,
        hooked.thread_key,
        hooked.text,
    )


def ig_poll_units(since=None):
    return split_ig_media(load("poll_ig_media.json")["data"][0], since)


def ig_polled(since=None):
    """The poll's units of the fixture's first media, parsed as the cron does."""
    return {
        message.external_id: message
        for _key, payload in ig_poll_units(since)
        for message in parse_event("poll.ig_comments", payload, IG_ACCOUNT).messages
    }


def test_split_ig_media_one_unit_per_comment_keyed_like_the_webhook():
    units = ig_poll_units()
    assert [key for key, _payload in units] == [
        "igc:17900000000000001:add",
        "igc:17900000000000003:add",
        "igc:17900000000000002:add",
        "igc:17900000000000004:add",
    ]
    hooked = {
        delivery.delivery_key
        for name in ("instagram_comment.json", "instagram_comment_reply.json")
        for delivery in split_delivery(load(name))
    }
    assert hooked <= {key for key, _payload in units}
    assert all("comments" not in payload["media"] for _key, payload in units)
    assert all("replies" not in payload["comment"] for _key, payload in units)
    media = load("poll_ig_media.json")["data"][1]
    assert split_ig_media(media) == [], "a media without comments has no unit"


def test_split_ig_media_keeps_whole_threads_active_since():
    def epoch(text):
        return int(datetime.fromisoformat(text).timestamp())

    kept = [key for key, _p in ig_poll_units(epoch("2026-09-01T00:00:00+00:00"))]
    assert kept == [
        "igc:17900000000000001:add",
        "igc:17900000000000003:add",
        "igc:17900000000000002:add",
    ]
    # Only the last reply is recent: its top-level comment comes along.
    assert len(ig_poll_units(epoch("2026-09-01T10:14:00+00:00"))) == 3
    assert ig_poll_units(epoch("2026-09-01T10:16:00+00:00")) == []


def test_poll_ig_comments_match_the_webhook_messages():
    polled = ig_polled()
    for name in ("instagram_comment.json", "instagram_comment_reply.json"):
        hooked = only_message(parse_one(load(name)))
        poll = polled[hooked.external_id]
        fields = (
            "channel",
            "thread_key",
            "kind",
            "parent_external_id",
            "author",
            "text",
            "from_account",
            "action",
        )
        assert [getattr(poll, f) for f in fields] == [
            getattr(hooked, f) for f in fields
        ]
        assert poll.origin_post.external_id == hooked.origin_post.external_id
        assert poll.origin_post.kind == hooked.origin_post.kind == "feed"
    top = polled["17900000000000001"]
    assert top.author == LIISA
    assert top.created_at == datetime(2026, 9, 1, 10, 10)
    assert top.permalink == "https://www.instagram.com/p/DAfakePermalink1/"
    assert top.origin_post == OriginPost(
        external_id="17890000000000001",
        permalink="https://www.instagram.com/p/DAfakePermalink1/",
        text="Autumn rides start here. Frames from 499 € #nordicbikes",
        from_account=True,
        kind="feed",
    )


def test_poll_ig_comments_own_reply_and_author_by_username_only():
    polled = ig_polled()
    own = polled["17900000000000003"]
    assert (own.from_account, own.kind, own.parent_external_id) == (
        True,
        "reply",
        "17900000000000001",
    )
    assert own.thread_key == "ig:comment:17900000000000001"
    media = load("poll_ig_media.json")["data"][0]
    del media["comments"]["data"][1]["from"]
    [*_thread, (_key, payload)] = split_ig_media(media)
    [message] = parse_event("poll.ig_comments", payload, IG_ACCOUNT).messages
    assert message.author == Author(
        external_id="@kai.rides",
        handle="kai.rides",
        profile_url="https://www.instagram.com/kai.rides",
    )
    assert message.thread_key == "ig:comment:17900000000000004"


def test_poll_ig_reply_without_parent_id_joins_its_top_level_comment():
    media = load("poll_ig_media.json")["data"][0]
    del media["comments"]["data"][0]["replies"]["data"][1]["parent_id"]
    payload = split_ig_media(media)[2][1]
    [reply] = parse_event("poll.ig_comments", payload, IG_ACCOUNT).messages
    assert reply.parent_external_id == "17900000000000001"
    assert reply.thread_key == "ig:comment:17900000000000001"


@pytest.mark.parametrize(
    "media",
    [
        {"caption": "no id"},
        {"id": "1789", "comments": {"data": {"id": "1790"}}},
        {"id": "1789", "comments": {"data": [{"text": "no id"}]}},
        {"id": "1789", "comments": {"data": [{"id": "1790", "timestamp": "soon"}]}},
        {"id": "1789", "comments": {"data": [{"id": "1790", "replies": [1]}]}},
    ],
)
def test_split_ig_media_refuses_malformed_media(media):
    with pytest.raises(PayloadError):
        split_ig_media(media, 0)


@pytest.mark.parametrize(
    "payload",
    [
        {"comment": {"id": "1790"}},
        {"media": {"id": "1789"}, "comment": {"text": "no id"}},
        {"media": {"id": "1789"}, "comment": {"id": "1790", "from": "liisa"}},
        {"media": {}, "comment": {"id": "1790"}},
    ],
)
def test_poll_ig_comments_refuses_malformed_units(payload):
    with pytest.raises(PayloadError):
        parse_event("poll.ig_comments", payload, IG_ACCOUNT)


def test_poll_conversations_messenger():
    event = parse_event("poll.conversations", load("poll_conversations.json"), PAGE)
    reply, media, text = event.messages
    assert {m.channel for m in event.messages} == {"messenger"}
    assert {m.thread_key for m in event.messages} == {f"messenger:{PSID}"}
    assert (reply.from_account, text.from_account) == (True, False)
    assert reply.external_id == "m_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789FakeMid005"
    assert text.author == Author(external_id=PSID, name="Maija Virtanen")
    assert text.created_at == datetime(2026, 9, 1, 10, 0, 3)
    assert text.text.startswith("Hyvää päivää!")
    assert [(a.kind, a.name, a.mimetype) for a in media.attachments] == [
        ("image", "image-1300000000000555.jpg", "image/jpeg"),
        ("file", "receipt-S00042.pdf", "application/pdf"),
    ]


def instagram_conversations():
    page = load("poll_conversations.json")
    conversation = page["data"][0]
    conversation["participants"]["data"] = [
        {"username": "liisa.cycles", "id": IGSID},
        {"username": "nordicbikes", "id": IG_ACCOUNT},
    ]
    for message in conversation["messages"]["data"]:
        ours = message["from"]["id"] == PAGE
        message["from"] = (
            {"username": "nordicbikes", "id": IG_ACCOUNT}
            if ours
            else {"username": "liisa.cycles", "id": IGSID}
        )
        message["to"]["data"] = [
            {"username": "liisa.cycles", "id": IGSID}
            if ours
            else {"username": "nordicbikes", "id": IG_ACCOUNT}
        ]
    return page


def test_poll_conversations_instagram_inferred_or_explicit():
    page = instagram_conversations()
    event = parse_event("poll.conversations", page, IG_ACCOUNT)
    assert {m.channel for m in event.messages} == {"instagram_dm"}
    assert {m.thread_key for m in event.messages} == {f"igdm:{IGSID}"}
    assert [m.from_account for m in event.messages] == [True, False, False]
    assert event.messages[1].author == LIISA
    page["platform"] = "instagram"
    for person in page["data"][0]["participants"]["data"]:
        del person["username"]
    explicit = parse_event("poll.conversations", page, IG_ACCOUNT)
    assert {m.channel for m in explicit.messages} == {"instagram_dm"}


# --- malformed data -----------------------------------------------------------


def with_value(name, **changes):
    body = load(name)
    body["entry"][0]["changes"][0]["value"].update(changes)
    return body


def with_message(name, **changes):
    body = load(name)
    body["entry"][0]["messaging"][0]["message"].update(changes)
    return body


@pytest.mark.parametrize(
    "body",
    [
        with_value("feed_comment_add.json", comment_id=None),
        with_value("feed_comment_add.json", post_id=""),
        with_value("feed_comment_add.json", item=None),
        with_value("feed_comment_add.json", verb=["add"]),
        with_value("feed_comment_add.json", message={"text": "hi"}),
        with_value("feed_comment_add.json", created_time="yesterday"),
        with_value("feed_comment_add.json", created_time=float("inf")),
        with_value("feed_comment_add.json", created_time=10**30),
        with_value("feed_comment_add.json", parent_id=False),
        with_value("feed_comment_add.json", post=[]),
        with_value("feed_comment_add.json", **{"from": {"name": "no id"}}),
        with_value("feed_visitor_post.json", photos="https://x"),
        with_value("instagram_comment.json", id=None),
        with_value("instagram_comment.json", text=42),
        with_value("instagram_comment.json", **{"from": "liisa"}),
        with_value("instagram_mention.json", comment_id=None, media_id=None),
        with_message("messenger_text.json", mid=None),
        with_message("messenger_text.json", text=None, attachments={"type": "image"}),
        with_message("messenger_text.json", attachments=["https://x"]),
        with_message(
            "messenger_text.json", attachments=[{"type": "image", "payload": 1}]
        ),
        with_message("instagram_dm.json", reply_to="m_1"),
    ],
)
def test_malformed_event_raises_payload_error(body):
    with pytest.raises(PayloadError):
        parse_all(body)


@pytest.mark.parametrize(
    ("event_type", "payload", "account_ref"),
    [
        ("page.feed", [], PAGE),
        ("page.feed", {}, PAGE),
        ("page.feed", {"change": {"field": "feed"}}, PAGE),
        ("page.feed", {"change": {"value": {}}}, ""),
        (None, {}, PAGE),
        ("page.messaging", {"messaging": {"message": {"mid": "m_1"}}}, PAGE),
        ("page.messaging", {"messaging": {"message": "hi"}}, PAGE),
        (
            "page.messaging",
            {"messaging": {"sender": {"id": PSID}, "postback": {}}},
            PAGE,
        ),
        ("poll.fb_comments", {"comments": {"data": []}}, PAGE),
        ("poll.fb_comments", {"post": {"id": POST}, "comments": {"data": {}}}, PAGE),
        ("poll.fb_comments", {"post": {"id": POST}, "comments": {"data": [{}]}}, PAGE),
        ("poll.conversations", {"data": [{"messages": {"data": [{"id": "m"}]}}]}, PAGE),
        ("poll.conversations", {"data": [], "platform": "whatsapp"}, PAGE),
        (
            "poll.conversations",
            {"data": [{"messages": {"data": [{"id": "m", "from": {"id": PAGE}}]}}]},
            PAGE,
        ),
    ],
)
def test_malformed_unit_raises_payload_error(event_type, payload, account_ref):
    with pytest.raises(PayloadError):
        parse_event(event_type, payload, account_ref)


# --- property: untrusted input only ever raises PayloadError ------------------

KEYS = [
    "object",
    "entry",
    "id",
    "time",
    "changes",
    "messaging",
    "standby",
    "field",
    "value",
    "item",
    "verb",
    "from",
    "name",
    "username",
    "post",
    "post_id",
    "comment_id",
    "parent_id",
    "parent",
    "created_time",
    "message",
    "photo",
    "photos",
    "link",
    "permalink_url",
    "media",
    "media_id",
    "text",
    "sender",
    "recipient",
    "timestamp",
    "mid",
    "is_echo",
    "is_deleted",
    "is_unsupported",
    "metadata",
    "attachments",
    "type",
    "payload",
    "url",
    "title",
    "sticker_id",
    "reply_to",
    "story",
    "message_edit",
    "num_edit",
    "postback",
    "read",
    "watermark",
    "delivery",
    "reaction",
    "referral",
    "data",
    "comments",
    "participants",
    "to",
    "attachment",
    "image",
    "src",
    "source",
    "image_data",
    "video_data",
    "file_url",
    "mime_type",
    "platform",
]
EVENT_TYPES = [
    "page.feed",
    "page.messaging",
    "page.standby",
    "instagram.comments",
    "instagram.live_comments",
    "instagram.mentions",
    "instagram.messaging",
    "instagram.standby",
    "poll.fb_comments",
    "poll.conversations",
    "page.ratings",
]
LEAVES = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**25), max_value=10**25)
    | st.floats()
    | st.text(max_size=12)
    | st.sampled_from(
        [
            "add",
            "edited",
            "remove",
            "comment",
            "photo",
            "image",
            "sticker",
            PAGE,
            "2026",
        ]
    )
)
JSON = st.recursive(
    LEAVES,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(KEYS) | st.text(max_size=6), inner, max_size=6
        )
    ),
    max_leaves=25,
)
FIXTURES = {path.name: json.loads(path.read_text()) for path in META.glob("*.json")}
DELETE = object()


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict | list):
        children = node.items() if isinstance(node, dict) else enumerate(node)
        for key, child in children:
            yield from _paths(child, (*prefix, key))


PATHS = [
    (name, path) for name, body in FIXTURES.items() for path in _paths(body) if path
]


def _mutate(name, path, replacement):
    body = copy.deepcopy(FIXTURES[name])
    parent = body
    for key in path[:-1]:
        parent = parent[key]
    if replacement is DELETE:
        del parent[path[-1]]
    else:
        parent[path[-1]] = replacement
    return name, body


def _check(event_type, payload, account_ref):
    try:
        event = parse_event(event_type, payload, account_ref)
    except PayloadError:
        return
    for message in event.messages:
        assert message.account_ref == str(account_ref).strip()
        assert message.thread_key and message.external_id


def _check_delivery(body):
    try:
        deliveries = split_delivery(body)
    except PayloadError:
        return
    for delivery in deliveries:
        assert isinstance(delivery.delivery_key, str) and delivery.delivery_key
        _check(delivery.event_type, delivery.payload, delivery.account_ref)


PROPERTY = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


MUTATED = st.tuples(st.sampled_from(PATHS), JSON | st.just(DELETE)).map(
    lambda args: _mutate(*args[0], args[1])
)


@PROPERTY
@given(MUTATED)
def test_mutated_fixtures_only_raise_payload_error(named_body):
    name, body = named_body
    if name.startswith("poll_"):
        event_type = "poll.fb_comments" if "comments" in name else "poll.conversations"
        _check(event_type, body, PAGE)
    else:
        _check_delivery(body)


@PROPERTY
@given(
    JSON
    | st.fixed_dictionaries(
        {"object": st.sampled_from(["page", "instagram"]) | LEAVES},
        optional={"entry": st.lists(JSON, max_size=3)},
    )
)
def test_random_deliveries_only_raise_payload_error(body):
    _check_delivery(body)


@PROPERTY
@given(
    st.sampled_from(EVENT_TYPES) | st.text(max_size=8),
    st.dictionaries(st.sampled_from(KEYS), JSON, max_size=5) | JSON,
    st.sampled_from([PAGE, IG_ACCOUNT, ""]) | LEAVES,
)
def test_random_units_only_raise_payload_error(event_type, payload, account_ref):
    _check(event_type, payload, account_ref)


# --- issue 12: what Meta's own apps, Messenger and Instagram send besides text ---


def test_hide_fixture_names_the_comment_and_when():
    [event] = parse_all(load("feed_comment_hide.json"))
    assert event.messages == []
    assert event.signals == [
        AccountSignal(PAGE, "hidden", target=COMMENT, at=datetime(2026, 9, 1, 10, 20))
    ]


def test_hidden_visitor_post_names_the_post():
    body = load("feed_visitor_post.json")
    body["entry"][0]["changes"][0]["value"]["verb"] = "hide"
    [signal] = parse_one(body).signals
    assert (signal.kind, signal.target) == (
        "hidden",
        body["entry"][0]["changes"][0]["value"]["post_id"],
    )


def test_link_share_keeps_its_title_and_url():
    message = only_message(parse_one(load("messenger_link_share.json")))
    assert message.text == (
        "[fallback] Spring sale - Nordic Bikes https://nordicbikes.example/sale"
    )
    assert message.attachments == ()


def test_location_keeps_its_coordinates_with_a_map_link():
    message = only_message(parse_one(load("messenger_location.json")))
    assert message.text == (
        "[location] 60.1699, 24.9384 https://www.openstreetmap.org/"
        "?mlat=60.1699&mlon=24.9384#map=17/60.1699/24.9384"
    )


def test_location_with_bad_coordinates_is_unreadable():
    body = load("messenger_location.json")
    attachment = body["entry"][0]["messaging"][0]["message"]["attachments"][0]
    attachment["payload"]["coordinates"]["lat"] = "north"
    with pytest.raises(PayloadError, match="latitude"):
        parse_one(body)


def test_get_started_from_a_link_says_where_it_came_from():
    message = only_message(parse_one(load("messenger_postback_link.json")))
    assert (
        message.text == "Get Started\n[opened from an m.me link, ref spring-campaign]"
    )
    assert message.origin_post is None
    assert message.thread_key == f"messenger:{PSID}"


def test_get_started_from_an_ad_keeps_the_ad_as_origin():
    message = only_message(parse_one(load("messenger_postback_ad.json")))
    assert message.text == "Get Started\n[opened from an ad, ref ad-ref]"
    assert message.origin_post == OriginPost(
        external_id=f"{PAGE}_722000000000777",
        text="Autumn service check",
        from_account=True,
        kind="ad",
    )


def test_postback_without_title_keeps_its_payload():
    message = only_message(parse_one(load("messenger_postback_untitled.json")))
    assert message.text == "[button] ORDER_STATUS"


def test_policy_enforcement_is_an_account_signal():
    event = parse_one(load("messenger_policy_enforcement.json"))
    assert event.messages == [] and event.ignored == []
    assert event.signals == [
        AccountSignal(
            PAGE,
            "restricted",
            "block: The app sent messages that break the Messenger Platform policies.",
        )
    ]


def test_policy_unblock_is_recorded_not_alerted():
    body = load("messenger_policy_enforcement.json")
    body["entry"][0]["messaging"][0]["policy-enforcement"]["action"] = "unblock"
    event = parse_one(body)
    assert event.signals == [] and "lifted" in event.ignored[0]


def test_standby_message_is_kept_as_handled_elsewhere():
    event = parse_one(load("messenger_standby.json"))
    [message] = event.messages
    assert message.handled_elsewhere is True
    assert (message.external_id, message.text) == (
        "m_FakeMidStandby00001",
        "Still waiting for my refund!",
    )
    assert message.thread_key == f"messenger:{PSID}" and message.kind == "dm"


def test_standby_receipts_stay_ignored():
    body = load("messenger_read.json")
    entry = body["entry"][0]
    entry["standby"] = entry.pop("messaging")
    event = parse_one(body)
    assert event.messages == [] and "standby" in event.ignored[0]


def test_story_mention_is_a_mention_with_its_media():
    message = only_message(parse_one(load("instagram_story_mention.json")))
    assert message.kind == "mention" and message.channel == "instagram_dm"
    assert message.text == "[mentioned the account in their story]"
    assert message.attachments == (
        Attachment(
            url="https://lookaside.fbsbx.com/ig_messaging_cdn/"
            "?asset_id=17990000000000001&signature=FAKE",
            kind="file",
            name="story-mention",
        ),
    )


def test_story_reply_keeps_the_story_media_and_origin():
    message = only_message(parse_one(load("instagram_story_reply.json")))
    assert message.kind == "dm"
    assert message.text == "Is this one still in stock?\n[reply to a story]"
    assert [a.url for a in message.attachments] == [
        "https://lookaside.fbsbx.com/ig_messaging_cdn/"
        "?asset_id=17990000000000002&signature=FAKE"
    ]
    assert message.origin_post == OriginPost(
        external_id="17990000000000002", from_account=True, kind="story"
    )


def test_ig_story_attachment_uses_story_media_url():
    message = only_message(parse_one(load("instagram_ig_story_share.json")))
    assert message.text == "[story]"
    assert [a.url for a in message.attachments] == [
        "https://lookaside.fbsbx.com/ig_messaging_cdn/"
        "?asset_id=17990000000000003&signature=FAKE"
    ]


def test_dashboard_test_is_recognised_not_a_comment():
    [delivery] = split_delivery(load("instagram_dashboard_test.json"))
    assert is_dashboard_test(delivery)
    event = parse_event(delivery.event_type, delivery.payload, delivery.account_ref)
    assert event.messages == []
    assert event.ignored == ["webhook test from Meta's dashboard"]
    assert not any(
        is_dashboard_test(d) for d in split_delivery(load("instagram_comment.json"))
    )


def test_negative_recommendation_is_a_public_conversation_on_its_story():
    message = only_message(parse_one(load("page_rating_negative.json")))
    assert message.kind == "negative_recommendation"
    assert message.channel == "facebook_comment" and not message.is_private
    assert message.external_id == "722000000000666"
    assert message.thread_key == "fb:rating:722000000000666"
    assert message.text == "Bike arrived broken and nobody answers the phone."
    assert message.author == Author(
        external_id="7012345678901299", name="Pekka Korhonen"
    )
    assert message.permalink == "https://www.facebook.com/722000000000666"
    assert message.created_at == datetime(2026, 9, 1, 12, 18, 10)


def test_positive_recommendation_and_edits():
    message = only_message(parse_one(load("unknown_field.json")))
    assert (message.kind, message.action) == ("recommendation", "create")
    body = load("unknown_field.json")
    body["entry"][0]["changes"][0]["value"]["verb"] = "edited"
    assert only_message(parse_one(body)).action == "edit"


def test_recommendation_without_text_is_ignored():
    body = load("page_rating_negative.json")
    del body["entry"][0]["changes"][0]["value"]["review_text"]
    event = parse_one(body)
    assert event.messages == []
    assert event.ignored == ["Facebook recommendation 722000000000666 without text"]


def test_poll_gives_comments_oldest_first():
    # The poll asks Graph for order=reverse_chronological: newest first.
    page = load("poll_fb_comments.json")
    expected = [c["id"] for c in page["comments"]["data"]]
    page["comments"]["data"].reverse()
    event = parse_event("poll.fb_comments", page, PAGE)
    assert [m.external_id for m in event.messages] == expected
