"""Meta webhook verification, signatures and the split of deliveries into events."""

import copy
import json
import pathlib

import pytest

from odoo.addons.social_care.tools.normalized import PayloadError
from odoo.addons.social_care_meta.tools.meta_webhook import (
    sign,
    split_delivery,
    verify_challenge,
    verify_signature,
)

META = pathlib.Path(__file__).parent / "fixtures" / "meta"
SECRET = "fake-app-secret-for-tests"
PAGE = "104857630123456"
IG_ACCOUNT = "17841400000000001"
PSID = "6123456789012345"
COMMENT = "722000000000001_1290000000000001"
# HMAC-SHA256 of messenger_text.json's bytes with SECRET, computed with
# `openssl dgst -sha256 -hmac fake-app-secret-for-tests messenger_text.json`.
MESSENGER_TEXT_SIGNATURE = (
    "sha256=f295730424ded52263b0b58a84a8d5fb8871ccd46a587d6f452a7ff8cba379aa"
)


def raw(name):
    return (META / name).read_bytes()


def load(name):
    return json.loads(raw(name))


# --- GET verification ---------------------------------------------------------


def subscribe(**overrides):
    params = {
        "hub.mode": "subscribe",
        "hub.challenge": "1158201444",
        "hub.verify_token": "fake-verify-token",
    }
    params.update(overrides)
    return params


def test_challenge_echoed_when_token_matches():
    assert verify_challenge(subscribe(), "fake-verify-token") == "1158201444"


@pytest.mark.parametrize(
    ("params", "configured"),
    [
        (subscribe(**{"hub.verify_token": "guess"}), "fake-verify-token"),
        (subscribe(**{"hub.mode": "unsubscribe"}), "fake-verify-token"),
        (subscribe(**{"hub.verify_token": ""}), ""),
        (subscribe(**{"hub.verify_token": None}), "fake-verify-token"),
        (subscribe(**{"hub.challenge": ""}), "fake-verify-token"),
        ({"hub.mode": "subscribe", "hub.verify_token": "fake-verify-token"}, "fake"),
        (subscribe(), None),
    ],
)
def test_challenge_refused(params, configured):
    assert verify_challenge(params, configured) is None


# --- POST signature -----------------------------------------------------------


def test_sign_matches_an_independent_hmac_of_the_raw_bytes():
    assert sign(SECRET, raw("messenger_text.json")) == MESSENGER_TEXT_SIGNATURE
    assert sign(SECRET.encode(), raw("messenger_text.json")) == MESSENGER_TEXT_SIGNATURE


def test_escaped_unicode_body_verifies_only_as_received():
    body = raw("messenger_text.json")
    assert b"\\u00e4" in body  # Meta escapes äöå in what it signs
    assert verify_signature(SECRET, body, MESSENGER_TEXT_SIGNATURE)
    decoded = json.loads(body)
    assert "Hyvää päivää" in decoded["entry"][0]["messaging"][0]["message"]["text"]
    reserialized = json.dumps(decoded, ensure_ascii=False, separators=(",", ":"))
    assert not verify_signature(SECRET, reserialized.encode(), MESSENGER_TEXT_SIGNATURE)
    assert not verify_signature(
        SECRET, json.dumps(decoded).encode(), MESSENGER_TEXT_SIGNATURE
    )


def test_signature_header_variants():
    body = raw("feed_comment_add.json")
    header = sign(SECRET, body)
    assert verify_signature(SECRET, bytearray(body), header)
    assert verify_signature(SECRET, body, header.upper().replace("SHA256", "sha256"))
    assert verify_signature(SECRET, body, header.encode())
    assert not verify_signature(SECRET, body + b" ", header)
    assert not verify_signature("another-secret", body, header)


@pytest.mark.parametrize(
    ("secret", "body", "header"),
    [
        ("", b"{}", sign("x", b"{}")),
        (None, b"{}", sign("x", b"{}")),
        (SECRET, b"{}", None),
        (SECRET, b"{}", ""),
        (SECRET, b"{}", "sha1=" + sign(SECRET, b"{}")[7:]),
        (SECRET, b"{}", sign(SECRET, b"{}")[7:]),
        (SECRET, b"{}", "sha256=zz\u00ff"),
        (SECRET, "{}", sign(SECRET, b"{}")),
        (12345, b"{}", sign(SECRET, b"{}")),
        (SECRET, b"{}", 12345),
    ],
)
def test_signature_refused_without_raising(secret, body, header):
    assert verify_signature(secret, body, header) is False


