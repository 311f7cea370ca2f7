"""X payloads (AAA, XAA, polled v2 pages) into normalized messages."""

import contextlib
import copy
from datetime import datetime

import pytest
from conftest import load_fixture
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from odoo.addons.social_care.tools.normalized import (
    AccountSignal,
    Attachment,
    Author,
    OriginPost,
    PayloadError,
)
from odoo.addons.social_care_twitter.tools.x_parse import parse_event
from odoo.addons.social_care_twitter.tools.x_webhook import split_delivery

ACCOUNT = "1500000000000000001"
JANE = "1600000000000000077"
MARCO = "44196397"


def parse_fixture(name, account_ref=ACCOUNT):
    """Every message of a webhook fixture, through split_delivery as in production."""
    units = split_delivery(load_fixture(f"x/{name}.json"))
    return [parse_event(u.event_type, u.payload, u.account_ref) for u in units]


def only_message(name):
    [event] = parse_fixture(name)
    assert event.ignored == [] and event.signals == []
    [message] = event.messages
    return message


def test_aaa_mention():
    message = only_message("aaa_tweet_create_mention")
    assert message.account_ref == ACCOUNT
    assert message.external_id == "2095000000000000001"
    assert message.channel == "x_public" and not message.is_private
    assert message.thread_key == "x:conv:2095000000000000001"
    assert message.kind == "mention"  # in_reply_to_user_id alone is not a reply
    assert message.action == "create"
    assert message.parent_external_id == ""
    assert message.text.startswith("@AcmeSupport my order A-10442 arrived")
    assert message.author == Author(
        external_id=JANE,
        handle="jane_doe_42",
        name="Jane Doe",
        avatar_url="https://pbs.twimg.com/profile_images/1600000000000000500/jAnE_normal.jpg",
        profile_url="https://x.com/jane_doe_42",
        followers_count=312,
    )
    assert message.permalink == "https://x.com/jane_doe_42/status/2095000000000000001"
    assert message.created_at == datetime(2026, 9, 1, 10, 0)
    assert message.from_account is False
    assert message.attachments == (
        Attachment(url="https://pbs.twimg.com/media/GZx1aQ_WcAAm3Kp.jpg", kind="image"),
    )


def test_aaa_batch_long_reply_and_own_answer():
    customer, own = (
        event.messages[0] for event in parse_fixture("aaa_tweet_create_batch")
    )
    # truncated: the full text comes from extended_tweet
    assert customer.text.endswith("what are my options for a replacement?")
    assert len(customer.text) > 280
    assert customer.kind == "reply"
    assert customer.parent_external_id == "2095000000000000010"
    # a reply to the account's own post: this customer's thread under it (issue 12)
    assert customer.thread_key == f"x:conv:2095000000000000010:{JANE}"
    assert customer.created_at == datetime(2026, 9, 1, 11, 42, 5)
    # the account's own answer is a message too, marked as ours
    assert own.from_account is True
    assert own.author.handle == "AcmeSupport"
    assert own.parent_external_id == customer.external_id
    assert own.thread_key == "x:conv:2095000000000000011"  # base inherits the parent's


def test_aaa_direct_message_received():
    message = only_message("aaa_direct_message")
    assert message.channel == "x_dm" and message.is_private
    assert message.kind == "dm"
    assert message.external_id == "2095000000000000100"
    # {smaller}-{larger} as numbers: as strings "44196397" would sort last
    assert message.thread_key == f"x:dm:{MARCO}-{ACCOUNT}"
    assert message.author.handle == "marco_rossi"
    assert message.author.followers_count == 1893
    assert message.created_at == datetime(2026, 9, 1, 12, 5, 9, 412000)
    assert "+39 347 123 4567" in message.text
    assert message.from_account is False
    assert message.attachments[0].url.startswith(
        "https://ton.twitter.com/1.1/ton/data/dm/"
    )


def test_aaa_direct_message_sent_by_the_account():
    message = only_message("aaa_direct_message_own")
    assert message.from_account is True
    assert message.thread_key == f"x:dm:{MARCO}-{ACCOUNT}"
    assert message.author.external_id == ACCOUNT
    assert message.text.endswith("Ticket HT00042.")


