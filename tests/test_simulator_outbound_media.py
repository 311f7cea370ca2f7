"""The simulator's media endpoints take what X and Meta take, refuse what they
refuse, and record what arrived on the conversation (over HTTP, as Odoo calls)."""

import json

import pytest
import requests

X_AUTH = {"Authorization": "Bearer simulator-token"}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
MB = 1024 * 1024


def upload(simulator, raw=PNG, content_type="image/png", category="tweet_image"):
    return requests.post(
        f"{simulator.base_url}/x/2/media/upload",
        data={"media_category": category},
        files={"media": ("label.png", raw, content_type)},
        headers=X_AUTH,
        timeout=10,
    )


def test_x_upload_then_post_records_the_image(simulator):
    conversation, mention = simulator.send("x_public", "my parcel", deliver=False)
    answer = upload(simulator)
    assert answer.status_code == 200
    media_id = answer.json()["data"]["id"]
    posted = requests.post(
        f"{simulator.base_url}/x/2/tweets",
        json={
            "reply": {"in_reply_to_tweet_id": mention["id"]},
            "media": {"media_ids": [media_id]},
        },
        headers=X_AUTH,
        timeout=10,
    )
    assert posted.status_code == 201
    reply = simulator.conversation(conversation["id"])["messages"][-1]
    assert reply["media"][0]["content_type"] == "image/png"
    assert reply["media"][0]["size"] == len(PNG)


@pytest.mark.parametrize(
    "raw, content_type",
    [(PNG + b"\x00" * (5 * MB), "image/png"), (b"\x00" * 64, "video/mp4")],
)
def test_x_refuses_what_the_simple_upload_refuses(simulator, raw, content_type):
    assert upload(simulator, raw, content_type).status_code == 400


def test_x_dm_takes_one_known_attachment(simulator):
    ids = [upload(simulator, category="dm_image").json()["data"]["id"] for _ in "ab"]
    url = f"{simulator.base_url}/x/2/dm_conversations/with/1600000000000000077/messages"
    too_many = requests.post(
        url,
        json={"attachments": [{"media_id": m} for m in ids]},
        headers=X_AUTH,
        timeout=10,
    )
    unknown = requests.post(
        url, json={"attachments": [{"media_id": "42"}]}, headers=X_AUTH, timeout=10
    )
    assert (too_many.status_code, unknown.status_code) == (400, 400)


def test_meta_send_api_checks_instagram_types_and_records_the_file(simulator):
    cfg = simulator.config
    conversation, dm = simulator.send("instagram_dm", "hi", deliver=False)
    recipient = conversation["customer"]["id"]

    def send(name, raw, content_type, kind):
        return requests.post(
            f"{simulator.base_url}/meta/v26.0/{cfg.page_id}/messages",
            data={
                "access_token": "t",
                "recipient": json.dumps({"id": recipient}),
                "message": json.dumps({"attachment": {"type": kind, "payload": {}}}),
            },
            files={"filedata": (name, raw, content_type)},
            timeout=10,
        )

    assert send("a.docx", b"PK", "application/msword", "file").status_code == 400
    assert (
        send("big.png", PNG + b"\x00" * (8 * MB), "image/png", "image").status_code
        == 400
    )
    assert send("label.png", PNG, "image/png", "image").status_code == 200
    reply = simulator.conversation(conversation["id"])["messages"][-1]
    assert (reply["media"][0]["type"], reply["media"][0]["filename"]) == (
        "image",
        "label.png",
    )
