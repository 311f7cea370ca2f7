"""The simulator's media endpoints take what X and Meta take, refuse what they
refuse, and record what arrived on the conversation (over HTTP, as Odoo calls)."""

import json
import struct

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


def mp4(seconds):
    """An MP4 as ISO/IEC 14496-12 lays it out: ftyp, moov/mvhd (v0), mdat."""
    ftyp = struct.pack(">I4s4sI4s4s", 24, b"ftyp", b"isom", 512, b"isom", b"mp41")
    body = struct.pack(">B3xIIII", 0, 0, 0, 600, seconds * 600) + b"\x00" * 80
    mvhd = struct.pack(">I4s", 8 + len(body), b"mvhd") + body
    moov = struct.pack(">I4s", 8 + len(mvhd), b"moov") + mvhd
    return ftyp + moov + struct.pack(">I4s", 16, b"mdat") + b"\x00" * 8


def command(simulator, fields, chunk=None):
    """A chunked-upload command as X's quickstart sends it: multipart fields
    (https://docs.x.com/x-api/media/quickstart/media-upload-chunked)."""
    files = {name: (None, value) for name, value in fields.items()}
    if chunk:
        files["media"] = ("clip", chunk, "application/octet-stream")
    return requests.post(
        f"{simulator.base_url}/x/2/media/upload",
        files=files,
        headers=X_AUTH,
        timeout=10,
    )


def init(simulator, media_type, total, category):
    answer = command(
        simulator,
        {
            "command": "INIT",
            "media_type": media_type,
            "total_bytes": str(total),
            "media_category": category,
        },
    )
    return answer


def chunked(simulator, raw, media_type, category):
    """INIT, APPEND in 2 segments, FINALIZE; FINALIZE's answer."""
    media_id = init(simulator, media_type, len(raw), category).json()["data"]["id"]
    half = len(raw) // 2
    for index, chunk in enumerate((raw[:half], raw[half:])):
        appended = command(
            simulator,
            {"command": "APPEND", "media_id": media_id, "segment_index": str(index)},
            chunk,
        )
        assert appended.status_code == 200
    return command(simulator, {"command": "FINALIZE", "media_id": media_id})


def status(simulator, media_id):
    return requests.get(
        f"{simulator.base_url}/x/2/media/upload",
        params={"command": "STATUS", "media_id": media_id},
        headers=X_AUTH,
        timeout=10,
    )


def test_x_chunked_video_is_processed_before_it_can_be_posted(simulator):
    conversation, mention = simulator.send("x_public", "how?", deliver=False)
    final = chunked(simulator, mp4(30), "video/mp4", "tweet_video")
    assert final.status_code == 200
    data = final.json()["data"]
    assert data["processing_info"]["state"] == "pending"
    post = {
        "reply": {"in_reply_to_tweet_id": mention["id"]},
        "media": {"media_ids": [data["id"]]},
    }
    url = f"{simulator.base_url}/x/2/tweets"
    early = requests.post(url, json=post, headers=X_AUTH, timeout=10)
    assert early.status_code == 400
    simulator.uploads[data["id"]]["ready_at"] = 0  # processing over
    info = status(simulator, data["id"]).json()["data"]["processing_info"]
    assert info["state"] == "succeeded"
    assert requests.post(url, json=post, headers=X_AUTH, timeout=10).status_code == 201
    media = simulator.conversation(conversation["id"])["messages"][-1]["media"]
    assert (media[0]["content_type"], media[0]["size"]) == ("video/mp4", len(mp4(30)))


@pytest.mark.parametrize(
    "media_type, total, category",
    [
        ("image/gif", 15 * MB + 1, "tweet_gif"),
        ("video/mp4", 512 * MB + 1, "dm_video"),
        ("application/pdf", 100, "tweet_image"),
    ],
)
def test_x_init_refuses_what_x_does_not_take(simulator, media_type, total, category):
    assert init(simulator, media_type, total, category).status_code == 400


def test_x_finalize_refuses_a_dm_video_over_140_seconds(simulator):
    assert chunked(simulator, mp4(141), "video/mp4", "dm_video").status_code == 400
    assert chunked(simulator, mp4(141), "video/mp4", "tweet_video").status_code == 200


def test_x_finalize_refuses_missing_segments(simulator):
    media_id = init(simulator, "image/gif", 100, "tweet_gif").json()["data"]["id"]
    command(
        simulator,
        {"command": "APPEND", "media_id": media_id, "segment_index": "0"},
        b"G" * 50,
    )
    final = command(simulator, {"command": "FINALIZE", "media_id": media_id})
    assert final.status_code == 400