def test_aaa_tweet_delete():
    message = only_message("aaa_tweet_delete")
    assert (message.action, message.external_id, message.text) == (
        "delete",
        "2095000000000000001",
        "",
    )
    assert message.thread_key == "x:conv:2095000000000000001"
    assert message.author.external_id == JANE


@pytest.mark.parametrize("name", ["aaa_user_revoke", "xaa_oauth_revoke"])
def test_revoke_is_an_account_signal(name):
    [event] = parse_fixture(name)
    assert event.messages == []
    assert event.signals == [
        AccountSignal(
            ACCOUNT, "revoked", "access revoked on X 2026-09-03T08:15:00+00:00"
        )
    ]


def test_xaa_mention_with_photo():
    message = only_message("xaa_post_mention")
    assert message.external_id == "2095000000000000201"
    assert message.kind == "mention"
    assert message.thread_key == "x:conv:2095000000000000201"
    assert message.text.startswith("@AcmeSupport 我的订单 A-10488")
    assert message.author.name == "李伟"
    assert message.author.followers_count == 87
    assert message.created_at == datetime(2026, 9, 1, 14, 3, 51)
    assert message.attachments == (
        Attachment(url="https://pbs.twimg.com/media/GZy9TrPXoAAf4Qe.jpg", kind="image"),
    )


def test_xaa_reply_threads_on_conversation_id():
    message = only_message("xaa_post_reply")
    assert message.kind == "reply"
    assert message.parent_external_id == "2095000000000000300"
    # under the account's own post: Jane's own thread (issue 12)
    assert message.thread_key == f"x:conv:2095000000000000300:{JANE}"
    assert message.author.handle == "jane_doe_42"


def test_xaa_quote_without_includes():
    message = only_message("xaa_post_quote")
    assert message.kind == "quote"
    assert message.author == Author(external_id=MARCO)  # X expanded nothing
    assert message.permalink == "https://x.com/i/web/status/2095000000000000302"


def test_xaa_dm_received_unwraps_users():
    message = only_message("xaa_dm_received")
    assert message.thread_key == f"x:dm:{ACCOUNT}-{JANE}"
    assert message.author.handle == "jane_doe_42"
    assert message.author.followers_count == 312
    assert message.created_at == datetime(2026, 9, 2, 10, 0, 0, 250000)


def test_xaa_dm_sent_is_from_the_account():
    body = load_fixture("x/xaa_dm_received.json")
    dm = body["data"]["payload"]["direct_message_events"][0]["message_create"]
    dm["sender_id"], dm["target"]["recipient_id"] = ACCOUNT, JANE
    body["data"]["event_type"] = "dm.sent"
    [unit] = split_delivery(body)
    [message] = parse_event(unit.event_type, unit.payload, ACCOUNT).messages
    assert message.from_account is True
    assert message.thread_key == f"x:dm:{ACCOUNT}-{JANE}"


def test_xaa_unknown_event_is_ignored():
    [event] = parse_fixture("xaa_unknown")
    assert event.messages == [] and event.signals == []
    assert event.ignored == ["X event type 'xaa.follow.follow' is not handled"]


def test_xaa_post_delete():
    body = {
        "data": {
            "event_uuid": "-2781149976877970601",
            "filter": {"user_id": ACCOUNT},
            "event_type": "post.delete",
            "payload": {"id": "2095000000000000012", "author_id": ACCOUNT},
        }
    }
    [message] = parse_event("xaa.post.delete", body, ACCOUNT).messages
    assert (message.action, message.from_account) == ("delete", True)


def test_poll_mentions_page1():
    event = parse_event(
        "poll.mentions", load_fixture("x/poll_mentions_page1.json"), ACCOUNT
    )
    assert event.ignored == []
    followup, root = event.messages
    assert root.kind == "mention"
    assert followup.kind == "reply"
    assert root.thread_key == followup.thread_key == "x:conv:2095000000000000500"
    assert followup.parent_external_id == root.external_id
    assert followup.author.handle == "marco_rossi"
    # a video gives its preview picture, a photo its own URL
    assert followup.attachments == (
        Attachment(
            url="https://pbs.twimg.com/ext_tw_video_thumb/2095000000000000503/pu/img/Vd3xQ1.jpg",
            kind="image",
        ),
    )
    assert root.attachments[0].url == "https://pbs.twimg.com/media/GZzA1bXWoAE7wHk.png"
    assert root.created_at == datetime(2026, 9, 1, 15, 2, 9)


