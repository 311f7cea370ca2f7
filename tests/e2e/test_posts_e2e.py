"""Origin posts through a running Odoo: the simulator's signed comments become
tickets linked to the post commented on; a campaign set on the post reaches the
tickets, the report and a lead made from the ticket."""

import secrets

from .e2e_support import ticket_of


def origin_post(odoo, ticket):
    record = odoo.read_one("helpdesk.ticket", ticket, ["social_post_id"])
    assert record["social_post_id"], "the ticket has no origin post"
    return odoo.read_one(
        "social.care.post",
        record["social_post_id"][0],
        ["external_id", "permalink", "ticket_count", "account_id", "kind"],
    )


def test_facebook_comment_post_campaign_report_and_lead(odoo, world):
    conversation, comment = world.send("facebook_comment", "Open on Sunday?")
    page = world.accounts["facebook"]
    ticket = ticket_of(odoo, page, comment["id"])
    post = origin_post(odoo, ticket)
    assert post["external_id"] == conversation["post_id"]
    assert post["permalink"] == f"https://www.facebook.com/{conversation['post_id']}"
    assert post["ticket_count"] == 1
    assert post["account_id"][0] == page

    # A manager (here the administrator) sets the post's campaign by hand.
    campaign = odoo.call(
        "utm.campaign", "create", {"title": f"e2e campaign {secrets.token_hex(4)}"}
    )
    odoo.call("social.care.post", "write", [post["id"]], {"campaign_id": campaign})
    record = odoo.read_one("helpdesk.ticket", ticket, ["social_campaign_id"])
    assert record["social_campaign_id"][0] == campaign
    (row,) = odoo.call(
        "social.care.ticket.report",
        "search_read",
        [("ticket_id", "=", ticket)],
        fields=["social_post_id", "campaign_id", "ticket_count"],
    )
    assert (row["social_post_id"][0], row["campaign_id"][0]) == (post["id"], campaign)
    groups = odoo.call(
        "social.care.ticket.report",
        "read_group",
        [("campaign_id", "=", campaign)],
        ["ticket_count:sum"],
        ["social_post_id"],
    )
    assert [(g["social_post_id"][0], g["ticket_count"]) for g in groups] == [
        (post["id"], 1)
    ]

    action = odoo.call("helpdesk.ticket", "action_create_lead", [ticket])
    lead = odoo.read_one("crm.lead", action["res_id"], ["campaign_id"])
    assert lead["campaign_id"][0] == campaign


def test_instagram_comment_is_linked_to_the_media(odoo, world):
    conversation, comment = world.send("instagram_comment", "Is it waterproof?")
    ticket = ticket_of(odoo, world.accounts["instagram"], comment["id"])
    post = origin_post(odoo, ticket)
    assert post["external_id"] == conversation["media_id"]
    assert post["kind"] == "feed"
