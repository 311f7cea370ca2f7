"""The whole loop through a running Odoo: signed deliveries on the real webhook
route become tickets; agents' replies go out through tweepy and facebook-sdk to
the simulator, with the ids the platforms would see."""

import json
import urllib.error
import urllib.request

import pytest

from .e2e_support import messages, ticket_of, wait_for


def reply(odoo, ticket, text, private=None):
    """An agent answers in the ticket: the reply switch, then Send in the chatter."""
    if private is not None:
        odoo.call(
            "helpdesk.ticket", "write", [ticket], {"social_reply_private": private}
        )
    odoo.post_in_chatter(ticket, text)


def sent(odoo, ticket, text):
    """The outbound row of ``text``, once the send cron sent it."""

    def done():
        rows = messages(
            odoo,
            [
                ("ticket_id", "=", ticket),
                ("direction", "=", "out"),
                ("text", "=", text),
            ],
        )
        if rows and rows[0]["state"] == "failed":
            pytest.fail(f"the reply failed: {rows[0]['error']}")
        return rows and rows[0]["state"] == "sent" and rows[0]

    return wait_for(done, what=f"the reply {text!r} sent")


def received(simulator, method, path_end):
    """The API calls of the simulator that match, newest last."""
    return [
        call
        for call in simulator.snapshot()["calls"]
        if call["method"] == method and call["path"].endswith(path_end)
    ]


def agent_messages(simulator, conversation):
    state = simulator.conversation(conversation["id"])
    return [m for m in state["messages"] if m["direction"] == "out"]


def test_x_mention_reply_and_follow_up(odoo, world):
    conversation, mention = world.send("x_public", "my parcel is lost", person=0)
    assert mention["delivery"]["status"] == 200
    ticket = ticket_of(odoo, world.accounts["x"], mention["id"])
    record = odoo.read_one(
        "helpdesk.ticket", ticket, ["partner_id", "social_channel", "name"]
    )
    assert record["social_channel"] == "x_public"
    assert record["partner_id"][1] == "Sam Carter"
    assert "my parcel is lost" in record["name"]

    reply(odoo, ticket, "Sorry Sam, we are on it: check your DMs.")
    out = sent(odoo, ticket, "Sorry Sam, we are on it: check your DMs.")
    (call,) = received(world, "POST", "/x/2/tweets")
    assert call["body"]["reply"] == {"in_reply_to_tweet_id": mention["id"]}
    assert call["body"]["text"] == "Sorry Sam, we are on it: check your DMs."
    (shown,) = agent_messages(world, conversation)
    assert out["external_id"] == shown["id"] == call["answer"]["data"]["id"]
    assert shown["in_reply_to"] == mention["id"]

    # The customer answers the agent's post: same conversation, same ticket.
    _conversation, follow_up = world.send(
        "x_public", "thanks, DM sent", conversation_id=conversation["id"]
    )
    assert follow_up["in_reply_to"] == shown["id"]
    assert ticket_of(odoo, world.accounts["x"], follow_up["id"]) == ticket


def test_x_dm_private_reply(odoo, world):
    conversation, dm = world.send("x_dm", "I was charged twice", person=1)
    ticket = ticket_of(odoo, world.accounts["x"], dm["id"])
    record = odoo.read_one("helpdesk.ticket", ticket, ["social_is_private"])
    assert record["social_is_private"]

    reply(odoo, ticket, "We refunded the second charge.")
    out = sent(odoo, ticket, "We refunded the second charge.")
    customer = world.config.people["x"][1]["id"]
    (call,) = received(world, "POST", f"/dm_conversations/with/{customer}/messages")
    assert call["body"] == {"text": "We refunded the second charge."}
    assert out["external_id"] == call["answer"]["data"]["dm_event_id"]
    (shown,) = agent_messages(world, conversation)
    assert shown["recipient"] == customer


def test_facebook_comment_public_then_private_reply(odoo, world):
    conversation, comment = world.send("facebook_comment", "Open on Sunday?")
    page = world.accounts["facebook"]
    ticket = ticket_of(odoo, page, comment["id"])

    reply(odoo, ticket, "Yes, 10:00 to 16:00.", private=False)
    public = sent(odoo, ticket, "Yes, 10:00 to 16:00.")
    (call,) = received(world, "POST", f"/{comment['id']}/comments")
    assert call["body"]["message"] == "Yes, 10:00 to 16:00."
    assert public["external_id"] == call["answer"]["id"]

    reply(odoo, ticket, "Here is a coupon for your visit.", private=True)
    private = sent(odoo, ticket, "Here is a coupon for your visit.")
    (call,) = received(world, "POST", f"/{world.config.page_id}/messages")
    assert json.loads(call["body"]["recipient"]) == {"comment_id": comment["id"]}
    assert private["external_id"] == call["answer"]["message_id"]
    kinds = [m["kind"] for m in agent_messages(world, conversation)]
    assert kinds == ["public reply", "private reply"]


