"""The simulator's Instagram mentions, as Meta answers them (Instagram Platform
reference: ig-user/mentions, ig-user/mentioned_comment, ig-user/mentioned_media,
ig-user/tags), and as the Meta parser reads them."""

import pytest

from odoo.addons.social_care_meta.tools import meta_webhook
from odoo.addons.social_care_meta.tools.meta_parse import parse_event

from simulator import Config, Simulator
from simulator.core import ApiError

IG = "17840000000000999"


def simulator():
    return Simulator(Config(ig_id=IG, meta_app_id=0, ig_username="simbikes"))


def test_a_comment_mention_webhook_and_its_reading():
    world = simulator()
    conversation, mention = world.mention("help!", deliver=False)
    [delivery] = meta_webhook.split_delivery(mention["webhook"])
    assert delivery.delivery_key == f"igm:{mention['id']}"
    [parsed] = parse_event(delivery.event_type, delivery.payload, IG).messages
    assert parsed.origin_post.external_id == conversation["media_id"]
    fields_ = f"mentioned_comment.comment_id({mention['id']}){{id,text,username}}"
    found = world._meta_get(IG, "", {"fields": fields_})["mentioned_comment"]
    assert found["text"] == "@simbikes help!"
    assert found["media"]["id"] == conversation["media_id"]


def test_only_tagged_media_are_listed_by_tags_and_not_as_own_media():
    world = simulator()
    tagged, _mention = world.mention(
        "flat", in_comment=False, tagged=True, deliver=False
    )
    world.mention("not tagged", in_comment=False, deliver=False)
    assert [m["id"] for m in world._meta_get(IG, "tags", {})["data"]] == [
        tagged["media_id"]
    ]
    assert world._meta_get(IG, "media", {})["data"] == []


def test_a_mention_is_answered_through_mentions_only():
    world = simulator()
    conversation, mention = world.mention("help!", deliver=False)
    media = conversation["media_id"]
    with pytest.raises(ApiError):  # a comment mention needs its comment_id
        world._meta_mention_reply({"media_id": media, "message": "Hi"})
    with pytest.raises(ApiError):  # someone else's media: no /replies
        world._meta_comment_reply(mention["id"], "replies", {"message": "Hi"})
    answer = world._meta_mention_reply(
        {"media_id": media, "comment_id": mention["id"], "message": "Hi"}
    )
    reply = conversation["messages"][-1]
    assert (reply["id"], reply["kind"], reply["in_reply_to"]) == (
        answer["id"],
        "mention reply",
        mention["id"],
    )
