"""X webhooks: CRC answer, signature check, and splitting deliveries into units."""

import base64
import hashlib
import hmac
import json

import pytest
from conftest import load_fixture

from odoo.addons.social_care.tools.normalized import PayloadError
from odoo.addons.social_care_twitter.tools.x_webhook import (
    SIGNATURE_HEADER,
    crc_response,
    is_crc_token,
    sign,
    split_delivery,
    verify_signature,
)

SECRET = "fake-consumer-secret-not-a-real-one-0000"
ACCOUNT = "1500000000000000001"


def test_crc_response():
    token = "crc-token-6f0c2b1e"
    expected = base64.b64encode(
        hmac.new(SECRET.encode(), token.encode(), hashlib.sha256).digest()
    ).decode()
    assert crc_response(SECRET, token) == {"response_token": "sha256=" + expected}
    assert crc_response(SECRET, token) == {
        "response_token": "sha256=P2KhxxXxjy+gMvlHO4Gt4V/ECBuv5wVwrTErxLXyc2c="
    }


def test_crc_refuses_an_empty_secret():
    with pytest.raises(ValueError, match="consumer secret"):
        crc_response("", "crc-token")


# Issue 11: the CRC answer is HMAC(consumer secret, token), the very signature
# X puts on a POST whose body is the token.

# Shape of X's CRC token in a public 2026 log of X's GET: the base64 of a UUID.
REAL_SHAPED_TOKEN = base64.b64encode(b"0b6f2f4e-3c1d-4e8a-9f57-2d6c8a1b4e90").decode()


@pytest.mark.parametrize(
    "token",
    [REAL_SHAPED_TOKEN, "crc-token-6f0c2b1e", "abc", "QUJD+/==", "a_b-c", "x" * 256],
)
def test_tokens_shaped_as_x_sends_them_are_answered(token):
    assert is_crc_token(token)
    assert crc_response(SECRET, token)["response_token"] == sign(SECRET, token.encode())


@pytest.mark.parametrize(
    "token",
    [
        json.dumps({"for_user_id": ACCOUNT, "direct_message_events": []}),
        '{"a":1}',
        "[1]",
        '"text"',
        "a b",
        "a\nb",
        "é",
        "x" * 257,
        "",
        None,
        12345,
    ],
)
def test_tokens_that_could_be_a_body_are_not_signed(token):
    assert not is_crc_token(token)
    with pytest.raises(ValueError):
        crc_response(SECRET, token)


@pytest.mark.parametrize("body", [b"12345", b"true", b"null", b"QUJD", b"abc=="])
def test_a_body_the_crc_answer_could_sign_is_never_verified(body):
    answer = crc_response(SECRET, body.decode())["response_token"]
    assert not verify_signature(SECRET, body, answer)


def test_the_full_oracle_attack_is_refused():
    forged = json.dumps(load_fixture("x/aaa_direct_message.json"))
    with pytest.raises(ValueError):
        crc_response(SECRET, forged)
    # A JSON body with X's real signature is still accepted: only X can make it.
    assert verify_signature(SECRET, forged.encode(), sign(SECRET, forged.encode()))


def test_signature_round_trip():
    body = json.dumps(load_fixture("x/aaa_tweet_create_mention.json")).encode()
    header = sign(SECRET, body)
    assert SIGNATURE_HEADER == "x-twitter-webhooks-signature"
    assert header.startswith("sha256=")
    assert verify_signature(SECRET, body, header)
    assert verify_signature(SECRET, bytearray(body), f" {header}\n")


@pytest.mark.parametrize(
    ("secret", "body", "header"),
    [
        (SECRET, b'{"for_user_id":"2"}', None),  # tampered body
        ("another-secret", b"{}", None),  # wrong secret
        ("", b"{}", "sign with empty"),  # no secret configured: refuse everything
        (None, b"{}", "sign with empty"),
        (SECRET, b"{}", ""),
        (SECRET, b"{}", "missing"),
        (SECRET, b"{}", "sha256=not-base64-at-all"),
        (SECRET, b"{}", "sha256=\u00e9\u00e8"),  # non-ASCII header: no exception
        (SECRET, "{}", "str body"),  # a decoded body was not what X signed
    ],
)
def test_bad_signatures_are_refused(secret, body, header):
    signed = sign(SECRET, b"{}")
    value = {
        None: signed,
        "sign with empty": "sha256="
        + base64.b64encode(hmac.new(b"", b"{}", hashlib.sha256).digest()).decode(),
        "missing": None,
        "str body": signed,
    }.get(header, header)
    assert verify_signature(secret, body, value) is False


def test_split_mention(fixture_json):
    body = fixture_json("x/aaa_tweet_create_mention.json")
    [unit] = split_delivery(body)
    assert unit.account_ref == ACCOUNT
    assert unit.delivery_key == "tweet:2095000000000000001"
    assert unit.event_type == "aaa.tweet_create"
    assert unit.payload == body  # one tweet: the unit is the delivery itself


def test_split_batch_gives_one_unit_per_tweet_with_stable_keys(fixture_json):
    body = fixture_json("x/aaa_tweet_create_batch.json")
    units = split_delivery(body)
    assert [unit.delivery_key for unit in units] == [
        "tweet:2095000000000000011",
        "tweet:2095000000000000012",
    ]
    for unit, tweet in zip(units, body["tweet_create_events"], strict=True):
        assert unit.payload == {"for_user_id": ACCOUNT, "tweet_create_events": [tweet]}
    # X redelivers the second tweet alone: same key, so the database drops it.
    alone = {
        "for_user_id": ACCOUNT,
        "tweet_create_events": [body["tweet_create_events"][1]],
    }
    assert split_delivery(alone)[0].delivery_key == units[1].delivery_key


