"""What Meta sends besides new messages, through the live webhook route (issue 12):
a comment hidden and shown again in Meta's apps, a Messenger message on
standby, a negative recommendation answered on its story, an Instagram story
mention whose media is stored. The simulator sends each in Meta's shape."""

import pytest

from .e2e_support import messages, ticket_of, wait_for

pytestmark = pytest.mark.usefixtures("calls_left_as_found")


def message_row(odoo, account, external_id, fields):
    rows = messages(
        odoo,
        [("account_id", "=", account), ("external_id", "=", external_id)],
        fields=fields,
    )
    return rows[0] if rows else None


def notes(odoo, ticket):
    return [
        row["body"]
        for row in odoo.call(
            "mail.message",
            "search_read",
            [("model", "=", "helpdesk.ticket"), ("res_id", "=", ticket)],
            fields=["body"],
        )
    ]


def test_hide_and_unhide_in_metas_apps_reach_the_ticket(odoo, world):
    page = world.accounts["facebook"]
    conversation, comment = world.send("facebook_comment", "You are all thieves!")
    ticket = ticket_of(odoo, page, comment["id"])
    assert world.hide_comment(conversation["id"])[0] == 200
    wait_for(
        lambda: message_row(odoo, page, comment["id"], ["meta_is_hidden"])[
            "meta_is_hidden"
        ],
        what="the comment marked hidden",
    )
    assert any("hidden on" in body for body in notes(odoo, ticket))
    assert world.hide_comment(conversation["id"], hidden=False)[0] == 200
    wait_for(
        lambda: not message_row(odoo, page, comment["id"], ["meta_is_hidden"])[
            "meta_is_hidden"
        ],
        what="the comment shown again",
    )
    assert any("shown again" in body for body in notes(odoo, ticket))


def test_standby_message_is_kept_and_flagged(odoo, world):
    page = world.accounts["facebook"]
    # Someone no other module writes as: the round trip expects the
    # simulator's people to be new to Odoo when they first write.
    person = {"id": "7100000000000931", "name": "Ada Ferri"}
    _conversation, message = world.send_standby("Any news on my refund?", person=person)
    assert message["delivery"]["status"] == 200
    ticket = ticket_of(odoo, page, message["id"])
    row = message_row(odoo, page, message["id"], ["meta_standby", "text"])
    assert row["meta_standby"] and row["text"] == "Any news on my refund?"
    record = odoo.read_one("helpdesk.ticket", ticket, ["meta_thread_elsewhere"])
    assert record["meta_thread_elsewhere"]
    assert any("Handled in another app" in body for body in notes(odoo, ticket))


def test_negative_recommendation_becomes_a_ticket_answered_on_its_story(odoo, world):
    page = world.accounts["facebook"]
    _conversation, review = world.recommend("Broken frame, no answer from support")
    ticket = ticket_of(odoo, page, review["id"])
    row = message_row(odoo, page, review["id"], ["kind", "is_private"])
    assert (row["kind"], row["is_private"]) == ("negative_recommendation", False)
    odoo.call("helpdesk.ticket", "write", [ticket], {"social_reply_private": False})
    odoo.post_in_chatter(ticket, "We are sorry: we call you today.")

    def sent():
        rows = messages(odoo, [("ticket_id", "=", ticket), ("direction", "=", "out")])
        if rows and rows[0]["state"] == "failed":
            pytest.fail(f"the reply failed: {rows[0]['error']}")
        return rows and rows[0]["state"] == "sent"

    wait_for(sent, what="the answer to the recommendation sent")
    calls = [
        call
        for call in world.snapshot()["calls"]
        if call["method"] == "POST"
        and call["path"].endswith(f"{review['id']}/comments")
    ]
    assert len(calls) == 1


def test_story_mention_stores_its_media(odoo, world):
    instagram = world.accounts["instagram"]
    _conversation, mention = world.story_mention(
        media_url=f"{world.base_url}/media/image.png"
    )
    assert mention["delivery"]["status"] == 200
    ticket = ticket_of(odoo, instagram, mention["id"])
    row = message_row(odoo, instagram, mention["id"], ["kind", "mail_message_id"])
    assert row["kind"] == "mention"
    # The conversation may hold other files (other tests write to the same
    # customer): only those of the mention's chatter message count here.
    chatter = row["mail_message_id"][0]
    stored = wait_for(
        lambda: odoo.call(
            "ir.attachment",
            "search_read",
            [
                ("res_model", "=", "helpdesk.ticket"),
                ("res_id", "=", ticket),
                (
                    "id",
                    "in",
                    odoo.read_one("mail.message", chatter, ["attachment_ids"])[
                        "attachment_ids"
                    ],
                ),
            ],
            fields=["name", "mimetype"],
        ),
        what="the story's media attached",
    )
    assert [(a["name"], a["mimetype"]) for a in stored] == [
        ("story-mention", "image/png")
    ]
    assert "image.png" in world.media_requests
