"""A lost Instagram comment webhook: Odoo's poll of the account's media finds the
comment and makes it a ticket; the late webhook then adds nothing."""

from .e2e_support import messages, ticket_of
from .test_platform_faults import press


def poll_now(odoo, account):
    """The poll cron runs now, for this account only (polling is off in e2e)."""
    odoo.call(
        "social.care.account",
        "write",
        [account],
        {"poll_enabled": True, "next_poll_at": False, "meta_backfill_state": "none"},
    )
    try:
        press(
            odoo,
            "ir.cron",
            "method_direct_trigger",
            odoo.ref("social_care.ir_cron_poll_accounts"),
        )
    finally:
        odoo.call("social.care.account", "write", [account], {"poll_enabled": False})


def count(odoo, model, domain):
    return odoo.call(model, "search_count", domain)


def test_lost_instagram_comment_is_found_by_the_poll(odoo, world):
    account = world.accounts["instagram"]
    conversation, comment = world.send(
        "instagram_comment", "Is the blue frame back in stock?", person=1, deliver=False
    )
    mine = [("account_id", "=", account), ("external_id", "=", comment["id"])]
    assert not messages(odoo, mine), "the webhook was never delivered"

    poll_now(odoo, account)
    ticket = ticket_of(odoo, account, comment["id"])
    record = odoo.read_one(
        "helpdesk.ticket", ticket, ["social_channel", "social_thread_key", "name"]
    )
    assert record["social_channel"] == "instagram_comment"
    assert record["social_thread_key"] == f"ig:comment:{comment['id']}"
    assert "blue frame" in record["name"]
    polls = [
        call
        for call in world.snapshot()["calls"]
        if call["method"] == "GET"
        and call["path"].endswith(f"/{world.config.ig_id}/media")
    ]
    assert polls and "comments" in polls[-1]["params"]["fields"]

    # The webhook arrives late: accepted, and dropped by the database.
    status, _answer = world.deliver("meta", comment["webhook"])
    assert status == 200
    events = [
        ("account_ref", "=", world.config.ig_id),
        ("delivery_key", "=", f"igc:{comment['id']}:add"),
    ]
    assert count(odoo, "social.care.event", events) == 1
    assert len(messages(odoo, mine)) == 1
    thread = [("social_thread_key", "=", f"ig:comment:{comment['id']}")]
    assert count(odoo, "helpdesk.ticket", thread) == 1

    # The customer's next comment comes by webhook, into the same ticket.
    _conversation, follow_up = world.send(
        "instagram_comment", "Size L please", conversation_id=conversation["id"]
    )
    assert follow_up["delivery"]["status"] == 200
    assert ticket_of(odoo, account, follow_up["id"]) == ticket