def test_poll_mentions_page2_note_tweet_edit_repost_and_partial_error():
    event = parse_event(
        "poll.mentions", load_fixture("x/poll_mentions_page2.json"), ACCOUNT
    )
    [long_post] = event.messages
    assert long_post.text.endswith("call +39 02 1234 5678.")  # note_tweet, not the cut
    assert long_post.action == "edit"
    assert long_post.external_id == "2095000000000000488"  # the first version's id
    assert long_post.permalink.endswith("/status/2095000000000000490")  # the latest
    assert long_post.thread_key == "x:conv:2095000000000000488"
    assert event.ignored == [
        "post 2095000000000000491 is a repost, not a conversation",
        (
            "X reported a partial error: Could not find tweet with "
            "referenced_tweets.id: [2095000000000000480]."
        ),
    ]


def test_poll_search_reads_the_same_page_shape():
    page = load_fixture("x/poll_mentions_page1.json")
    assert parse_event("poll.search", page, ACCOUNT) == parse_event(
        "poll.mentions", page, ACCOUNT
    )


def test_poll_empty_page():
    event = parse_event(
        "poll.mentions", load_fixture("x/poll_mentions_empty.json"), ACCOUNT
    )
    assert (event.messages, event.signals, event.ignored) == ([], [], [])


def test_poll_dm_events():
    event = parse_event(
        "poll.dm_events", load_fixture("x/poll_dm_events.json"), ACCOUNT
    )
    ours, photo, hello = event.messages
    assert ours.from_account is True
    assert ours.thread_key == photo.thread_key == f"x:dm:{MARCO}-{ACCOUNT}"
    assert photo.attachments[0].url.endswith("/bOx7.jpg")
    assert hello.thread_key == f"x:dm:{ACCOUNT}-{JANE}"
    assert hello.author.name == "Jane Doe"
    assert hello.created_at == datetime(2026, 9, 1, 8, 59, 59)
    assert event.ignored == [
        "DM event 2095000000000000601 is a 'ParticipantsJoin' event, not a message"
    ]


# --- origin posts: the post a conversation started under ---


def test_xaa_reply_origin_is_the_accounts_post_from_includes():
    message = only_message("xaa_post_reply")
    assert message.origin_post == OriginPost(
        external_id="2095000000000000300",
        permalink="https://x.com/i/web/status/2095000000000000300",
        text="Firmware 4.2 for the Acme X1 and X2 is rolling out today.",
        from_account=True,
        kind="tweet",
    )


def test_xaa_reply_origin_without_includes_is_ours_when_replying_to_us():
    body = load_fixture("x/xaa_post_reply.json")
    body["data"]["includes"].pop("tweets")
    [unit] = split_delivery(body)
    [message] = parse_event(unit.event_type, unit.payload, ACCOUNT).messages
    origin = message.origin_post
    assert (origin.external_id, origin.from_account, origin.text) == (
        "2095000000000000300",
        True,
        "",
    )


def test_xaa_quote_origin_is_the_quoted_post_with_its_link():
    message = only_message("xaa_post_quote")
    # nothing expanded: the link in the text is all X tells, not who wrote it
    assert message.origin_post == OriginPost(
        external_id="2095000000000000300",
        permalink="https://twitter.com/AcmeSupport/status/2095000000000000300",
        kind="tweet",
    )


def test_a_new_mention_has_no_origin_post():
    assert only_message("xaa_post_mention").origin_post is None
    assert only_message("aaa_tweet_create_mention").origin_post is None


def test_poll_reply_under_a_customers_post_has_it_as_origin():
    event = parse_event(
        "poll.mentions", load_fixture("x/poll_mentions_page1.json"), ACCOUNT
    )
    followup, root = event.messages
    assert root.origin_post is None
    assert followup.origin_post.external_id == root.external_id
    assert followup.origin_post.from_account is False  # Jane wrote it
    assert followup.origin_post.permalink == (
        "https://x.com/jane_doe_42/status/2095000000000000500"
    )
    assert followup.origin_post.text.startswith("@AcmeSupport the app keeps")