def test_split_direct_messages_keep_users_and_apps(fixture_json):
    [received] = split_delivery(fixture_json("x/aaa_direct_message.json"))
    assert received.delivery_key == "dm:2095000000000000100"
    assert received.event_type == "aaa.direct_message"
    assert set(received.payload["users"]) == {"44196397", ACCOUNT}
    [sent] = split_delivery(fixture_json("x/aaa_direct_message_own.json"))
    assert sent.delivery_key == "dm:2095000000000000105"
    assert sent.payload["apps"]["29820954"]["name"] == "Acme Helpdesk"


def test_split_delete_and_revoke(fixture_json):
    [delete] = split_delivery(fixture_json("x/aaa_tweet_delete.json"))
    assert (delete.event_type, delete.delivery_key) == (
        "aaa.tweet_delete",
        "delete:2095000000000000001",
    )
    [revoke] = split_delivery(fixture_json("x/aaa_user_revoke.json"))
    assert revoke.account_ref == ACCOUNT  # from source.user_id: no for_user_id
    assert revoke.event_type == "aaa.revoke"
    assert revoke.delivery_key == f"revoke:{ACCOUNT}:2026-09-03T08:15:00+00:00"


@pytest.mark.parametrize(
    ("name", "event_type", "key"),
    [
        ("xaa_post_mention", "xaa.post.mention.create", "2095000000000000201"),
        ("xaa_post_reply", "xaa.post.reply.create", "-4410927765034187210"),
        ("xaa_post_quote", "xaa.post.quote.create", "4172938465017283901"),
        ("xaa_dm_received", "xaa.dm.received", "-6850472171600526411"),
        ("xaa_oauth_revoke", "xaa.oauth.revoke", "5934540941047412977"),
        ("xaa_unknown", "xaa.follow.follow", "-7953119945885597399"),
    ],
)
def test_split_activity_envelopes(fixture_json, name, event_type, key):
    body = fixture_json(f"x/{name}.json")
    [unit] = split_delivery(body)
    assert (unit.account_ref, unit.event_type, unit.delivery_key) == (
        ACCOUNT,  # oauth.revoke has an empty filter: taken from its payload
        event_type,
        key,
    )
    assert unit.payload == body


def test_split_unknown_account_activity_is_kept_with_a_content_key():
    like = {
        "id": "a7ba59eab0bfcba386f7acedac279542",
        "created_at": "Tue Sep 01 16:33:26 +0000 2026",
        "timestamp_ms": 1788280406140,
        "favorited_status": {"id_str": "2095000000000000012"},
        "user": {"id_str": "44196397", "screen_name": "marco_rossi"},
    }
    typing = {"created_timestamp": "1788280406000", "sender_id": "44196397"}
    body = {
        "for_user_id": ACCOUNT,
        "favorite_events": [like],
        "direct_message_indicate_typing_events": [typing],
        "users": {"44196397": {"id": "44196397", "screen_name": "marco_rossi"}},
    }
    favorite, typed = split_delivery(body)
    assert favorite.event_type == "aaa.unknown.favorite_events"
    assert typed.event_type == "aaa.unknown.direct_message_indicate_typing_events"
    assert typed.payload["users"] == body["users"]
    assert favorite.delivery_key.startswith("sha256:")
    assert len(favorite.delivery_key) == len("sha256:") + 64
    # the same content, keys in another order: the same key
    again = json.loads(json.dumps(body, sort_keys=True))
    keys = {unit.event_type: unit.delivery_key for unit in split_delivery(again)}
    assert keys["aaa.unknown.favorite_events"] == favorite.delivery_key
    like["timestamp_ms"] += 1
    assert split_delivery(body)[0].delivery_key != favorite.delivery_key


def test_split_mixed_delivery_and_unknown_user_event():
    tweet = load_fixture("x/aaa_tweet_create_mention.json")["tweet_create_events"][0]
    body = {
        "for_user_id": ACCOUNT,
        "tweet_create_events": [tweet],
        "tweet_delete_events": [{"status": {"id": "1", "user_id": "2"}}],
    }
    assert [unit.event_type for unit in split_delivery(body)] == [
        "aaa.tweet_create",
        "aaa.tweet_delete",
    ]
    [unit] = split_delivery({"user_event": {"suspend": {"user_id": "3"}}})
    assert unit.event_type == "aaa.unknown.user_event"
    assert unit.account_ref == ""


def test_a_tweet_without_id_still_gets_a_key():
    body = {"for_user_id": ACCOUNT, "tweet_create_events": [{"text": "no id"}]}
    [unit] = split_delivery(body)
    assert unit.delivery_key.startswith("sha256:")


def test_nothing_to_split():
    assert split_delivery({"for_user_id": ACCOUNT}) == []
    assert split_delivery({"for_user_id": ACCOUNT, "user_has_blocked": "false"}) == []


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ([], "JSON object"),
        ("text", "JSON object"),
        ({}, "not an X"),
        ({"data": {"event_uuid": "1"}}, "not an X"),
        ({"entry": []}, "not an X"),
        ({"tweet_create_events": []}, "not an X"),
        ({"for_user_id": 15, "tweet_create_events": []}, "without for_user_id"),
        ({"for_user_id": ACCOUNT, "tweet_create_events": ["x"]}, "not an object"),
        ({"user_event": "revoke"}, "not an object"),
        ({"user_event": {"revoke": {"source": {}}}}, "source.user_id"),
    ],
)
def test_unrecognisable_bodies(body, message):
    with pytest.raises(PayloadError, match=message):
        split_delivery(body)