# --- splitting deliveries -----------------------------------------------------


@pytest.mark.parametrize(
    ("name", "event_type", "account_ref", "key"),
    [
        ("feed_comment_add.json", "page.feed", PAGE, f"feed:{COMMENT}:add:1788256803"),
        (
            "feed_comment_remove.json",
            "page.feed",
            PAGE,
            f"feed:{COMMENT}:remove:1788260400",
        ),
        (
            "feed_visitor_post.json",
            "page.feed",
            PAGE,
            f"feed:{PAGE}_722000000000099:add:1788264000",
        ),
        (
            "feed_reaction.json",
            "page.feed",
            PAGE,
            f"feed:{PAGE}_722000000000001:add:1788256898:reaction:7012345678901234",
        ),
        (
            "messenger_text.json",
            "page.messaging",
            PAGE,
            "mid:m_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789FakeMid001",
        ),
        (
            "messenger_echo.json",
            "page.messaging",
            PAGE,
            "mid:m_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789FakeMid005",
        ),
        ("messenger_read.json", "page.messaging", PAGE, f"read:{PSID}:1788257500101"),
        (
            "instagram_comment.json",
            "instagram.comments",
            IG_ACCOUNT,
            "igc:17900000000000001:add",
        ),
        (
            "instagram_mention.json",
            "instagram.mentions",
            IG_ACCOUNT,
            "igm:17900000000000077",
        ),
    ],
)
def test_split_single_event(name, event_type, account_ref, key):
    body = load(name)
    [delivery] = split_delivery(body)
    assert delivery.event_type == event_type
    assert delivery.account_ref == account_ref
    assert delivery.delivery_key == key
    entry = body["entry"][0]
    assert delivery.payload["object"] == body["object"]
    assert delivery.payload["entry_id"] == account_ref
    assert delivery.payload["time"] == entry["time"]
    if "changes" in entry:
        assert delivery.payload["change"] == entry["changes"][0]
    else:
        assert delivery.payload["messaging"] == entry["messaging"][0]


def test_split_batch_of_two_entries_and_three_events():
    deliveries = split_delivery(load("batch_two_entries.json"))
    assert [d.account_ref for d in deliveries] == [PAGE, PAGE, "109876543210987"]
    assert [d.event_type for d in deliveries] == ["page.feed"] * 3
    assert [d.delivery_key for d in deliveries] == [
        f"feed:{COMMENT}:add:1788256803",
        f"feed:{PAGE}_722000000000001:add:1788256898:reaction:7012345678901234",
        "feed:733000000000001_1300000000000001:add:1788256900",
    ]
    assert deliveries[2].payload["entry_id"] == "109876543210987"
    assert deliveries[2].payload["time"] == 1788256906
    # the same comment keyed alone and inside a batch is the same event
    [alone] = split_delivery(load("feed_comment_add.json"))
    assert alone.delivery_key == deliveries[0].delivery_key


def test_split_messenger_entries_keep_order():
    deliveries = split_delivery(load("messenger_attachments.json"))
    assert [d.delivery_key[-3:] for d in deliveries] == ["002", "003", "004"]
    assert {d.event_type for d in deliveries} == {"page.messaging"}


def test_instagram_deletion_does_not_collide_with_the_message():
    [message] = split_delivery(load("instagram_dm.json"))
    [deletion] = split_delivery(load("instagram_dm_deleted.json"))
    assert message.event_type == deletion.event_type == "instagram.messaging"
    assert deletion.delivery_key == message.delivery_key + ":deleted"


def test_edits_with_different_text_get_different_keys():
    body = load("feed_comment_edited.json")
    [first] = split_delivery(body)
    assert first.delivery_key.startswith(f"feed:{COMMENT}:edited:1788256988:")
    body["entry"][0]["changes"][0]["value"]["message"] = "Sorted now, thanks!"
    [second] = split_delivery(body)
    assert second.delivery_key != first.delivery_key
    [again] = split_delivery(load("feed_comment_edited.json"))
    assert again.delivery_key == first.delivery_key