def test_messenger_profile_and_reply(odoo, world):
    psid = world.config.people["facebook"][1]["id"]
    conversation, message = world.send("messenger", "Where is my parcel?", person=1)
    ticket = ticket_of(odoo, world.accounts["facebook"], message["id"])
    # The name comes from the simulator's Graph profile: the payload has none.
    record = odoo.read_one("helpdesk.ticket", ticket, ["partner_id"])
    assert record["partner_id"][1] == "Tomás Silva"
    assert received(world, "GET", f"/{psid}")

    reply(odoo, ticket, "It arrives tomorrow.")
    out = sent(odoo, ticket, "It arrives tomorrow.")
    call = received(world, "POST", f"/{world.config.page_id}/messages")[-1]
    assert json.loads(call["body"]["recipient"]) == {"id": psid}
    content = json.loads(call["body"]["message"])
    assert content["text"] == "It arrives tomorrow."
    assert content["metadata"] == f"social_care:{_out_id(odoo, ticket)}"
    assert call["body"]["messaging_type"] == "RESPONSE"
    assert out["external_id"] == call["answer"]["message_id"]
    assert agent_messages(world, conversation)[0]["recipient"] == psid


def _out_id(odoo, ticket):
    return odoo.call(
        "social.care.message",
        "search",
        [("ticket_id", "=", ticket), ("direction", "=", "out")],
    )[0]


def test_instagram_comment_and_dm(odoo, world):
    instagram = world.accounts["instagram"]
    comment_conversation, comment = world.send("instagram_comment", "In blue?")
    dm_conversation, dm = world.send("instagram_dm", "Exchange M for L?", person=1)
    comment_ticket = ticket_of(odoo, instagram, comment["id"])
    dm_ticket = ticket_of(odoo, instagram, dm["id"])
    assert comment_ticket != dm_ticket

    reply(odoo, comment_ticket, "Blue arrives in May.", private=False)
    reply(odoo, dm_ticket, "Of course, send it back with the label.")
    public = sent(odoo, comment_ticket, "Blue arrives in May.")
    private = sent(odoo, dm_ticket, "Of course, send it back with the label.")
    (call,) = received(world, "POST", f"/{comment['id']}/replies")
    assert public["external_id"] == call["answer"]["id"]
    igsid = world.config.people["instagram"][1]["id"]
    calls = [
        c
        for c in received(world, "POST", f"/{world.config.page_id}/messages")
        if json.loads(c["body"]["recipient"]) == {"id": igsid}
    ]
    assert [private["external_id"]] == [c["answer"]["message_id"] for c in calls]
    assert agent_messages(world, comment_conversation)[0]["kind"] == "public reply"
    assert agent_messages(world, dm_conversation)[0]["recipient"] == igsid


def test_redelivery_is_stored_once(odoo, world):
    _conversation, mention = world.send("x_public", "is anyone there?")
    ticket_of(odoo, world.accounts["x"], mention["id"])
    delivered = [d for d in world.snapshot()["deliveries"] if d["app"] == "x"]
    assert json.loads(delivered[-1]["answer"]) == {"received": 1, "new": 1}
    # X retries: the very same signed bytes.
    status, answer = world.deliver("x", None, body=delivered[-1]["body"].encode())
    assert (status, json.loads(answer)) == (200, {"received": 1, "new": 0})
    rows = messages(
        odoo,
        [("account_id", "=", world.accounts["x"]), ("external_id", "=", mention["id"])],
    )
    assert len(rows) == 1


@pytest.mark.parametrize("signature", [False, "sha256=bm90IHRoZSBzaWduYXR1cmU="])
def test_unsigned_or_badly_signed_delivery_is_refused(odoo, world, signature):
    before = odoo.call(
        "social.care.event", "search_count", [("app_id", "=", world.config.x_app_id)]
    )
    payload = {"for_user_id": world.config.x_user_id, "tweet_create_events": []}
    status, _answer = world.deliver("x", payload, signature=signature)
    assert status == 403
    after = odoo.call(
        "social.care.event", "search_count", [("app_id", "=", world.config.x_app_id)]
    )
    assert after == before


def test_demo_accounts_point_at_the_simulator(odoo):
    """The demo data's sandbox apps send every call to the local simulator."""
    apps = {
        "social_care_twitter.demo_app_x_simulator": "http://127.0.0.1:8071/x",
        "social_care_meta.demo_app_meta_simulator": "http://127.0.0.1:8071/meta",
    }
    ids = {xmlid: odoo.ref(xmlid) for xmlid in apps}
    if not all(ids.values()):
        pytest.skip("this database has no demo data")
    for xmlid, url in apps.items():
        record = odoo.read_one("social.care.app", ids[xmlid], ["api_base_url"])
        assert record["api_base_url"].startswith(url.rsplit(":", 1)[0])
        assert record["api_base_url"].endswith(url.rsplit("/", 1)[1])
    account = odoo.ref("social_care_meta.demo_account_instagram_simulator")
    assert odoo.read_one("social.care.account", account, ["state"])["state"] == (
        "connected"
    )


def test_simulator_page_is_labelled(world):
    with urllib.request.urlopen(world.base_url + "/") as response:
        page = response.read().decode()
    assert "Social Care API simulator — not a real social network" in page
    with pytest.raises(urllib.error.HTTPError) as error:
        urllib.request.urlopen(world.base_url + "/x/2/users/me")
    assert error.value.code == 401  # no token: refused as X would
