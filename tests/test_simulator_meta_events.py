"""What the simulator sends for moderation in Meta's apps, standby, recommendations
and story mentions: Meta's shapes (issue 12), read by the connector's parser."""

import json

from odoo.addons.social_care.tools.normalized import AccountSignal
from odoo.addons.social_care_meta.tools.meta_parse import parse_event
from odoo.addons.social_care_meta.tools.meta_webhook import split_delivery

from simulator import Config, Simulator


def parsed_deliveries(simulator):
    """The parsed events of every delivery the simulator made (none reached Odoo)."""
    return [
        (unit, parse_event(unit.event_type, unit.payload, unit.account_ref))
        for record in simulator.deliveries
        for unit in split_delivery(json.loads(record["body"]))
    ]


def offline():
    """A simulator without an app id: deliveries are recorded, not sent."""
    return Simulator(Config(meta_app_id=0))


def test_hide_and_unhide_are_feed_verbs_naming_the_comment():
    simulator = offline()
    conversation, comment = simulator.send("facebook_comment", "Rude words")
    simulator.hide_comment(conversation["id"])
    simulator.hide_comment(conversation["id"], hidden=False)
    (_add, _first), (hide, hidden), (_unhide, shown) = parsed_deliveries(simulator)
    assert hide.payload["change"]["value"]["verb"] == "hide"
    assert [(s.kind, s.target) for s in hidden.signals] == [("hidden", comment["id"])]
    assert [(s.kind, s.target) for s in shown.signals] == [("unhidden", comment["id"])]
    assert isinstance(hidden.signals[0], AccountSignal)
    assert comment["hidden"] is False


def test_standby_message_comes_under_entry_standby():
    simulator = offline()
    _conversation, message = simulator.send_standby("Refund?", person=1)
    [(unit, event)] = parsed_deliveries(simulator)
    assert unit.event_type == "page.standby"
    [parsed] = event.messages
    assert parsed.external_id == message["id"] and parsed.handled_elsewhere
    assert parsed.text == "Refund?"


def test_story_mention_is_an_instagram_message_with_the_story_link():
    simulator = offline()
    simulator.base_url = "http://127.0.0.1:9"
    _conversation, message = simulator.story_mention()
    [(unit, event)] = parsed_deliveries(simulator)
    assert unit.event_type == "instagram.messaging"
    [parsed] = event.messages
    assert parsed.kind == "mention" and parsed.external_id == message["id"]
    assert [a.url for a in parsed.attachments] == ["http://127.0.0.1:9/media/image.png"]


def test_recommendation_is_a_ratings_change_answerable_on_its_story():
    simulator = offline()
    conversation, message = simulator.recommend("Broken on arrival")
    [(unit, event)] = parsed_deliveries(simulator)
    assert unit.event_type == "page.ratings"
    [parsed] = event.messages
    assert parsed.kind == "negative_recommendation"
    assert parsed.external_id == message["id"]
    simulator._meta_comment_reply(message["id"], "comments", {"message": "Sorry!"})
    assert simulator.conversation(conversation["id"])["messages"][-1]["text"] == (
        "Sorry!"
    )