@pytest.mark.parametrize(
    "name",
    ["unknown_field.json", "feed_comment_add.json", "messenger_text.json"],
)
def test_redelivery_with_a_new_entry_time_keeps_the_key(name):
    body = load(name)
    redelivered = copy.deepcopy(body)
    redelivered["entry"][0]["time"] += 3600
    [first] = split_delivery(body)
    [second] = split_delivery(redelivered)
    assert first.delivery_key == second.delivery_key
    assert first.payload["time"] != second.payload["time"]


def test_unknown_field_is_keyed_by_a_digest():
    [delivery] = split_delivery(load("unknown_field.json"))
    assert delivery.event_type == "page.ratings"
    assert delivery.delivery_key.startswith("sha256:")
    assert len(delivery.delivery_key) == len("sha256:") + 64
    body = load("unknown_field.json")
    body["entry"][0]["changes"][0]["value"]["rating"] = 5
    assert split_delivery(body)[0].delivery_key != delivery.delivery_key


def messaging_body(event, obj="page", key="messaging"):
    return {"object": obj, "entry": [{"id": PAGE, "time": 1, key: [event]}]}


@pytest.mark.parametrize(
    ("event", "key"),
    [
        (
            {"sender": {"id": PSID}, "delivery": {"watermark": 17}},
            f"delivery:{PSID}:17",
        ),
        (
            {
                "sender": {"id": PSID},
                "timestamp": 99,
                "reaction": {"mid": "m_1", "action": "react", "emoji": "\u2764"},
            },
            f"reaction:{PSID}:m_1:react:99",
        ),
        ({"sender": {"id": PSID}, "read": {"mid": "aWdf_1"}}, f"read:{PSID}:aWdf_1"),
        (
            {"sender": {"id": PSID}, "message_edit": {"mid": "m_1", "num_edit": 2}},
            "edit:m_1:2",
        ),
        (
            {"sender": {"id": PSID}, "postback": {"mid": "m_9", "title": "Hi"}},
            "postback:m_9",
        ),
        (
            {"sender": {"id": PSID}, "timestamp": 5, "postback": {"title": "Hi"}},
            f"postback:{PSID}:5",
        ),
        (
            {"sender": {"id": PSID}, "timestamp": 5, "referral": {"ref": "ad"}},
            f"referral:{PSID}:5",
        ),
    ],
)
def test_messaging_event_keys(event, key):
    [delivery] = split_delivery(messaging_body(event))
    assert delivery.delivery_key == key


def test_standby_events_are_split_with_their_own_type_and_key():
    event = {"sender": {"id": PSID}, "message": {"mid": "m_7", "text": "hi"}}
    [delivery] = split_delivery(messaging_body(event, key="standby"))
    assert delivery.event_type == "page.standby"
    assert delivery.delivery_key == "standby:mid:m_7"
    assert delivery.payload["messaging"] == event


def test_an_event_without_ids_is_keyed_by_a_digest():
    [delivery] = split_delivery(messaging_body({"optin": {"ref": "x"}}, "instagram"))
    assert delivery.event_type == "instagram.messaging"
    assert delivery.delivery_key.startswith("sha256:")


def test_integer_entry_id_becomes_text():
    body = load("feed_comment_add.json")
    body["entry"][0]["id"] = int(PAGE)
    assert split_delivery(body)[0].account_ref == PAGE


def test_entry_without_events_yields_nothing():
    assert split_delivery({"object": "page", "entry": [{"id": PAGE, "time": 1}]}) == []
    assert split_delivery({"object": "page", "entry": []}) == []


@pytest.mark.parametrize(
    "body",
    [
        None,
        [],
        "entry",
        {"object": "page"},
        {"object": "page", "entry": {"id": PAGE}},
        {"entry": [{"id": PAGE}]},
        {"object": "", "entry": []},
        {"object": "page", "entry": ["x"]},
        {"object": "page", "entry": [{"time": 1, "changes": []}]},
        {"object": "page", "entry": [{"id": True, "changes": []}]},
        {"object": "page", "entry": [{"id": PAGE, "changes": {"field": "feed"}}]},
        {"object": "page", "entry": [{"id": PAGE, "changes": [{"value": {}}]}]},
        {"object": "page", "entry": [{"id": PAGE, "changes": [{"field": 3}]}]},
        {"object": "page", "entry": [{"id": PAGE, "messaging": [["m"]]}]},
    ],
)
def test_malformed_delivery_raises_payload_error(body):
    with pytest.raises(PayloadError):
        split_delivery(body)