def test_v1_reply_to_the_account_has_its_post_as_origin():
    customer, own = (
        event.messages[0] for event in parse_fixture("aaa_tweet_create_batch")
    )
    assert customer.origin_post == OriginPost(
        external_id="2095000000000000010",
        permalink="https://x.com/AcmeSupport/status/2095000000000000010",
        from_account=True,
        kind="tweet",
    )
    # the account answering a customer's reply is no origin post
    assert own.origin_post is None


def test_v1_quote_of_the_accounts_post():
    payload = mention_payload()
    tweet = payload["tweet_create_events"][0]
    account_user = {"id_str": ACCOUNT, "screen_name": "AcmeSupport"}
    tweet.update(
        is_quote_status=True,
        in_reply_to_user_id_str=None,
        quoted_status_id_str="2095000000000000300",
        quoted_status={
            "id_str": "2095000000000000300",
            "text": "Firmware 4.2 is rolling out today.",
            "user": account_user,
        },
    )
    origin = parse_mention(payload).messages[0].origin_post
    assert origin == OriginPost(
        external_id="2095000000000000300",
        permalink="https://x.com/AcmeSupport/status/2095000000000000300",
        text="Firmware 4.2 is rolling out today.",
        from_account=True,
        kind="tweet",
    )


def test_dm_sharing_a_post_has_it_as_origin():
    [message] = parse_event(
        "poll.dm_events", load_fixture("x/poll_dm_shared_post.json"), ACCOUNT
    ).messages
    origin = message.origin_post
    assert origin.external_id == "2095000000000000400"
    assert origin.from_account is True
    assert origin.permalink == "https://x.com/AcmeSupport/status/2095000000000000400"
    assert "utm_campaign=autumn_sale" in origin.text


def test_legacy_dm_linking_a_post_has_it_as_origin():
    payload = load_fixture("x/aaa_direct_message.json")
    data = payload["direct_message_events"][0]["message_create"]["message_data"]
    data["entities"]["urls"].append(
        {
            "url": "https://t.co/Ofr7Xk2Lq1",
            "expanded_url": "https://twitter.com/AcmeSupport/status/2095000000000000400",
        }
    )
    [message] = parse_event("aaa.direct_message", payload, ACCOUNT).messages
    assert message.origin_post == OriginPost(
        external_id="2095000000000000400",
        permalink="https://twitter.com/AcmeSupport/status/2095000000000000400",
        kind="tweet",
    )


def test_private_messages_have_no_origin_post_unless_told():
    assert only_message("aaa_direct_message").origin_post is None
    event = parse_event(
        "poll.dm_events", load_fixture("x/poll_dm_events.json"), ACCOUNT
    )
    assert {m.origin_post for m in event.messages} == {None}


# --- v1.1 variations on the mention fixture ---


def mention_payload():
    return load_fixture("x/aaa_tweet_create_mention.json")


def parse_mention(payload):
    return parse_event("aaa.tweet_create", payload, ACCOUNT)


def test_v1_quote():
    payload = mention_payload()
    tweet = payload["tweet_create_events"][0]
    tweet.update(is_quote_status=True, quoted_status_id_str="2095000000000000300")
    assert parse_mention(payload).messages[0].kind == "quote"


def test_v1_retweet_is_ignored():
    payload = mention_payload()
    tweet = payload["tweet_create_events"][0]
    tweet["retweeted_status"] = copy.deepcopy(tweet)
    event = parse_mention(payload)
    assert event.messages == []
    assert event.ignored == [
        "tweet 2095000000000000001 is a retweet, not a conversation"
    ]


@pytest.mark.parametrize(
    ("flag", "value"), [("user_has_blocked", "true"), ("is_blocked_by", True)]
)
def test_v1_mention_by_a_blocked_user_is_ignored(flag, value):
    payload = mention_payload()
    payload.pop("user_has_blocked")
    payload[flag] = value
    event = parse_mention(payload)
    assert event.messages == []
    assert event.ignored == ["the author of the mention is blocked by the account"]


def test_v1_edit_lands_on_the_first_version():
    payload = mention_payload()
    tweet = payload["tweet_create_events"][0]
    tweet["id_str"] = "2095000000000000009"
    tweet["edit_history"] = {
        "initial_tweet_id": "2095000000000000001",
        "edit_tweet_ids": ["2095000000000000001", "2095000000000000009"],
    }
    [message] = parse_mention(payload).messages
    assert (message.external_id, message.action) == ("2095000000000000001", "edit")
    assert message.thread_key == "x:conv:2095000000000000001"


