"""Instagram @mentions through the live webhook route and the simulator (issue 13):
a mention in a comment and one in a caption become tickets, and the agent's
answer reaches the simulator as ``POST /{ig-user-id}/mentions`` on the right
media and comment (Instagram Platform reference, ig-user/mentions). A private
answer is refused before it is queued. A caption mention on a media the account
is tagged in, whose webhook was lost, is found by the poll (ig-user/tags)."""

import pytest

from .e2e_support import messages, ticket_of, wait_for
from .test_ig_poll import poll_now

pytestmark = pytest.mark.usefixtures("calls_left_as_found")


def answer(odoo, ticket, text):
    odoo.call("helpdesk.ticket", "write", [ticket], {"social_reply_private": False})
    odoo.post_in_chatter(ticket, text)

    def sent():
        rows = messages(odoo, [("ticket_id", "=", ticket), ("direction", "=", "out")])
        if rows and rows[0]["state"] == "failed":
            pytest.fail(f"the reply failed: {rows[0]['error']}")
        return rows and rows[0]["state"] == "sent"

    wait_for(sent, what="the answer to the mention sent")


def mention_calls(world, media_id):
    """The ``/mentions`` calls Odoo made for one media."""
    return [
        call
        for call in world.snapshot()["calls"]
        if call["method"] == "POST"
        and call["path"].endswith("/mentions")
        and {**call["params"], **call["body"]}.get("media_id") == media_id
    ]


def test_a_comment_mention_is_answered_under_its_comment(odoo, world):
    instagram = world.accounts["instagram"]
    conversation, mention = world.mention("my frame cracked, who can help?")
    assert mention["delivery"]["status"] == 200
    ticket = ticket_of(odoo, instagram, mention["id"])
    [row] = messages(
        odoo,
        [("account_id", "=", instagram), ("external_id", "=", mention["id"])],
        fields=["kind", "text"],
    )
    assert row["kind"] == "mention"
    assert "my frame cracked" in row["text"]  # fetched from mentioned_comment
    answer(odoo, ticket, "Sorry! Send us your order number, we replace it.")
    [call] = mention_calls(world, conversation["media_id"])
    assert call["path"].endswith(f"{world.config.ig_id}/mentions")
    sent = {**call["params"], **call["body"]}
    assert sent["media_id"] == conversation["media_id"]
    assert sent["comment_id"] == mention["id"]
    assert sent["message"] == "Sorry! Send us your order number, we replace it."
    reply = world.conversation(conversation["id"])["messages"][-1]
    assert (reply["kind"], reply["on_media"], reply["in_reply_to"]) == (
        "mention reply",
        conversation["media_id"],
        mention["id"],
    )


def test_a_caption_mention_is_answered_on_its_media(odoo, world):
    instagram = world.accounts["instagram"]
    conversation, mention = world.mention("third flat tyre", in_comment=False)
    ticket = ticket_of(odoo, instagram, mention["id"])
    answer(odoo, ticket, "Come by: we fix it for free.")
    [call] = mention_calls(world, conversation["media_id"])
    sent = {**call["params"], **call["body"]}
    assert sent["media_id"] == conversation["media_id"]
    assert "comment_id" not in sent
    reply = world.conversation(conversation["id"])["messages"][-1]
    assert reply["in_reply_to"] == conversation["media_id"]


def test_a_private_answer_to_a_mention_is_refused_before_queueing(odoo, world):
    instagram = world.accounts["instagram"]
    conversation, mention = world.mention("hello?")
    ticket = ticket_of(odoo, instagram, mention["id"])
    odoo.call("helpdesk.ticket", "write", [ticket], {"social_reply_private": True})
    with pytest.raises(RuntimeError, match="No private reply to a mention"):
        odoo.post_in_chatter(ticket, "Write us in private")
    assert not messages(odoo, [("ticket_id", "=", ticket), ("direction", "=", "out")])
    assert not mention_calls(world, conversation["media_id"])


def test_a_lost_caption_mention_on_a_tagged_media_is_found_by_the_poll(odoo, world):
    account = world.accounts["instagram"]
    conversation, mention = world.mention(
        "my brakes squeal", in_comment=False, tagged=True, deliver=False
    )
    mine = [("account_id", "=", account), ("external_id", "=", mention["id"])]
    assert not messages(odoo, mine), "the webhook was never delivered"
    poll_now(odoo, account)
    ticket = ticket_of(odoo, account, mention["id"])
    [row] = messages(odoo, mine, fields=["kind", "text", "ticket_id"])
    assert row["kind"] == "mention" and "brakes squeal" in row["text"]
    # The webhook arrives late: accepted, and dropped by the database.
    status, _answer = world.deliver("meta", mention["webhook"])
    assert status == 200
    keys = [
        ("account_ref", "=", world.config.ig_id),
        ("delivery_key", "=", f"igm:{mention['id']}"),
    ]
    assert odoo.call("social.care.event", "search_count", keys) == 1
    assert len(messages(odoo, mine)) == 1
    # And the polled mention is answered like any other.
    answer(odoo, ticket, "Bring it in, we adjust them.")
    [call] = mention_calls(world, conversation["media_id"])
    assert "comment_id" not in {**call["params"], **call["body"]}
