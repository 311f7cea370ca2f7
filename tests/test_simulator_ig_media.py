"""The simulator's Instagram media page, as the Meta poll reads and parses it."""

from odoo.addons.social_care_meta.tools import meta_webhook
from odoo.addons.social_care_meta.tools.meta_parse import parse_event, split_ig_media

from simulator import Config, Simulator

IG = "17840000000000999"


def simulator_with_comments():
    """Two comment conversations, their webhooks held back; an agent's reply."""
    simulator = Simulator(Config(ig_id=IG, meta_app_id=0))
    first, comment = simulator.send("instagram_comment", "Blue?", deliver=False)
    _first, follow_up = simulator.send(
        "instagram_comment", "Or red?", conversation_id=first["id"], deliver=False
    )
    simulator._meta_comment_reply(follow_up["id"], "replies", {"message": "Both!"})
    _second, other = simulator.send("instagram_comment", "Hi", person=1, deliver=False)
    return simulator, comment, follow_up, other


def test_media_page_pages_and_parses_like_the_webhooks():
    simulator, comment, follow_up, other = simulator_with_comments()
    first_page = simulator._meta_get(IG, "media", {"limit": "1"})
    second_page = simulator._meta_get(
        IG, "media", {"limit": "1", "after": first_page["paging"]["cursors"]["after"]}
    )
    assert second_page["paging"] == {}
    units = [
        unit
        for page in (first_page, second_page)
        for media in page["data"]
        for unit in split_ig_media(media)
    ]
    parsed = {
        message.external_id: message
        for _key, payload in units
        for message in parse_event("poll.ig_comments", payload, IG).messages
    }
    assert parsed[other["id"]].thread_key == f"ig:comment:{other['id']}"
    reply = parsed[follow_up["id"]]
    assert (reply.parent_external_id, reply.kind) == (comment["id"], "reply")
    [agent] = [m for m in parsed.values() if m.from_account]
    assert (agent.text, agent.thread_key) == ("Both!", f"ig:comment:{comment['id']}")
    # Each held-back webhook has the key of the poll's unit for its comment.
    keys = {key for key, _payload in units}
    for message in (comment, follow_up, other):
        [delivery] = meta_webhook.split_delivery(message["webhook"])
        assert delivery.delivery_key in keys
        [hooked] = parse_event(delivery.event_type, delivery.payload, IG).messages
        polled = parsed[message["id"]]
        assert (hooked.thread_key, hooked.author, hooked.text) == (
            polled.thread_key,
            polled.author,
            polled.text,
        )


def test_media_page_since_leaves_older_media_out():
    simulator, *_messages = simulator_with_comments()
    assert simulator._meta_get(IG, "media", {"since": "9999999999"})["data"] == []