def test_v1_date_with_offset_is_converted_to_utc():
    payload = mention_payload()
    payload["tweet_create_events"][0]["created_at"] = "Tue Sep 01 12:30:00 +0230 2026"
    assert parse_mention(payload).messages[0].created_at == datetime(2026, 9, 1, 10, 0)


def test_revoke_without_any_user_is_malformed():
    with pytest.raises(PayloadError, match="names no user"):
        parse_event("xaa.oauth.revoke", {"data": {"filter": {}, "payload": {}}}, "")


def test_unknown_event_types_are_ignored():
    event = parse_event("aaa.unknown.favorite_events", {"favorite_events": []}, ACCOUNT)
    assert event.messages == []
    assert event.ignored == [
        "X event type 'aaa.unknown.favorite_events' is not handled"
    ]


# --- malformed data: a PayloadError that says what is wrong ---


def broken(path, value):
    """The mention fixture with one value replaced (a path of keys and indexes)."""
    payload = mention_payload()
    node = payload
    for step in path[:-1]:
        node = node[step]
    if value is KeyError:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return payload


TWEET = ("tweet_create_events", 0)


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (broken((*TWEET, "id_str"), KeyError), "tweet id_str is missing"),
        (broken((*TWEET, "id_str"), 2095000000000000001), "tweet id_str is missing"),
        (broken((*TWEET, "id_str"), "20950-x"), "not an X id"),
        (broken((*TWEET, "user"), None), "user of tweet 2095000000000000001"),
        (broken((*TWEET, "user", "id_str"), KeyError), "user.id_str"),
        (broken((*TWEET, "text"), ["a"]), "text of tweet"),
        (broken((*TWEET, "created_at"), "2026-09-01"), "not a v1.1 date"),
        (
            broken((*TWEET, "created_at"), "Tue Feb 31 10:00:00 +0000 2026"),
            "valid date",
        ),
        (broken((*TWEET, "extended_entities"), "media"), "entities is not an object"),
        (
            broken(("tweet_create_events",), {"0": {}}),
            "tweet_create_events is not a list",
        ),
        (broken(("tweet_create_events",), [7]), "an item of tweet_create_events"),
    ],
)
def test_malformed_tweets(payload, message):
    with pytest.raises(PayloadError, match=message):
        parse_mention(payload)


@pytest.mark.parametrize(
    ("event_type", "payload", "message"),
    [
        ("aaa.tweet_create", ["not", "a", "dict"], "not an object"),
        (
            "aaa.direct_message",
            {"direct_message_events": [{"type": "message_create"}]},
            "direct message id",
        ),
        (
            "aaa.direct_message",
            {
                "direct_message_events": [
                    {"id": "1", "type": "message_create", "message_create": {}}
                ]
            },
            "sender_id of DM 1",
        ),
        (
            "aaa.direct_message",
            {
                "direct_message_events": [
                    {
                        "id": "1",
                        "type": "message_create",
                        "created_timestamp": "yesterday",
                        "message_create": {
                            "sender_id": "2",
                            "target": {"recipient_id": "3"},
                            "message_data": {"text": "hi"},
                        },
                    }
                ]
            },
            "timestamp in milliseconds",
        ),
        ("aaa.direct_message", {"users": "nobody"}, "users is not a list"),
        (
            "aaa.tweet_delete",
            {"tweet_delete_events": [{"status": {"id": 5}}]},
            "deleted tweet id",
        ),
        ("aaa.revoke", {"user_event": {"revoke": {"source": {}}}}, "source.user_id"),
        ("xaa.post.mention.create", {"data": {"payload": None}}, "payload of None"),
        (
            "xaa.post.mention.create",
            {"data": {"payload": {"id": "1"}}},
            "author_id of post 1",
        ),
        (
            "xaa.post.mention.create",
            {"data": {"payload": {"id": "1", "author_id": "2", "created_at": "soon"}}},
            "not an ISO date",
        ),
        (
            "poll.mentions",
            {"data": [{"id": "1", "author_id": "2"}], "includes": []},
            "includes",
        ),
        (
            "poll.mentions",
            {"includes": {"users": [{"name": "no id"}]}},
            "the id of a user",
        ),
    ],
)
def test_malformed_payloads(event_type, payload, message):
    with pytest.raises(PayloadError, match=message):
        parse_event(event_type, payload, ACCOUNT)


