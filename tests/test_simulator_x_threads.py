"""The simulator's X posts are what X sends (issue 12), read by the real parser.

Shapes: X API v2 pages as in DocNow/twarc-csv's captures (edit_history_tweet_ids,
conversation_id of an edited root = its new id, entities.urls with t.co links,
includes.tweets), Account Activity v1.1 tweets (edit_history, entities.urls).
"""

import json

import requests

from odoo.addons.social_care_twitter.tools.x_parse import parse_event


def webhook(simulator, message_id):
    """The last Account Activity tweet the simulator delivered for a post."""
    for record in reversed(simulator.deliveries):
        [tweet] = json.loads(record["body"])["tweet_create_events"]
        if message_id in (
            tweet["id_str"],
            tweet.get("edit_history", {}).get("initial_tweet_id"),
        ):
            return json.loads(record["body"])
    raise AssertionError(f"no delivery of {message_id}")


def test_replies_under_the_accounts_post_edits_and_links(simulator):
    account = simulator.config.x_user_id
    sam_id = simulator.config.people["x"][0]["id"]
    _c, post = simulator.x_brand_post("New bikes are in!")
    _c, sam = simulator.send(
        "x_public",
        "flat tyre https://shop.example/order/1",
        person=0,
        reply_to=post["id"],
    )
    _c, priya = simulator.send(
        "x_public", "ship to Italy?", person=1, reply_to=post["id"]
    )
    _c, mention = simulator.send("x_public", "my order is late", person=0)
    simulator.x_edit(mention["id"], "@SimSupport my order SIM-9 is late")
    _c, reply = simulator.send("x_public", "same", person=1, reply_to=mention["id"])

    # Account Activity: the account's own post, an edit with its history, t.co links.
    own = webhook(simulator, post["id"])["tweet_create_events"][0]
    assert own["user"]["id_str"] == account
    edit = webhook(simulator, mention["id"])["tweet_create_events"][0]
    assert edit["edit_history"] == {
        "initial_tweet_id": mention["id"],
        "edit_tweet_ids": mention["versions"],
    }
    tweet = webhook(simulator, sam["id"])["tweet_create_events"][0]
    [link] = tweet["entities"]["urls"]
    assert tweet["text"].endswith(link["url"]) and link["url"].startswith(
        "https://t.co/"
    )
    assert link["expanded_url"] == "https://shop.example/order/1"
    assert (
        webhook(simulator, reply["id"])["tweet_create_events"][0][
            "in_reply_to_status_id_str"
        ]
        == mention["versions"][-1]
    )

    # The v2 poll page, over HTTP as Odoo reads it.
    page = requests.get(
        f"{simulator.base_url}/x/2/users/{account}/mentions",
        headers={"Authorization": "Bearer simulator-token"},
        timeout=10,
    ).json()
    items = {item["id"]: item for item in page["data"]}
    edited = items[mention["versions"][-1]]
    assert edited["edit_history_tweet_ids"] == mention["versions"]
    assert edited["conversation_id"] == mention["versions"][-1]  # as X does
    assert (
        items[sam["id"]]["entities"]["urls"][0]["expanded_url"] == link["expanded_url"]
    )
    assert items[priya["id"]]["in_reply_to_user_id"] == account
    included = {t["id"] for t in page["includes"]["tweets"]}
    assert {post["id"], mention["versions"][-1]} <= included

    threads = {
        m.external_id: m.thread_key
        for m in parse_event("poll.mentions", page, account).messages
    }
    assert threads[sam["id"]] == f"x:conv:{post['id']}:{sam_id}"
    assert threads[priya["id"]] != threads[sam["id"]]
    assert threads[reply["id"]] == threads[mention["id"]] == f"x:conv:{mention['id']}"


def test_edit_and_brand_post_over_http(simulator):
    base = simulator.base_url
    posted = requests.post(f"{base}/api/x/post", json={"text": "Sale!"}, timeout=10)
    post_id = posted.json()["message"]["id"]
    sent = requests.post(
        f"{base}/api/send",
        json={
            "channel": "x_public",
            "text": "bikes?",
            "person": 1,
            "reply_to": post_id,
        },
        timeout=10,
    ).json()["message"]
    assert sent["in_reply_to"] == post_id
    edited = requests.post(
        f"{base}/api/x/edit",
        json={"id": sent["id"], "text": "@SimSupport e-bikes?"},
        timeout=10,
    ).json()["message"]
    assert edited["versions"][0] == sent["id"] and len(edited["versions"]) == 2
    bad = requests.post(f"{base}/api/x/edit", json={"id": "1"}, timeout=10)
    assert bad.status_code == 400
