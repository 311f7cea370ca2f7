"""What the simulator sends for moderation in Meta's apps, standby, recommendations,
story mentions and visitor posts: Meta's shapes (issue 12), read by the connector's
parser."""

import json

import requests

from odoo.addons.social_care.tools.normalized import AccountSignal
from odoo.addons.social_care_meta.tools.meta_parse import parse_event
from odoo.addons.social_care_meta.tools.meta_webhook import split_delivery

from simulator import Config, Simulator, serve_in_thread


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


def test_visitor_post_and_comments_under_it_are_feed_changes_as_meta_sends():
    # Shapes: Meta's Page feed webhook reference, as in bottender's
    # feed_statusAdd (a user's status) and feed_sentByPage (the Page's reply).
    simulator = offline()
    page = simulator.config.page_id
    conversation, post = simulator.fb_visitor_post("Broken brake lever", person=0)
    _c, by_page = simulator.fb_comment(post["id"], "Which shop?", as_page=True)
    _c, answer = simulator.fb_comment(by_page["id"], "Kallio", person=0)
    _c, other = simulator.fb_comment(post["id"], "Same here", person=1)
    units = parsed_deliveries(simulator)
    values = [unit.payload["change"]["value"] for unit, _event in units]
    assert [(v["item"], v["verb"]) for v in values] == [("status", "add")] + [
        ("comment", "add")
    ] * 3
    assert "post" not in values[0] and values[0]["post_id"] == post["id"]
    assert [v["parent_id"] for v in values[1:]] == [
        post["id"],
        by_page["id"],
        post["id"],
    ]
    parsed = [event.messages[0] for _unit, event in units]
    assert parsed[0].kind == "visitor_post"
    assert parsed[0].thread_key == f"fb:post:{post['id']}"
    assert [m.from_account for m in parsed] == [False, True, False, False]
    assert [m.parent_external_id for m in parsed[1:]] == [
        post["id"],
        by_page["id"],
        post["id"],
    ]
    assert parsed[3].author.external_id != parsed[0].author.external_id
    assert by_page["id"].startswith(post["id"].split("_")[1] + "_")
    assert post["id"].startswith(f"{page}_")
    assert answer["in_reply_to"] == by_page["id"]
    assert [m["id"] for m in conversation["messages"]] == [
        post["id"],
        by_page["id"],
        answer["id"],
        other["id"],
    ]


def test_a_reply_to_a_reply_is_in_its_top_level_comments_thread():
    simulator = offline()
    _c, post = simulator.fb_visitor_post("Broken brake lever")
    _c, top = simulator.fb_comment(post["id"], "Which shop?", as_page=True)
    _c, reply = simulator.fb_comment(top["id"], "Kallio")
    _c, again = simulator.fb_comment(reply["id"], "Thanks", as_page=True)
    assert again["in_reply_to"] == top["id"]
    last, _event = parsed_deliveries(simulator)[-1]
    assert last.payload["change"]["value"]["parent_id"] == top["id"]


def test_visitor_post_and_comment_endpoints():
    simulator = offline()
    server = serve_in_thread(simulator)
    base = f"http://127.0.0.1:{server.server_port}/api/fb"
    try:
        post = requests.post(
            f"{base}/visitor_post", json={"text": "Broken lever"}, timeout=10
        )
        post_id = post.json()["message"]["id"]
        comment = requests.post(
            f"{base}/comment",
            json={"reply_to": post_id, "text": "Which shop?", "as_page": True},
            timeout=10,
        )
        unknown = requests.post(
            f"{base}/comment", json={"reply_to": "1_2", "text": "?"}, timeout=10
        )
    finally:
        server.shutdown()
        server.server_close()
    assert (post.status_code, comment.status_code) == (200, 200)
    assert comment.json()["message"]["in_reply_to"] == post_id
    assert unknown.status_code == 400