# --- property: whatever arrives, only PayloadError may come out ---

EVENT_TYPES = [
    "aaa.tweet_create",
    "aaa.direct_message",
    "aaa.tweet_delete",
    "aaa.revoke",
    "xaa.post.mention.create",
    "xaa.post.reply.create",
    "xaa.post.quote.create",
    "xaa.post.create",
    "xaa.post.delete",
    "xaa.dm.received",
    "xaa.dm.sent",
    "xaa.oauth.revoke",
    "poll.mentions",
    "poll.search",
    "poll.dm_events",
    "aaa.unknown.follow_events",
]
KEYS = [
    "for_user_id",
    "tweet_create_events",
    "direct_message_events",
    "tweet_delete_events",
    "user_event",
    "revoke",
    "source",
    "user_id",
    "data",
    "event_type",
    "event_uuid",
    "filter",
    "payload",
    "includes",
    "users",
    "media",
    "id",
    "id_str",
    "text",
    "user",
    "author_id",
    "created_at",
    "created_timestamp",
    "message_create",
    "sender_id",
    "target",
    "recipient_id",
    "message_data",
    "attachment",
    "attachments",
    "media_keys",
    "referenced_tweets",
    "type",
    "status",
    "edit_history_tweet_ids",
    "note_tweet",
    "extended_tweet",
    "entities",
    "dm_conversation_id",
    "errors",
    "username",
]
scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.sampled_from(
        [
            "",
            "1",
            "44196397",
            "2095000000000000001",
            "message_create",
            "MessageCreate",
            "retweeted",
            "photo",
            "Tue Sep 01 10:00:00 +0000 2026",
            "2026-09-01T10:00:00.000Z",
            "1788256800000",
            "1-2",
            "true",
        ]
    )
    | st.text(max_size=12)
)
json_like = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(KEYS) | st.text(max_size=6), children, max_size=6
        )
    ),
    max_leaves=15,
)


def fixture_units():
    """(event_type, payload) of every fixture, as the pipeline stores them."""
    units = []
    for name in [
        "aaa_tweet_create_mention",
        "aaa_tweet_create_batch",
        "aaa_direct_message",
        "aaa_direct_message_own",
        "aaa_tweet_delete",
        "aaa_user_revoke",
        "xaa_post_mention",
        "xaa_post_reply",
        "xaa_post_quote",
        "xaa_dm_received",
        "xaa_oauth_revoke",
        "xaa_unknown",
    ]:
        units += [
            (u.event_type, u.payload)
            for u in split_delivery(load_fixture(f"x/{name}.json"))
        ]
    for name, event_type in [
        ("poll_mentions_page1", "poll.mentions"),
        ("poll_mentions_page2", "poll.search"),
        ("poll_dm_events", "poll.dm_events"),
        ("poll_dm_shared_post", "poll.dm_events"),
    ]:
        units.append((event_type, load_fixture(f"x/{name}.json")))
    return units


FIXTURE_UNITS = fixture_units()


def containers(node, found):
    """Every dict and list inside ``node``, with the keys or indexes it holds."""
    if isinstance(node, dict):
        found.append((node, list(node)))
        for value in node.values():
            containers(value, found)
    elif isinstance(node, list):
        found.append((node, list(range(len(node)))))
        for value in node:
            containers(value, found)
    return found


@settings(max_examples=120, deadline=None)
@given(json_like)
def test_split_delivery_only_raises_payload_error(body):
    with contextlib.suppress(PayloadError):
        split_delivery(body)
    if isinstance(body, dict):
        with contextlib.suppress(PayloadError):
            split_delivery({"for_user_id": "1", **body})
        with contextlib.suppress(PayloadError):
            split_delivery({"data": {"event_type": "post.mention.create", **body}})


@settings(max_examples=120, deadline=None)
@given(st.sampled_from(EVENT_TYPES), json_like, st.sampled_from([ACCOUNT, "", "x"]))
def test_parse_event_only_raises_payload_error(event_type, payload, account_ref):
    with contextlib.suppress(PayloadError):
        parse_event(event_type, payload, account_ref)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_mutated_fixtures_only_raise_payload_error(data):
    """Break one value deep inside a real payload: never a TypeError or KeyError."""
    event_type, payload = data.draw(st.sampled_from(FIXTURE_UNITS))
    payload = copy.deepcopy(payload)
    for _ in range(data.draw(st.integers(1, 3))):
        node, slots = data.draw(st.sampled_from(containers(payload, [])))
        if not slots:
            continue
        slot = data.draw(st.sampled_from(slots))
        if isinstance(node, dict) and data.draw(st.booleans()):
            del node[slot]
        else:
            node[slot] = data.draw(json_like)
    with contextlib.suppress(PayloadError):
        parse_event(event_type, payload, ACCOUNT)
    with contextlib.suppress(PayloadError):
        split_delivery(payload)


# --- issue 12: threads per customer, edits, bad items, links ---

LUCA = "1700000000000000033"
BRAND_POST = "2095000000000000700"


def poll(name):
    return parse_event("poll.mentions", load_fixture(f"x/{name}.json"), ACCOUNT)


def test_replies_under_the_accounts_post_are_one_thread_per_customer():
    event = poll("poll_mentions_brand_post")
    assert event.ignored == []
    by_id = {m.external_id: m for m in event.messages}
    jane, marco = by_id["2095000000000000701"], by_id["2095000000000000702"]
    assert jane.thread_key == f"x:conv:{BRAND_POST}:{JANE}"
    assert marco.thread_key == f"x:conv:{BRAND_POST}:{MARCO}"
    # Luca answers Jane, not us: he joins her thread (a reply under a comment)
    assert by_id["2095000000000000703"].thread_key == jane.thread_key
    # Jane answering our answer to her stays in her thread
    assert by_id["2095000000000000705"].thread_key == jane.thread_key
    # all started under the account's post, which is their origin
    assert jane.origin_post.external_id == BRAND_POST
    assert jane.origin_post.from_account is True


def test_the_accounts_answer_joins_the_customer_it_answers():
    page = load_fixture("x/poll_mentions_brand_post.json")
    [answer] = [
        t
        for t in page["includes"]["tweets"]
        if t["author_id"] == ACCOUNT and t.get("in_reply_to_user_id")
    ]
    answer = {
        **answer,
        "id": "2095000000000000799",
        "edit_history_tweet_ids": ["2095000000000000799"],
        "in_reply_to_user_id": MARCO,
    }
    page["data"] = [answer]
    [message] = parse_event("poll.mentions", page, ACCOUNT).messages
    assert message.from_account is True
    assert message.thread_key == f"x:conv:{BRAND_POST}:{MARCO}"


def test_a_customers_own_conversation_keeps_whoever_joins_it():
    # page 1: Marco replies to Jane's mention; the conversation is hers
    followup, root = poll("poll_mentions_page1").messages
    assert followup.thread_key == root.thread_key == "x:conv:2095000000000000500"


def test_v1_replies_to_the_accounts_post_are_one_thread_per_customer():
    body = load_fixture("x/aaa_tweet_create_batch.json")
    tweet = body["tweet_create_events"][0]
    other = copy.deepcopy(tweet)
    other["id_str"] = "2095000000000000099"
    other["user"] = {**other["user"], "id_str": MARCO, "screen_name": "marco_rossi"}
    body["tweet_create_events"] = [tweet, other]
    [jane, marco] = parse_event("aaa.tweet_create", body, ACCOUNT).messages
    assert jane.parent_external_id == marco.parent_external_id
    assert jane.thread_key != marco.thread_key
    assert marco.thread_key == f"x:conv:{jane.parent_external_id}:{MARCO}"


def test_edited_root_and_replies_to_its_new_version_are_one_thread():
    [before] = poll("poll_mentions_edit_before").messages
    after = poll("poll_mentions_edit_after")
    assert after.ignored == []
    by_id = {m.external_id: m for m in after.messages}
    edit = by_id["2095000000000000800"]
    marco, followup = by_id["2095000000000000802"], by_id["2095000000000000803"]
    to_brand = by_id["2095000000000000902"]
    assert before.thread_key == "x:conv:2095000000000000800"
    # the new version lands on the first id, as an edit
    assert (edit.external_id, edit.action) == ("2095000000000000800", "edit")
    assert edit.text.endswith("tracking says delivered")
    assert edit.permalink.endswith("/2095000000000000801")
    for reply in (marco, followup):
        assert reply.thread_key == before.thread_key
        assert reply.parent_external_id == "2095000000000000800"
    # the account's edited post: Jane's thread under its first id
    assert to_brand.thread_key == f"x:conv:2095000000000000900:{JANE}"
    assert to_brand.origin_post.external_id == "2095000000000000900"


def test_a_reply_to_a_version_nothing_expands_keeps_that_id():
    # Nothing in the page maps 801 to 800: the parser keeps 801, and the base
    # addon finds the post through the version id it recorded with the edit.
    page = load_fixture("x/poll_mentions_edit_after.json")
    page["data"] = [page["data"][2]]  # Marco's reply to 801
    page["includes"]["tweets"] = []  # the edited post not expanded
    [reply] = parse_event("poll.mentions", page, ACCOUNT).messages
    assert reply.thread_key == "x:conv:2095000000000000801"  # nothing tells more


def test_one_malformed_post_is_skipped_and_reported_the_rest_kept():
    event = poll("poll_mentions_links_and_bad_item")
    assert {m.external_id for m in event.messages} == {
        "2095000000000000953",
        "2095000000000000950",
    }
    assert len(event.ignored) == 2
    assert event.ignored[0].startswith("post 2095000000000000952 skipped:")
    assert "media_keys is not a list" in event.ignored[0]
    assert event.ignored[1].startswith("post without a valid id skipped:")


@pytest.mark.parametrize(
    ("event_type", "page", "reported"),
    [
        (
            "poll.mentions",
            {
                "data": [
                    {"id": "1", "author_id": "2", "attachments": {"media_keys": "3_1"}}
                ]
            },
            "media_keys is not a list",
        ),
        (
            "poll.dm_events",
            {"data": [{"id": "1", "event_type": "MessageCreate", "sender_id": "2"}]},
            "dm_conversation_id",
        ),
    ],
)
def test_malformed_page_items_are_reported_not_raised(event_type, page, reported):
    event = parse_event(event_type, page, ACCOUNT)
    assert event.messages == []
    [report] = event.ignored
    assert reported in report


def test_links_are_expanded_and_media_links_dropped_original_kept():
    event = poll("poll_mentions_links_and_bad_item")
    post = next(m for m in event.messages if m.external_id == "2095000000000000950")
    assert post.text == (
        "@AcmeSupport the manual at https://www.acme.example/manuals/x3.pdf "
        "says 3 years"
    )
    assert "https://t.co/AbCdEf1234" in post.original_text
    assert "https://t.co/PhOtO56789" in post.original_text
    assert len(post.attachments) == 1
    other = next(m for m in event.messages if m.external_id == "2095000000000000953")
    assert other.original_text == ""  # nothing changed, nothing doubled


def test_a_media_link_stays_when_the_media_is_not_attached():
    page = load_fixture("x/poll_mentions_links_and_bad_item.json")
    page["data"] = [page["data"][3]]
    page["includes"].pop("media")  # not expanded: the link is all the agent has
    [post] = parse_event("poll.mentions", page, ACCOUNT).messages
    assert post.attachments == ()
    assert post.text.endswith("/status/2095000000000000950/photo/1")


def test_v1_links_are_expanded_and_the_media_link_dropped():
    body = load_fixture("x/aaa_tweet_create_mention.json")
    tweet = body["tweet_create_events"][0]
    media = (tweet.get("extended_entities") or tweet["entities"])["media"][0]
    tweet["text"] = f"@AcmeSupport see https://t.co/LiNk000001 {media['url']}"
    tweet["entities"]["urls"] = [
        {
            "url": "https://t.co/LiNk000001",
            "expanded_url": "https://www.acme.example/order/A-10442",
            "display_url": "acme.example/order/A-10442",
            "indices": [17, 40],
        }
    ]
    tweet.pop("extended_tweet", None)
    [message] = parse_event("aaa.tweet_create", body, ACCOUNT).messages
    assert message.text == "@AcmeSupport see https://www.acme.example/order/A-10442"
    assert media["url"] in message.original_text
