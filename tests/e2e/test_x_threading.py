"""X threads through a live Odoo and the simulator (issue 12): customers
answering the account's own post get their own tickets, an agent's reply goes to
its customer, an edited post and the replies to its new version stay one thread,
and t.co links reach the agent expanded. The simulator sends what X sends: the
account's own posts, ``edit_history`` / ``edit_history_tweet_ids`` and
``entities.urls`` with t.co links."""

import pytest

from .e2e_support import messages, ticket_of, wait_for
from .test_ig_poll import poll_now
from .test_simulator_roundtrip import received, reply, sent

FIELDS = ["social_thread_key", "partner_id", "social_identity_id", "social_post_id"]
# Other modules count the simulator's calls by path.
pytestmark = pytest.mark.usefixtures("calls_left_as_found")


def read_message(odoo, account, external_id, fields):
    rows = odoo.call(
        "social.care.message",
        "search_read",
        [("account_id", "=", account), ("external_id", "=", external_id)],
        fields=fields,
    )
    return rows[0] if rows else None


def test_customers_under_the_accounts_post_have_their_own_tickets(odoo, world):
    account = world.accounts["x"]
    _brand, post = world.x_brand_post("Our spring collection is out today!")
    _c, sam = world.send(
        "x_public", "is the blue one in M?", person=0, reply_to=post["id"]
    )
    _c, priya = world.send(
        "x_public", "shipping to Italy?", person=1, reply_to=post["id"]
    )
    sam_ticket = ticket_of(odoo, account, sam["id"])
    priya_ticket = ticket_of(odoo, account, priya["id"])
    assert sam_ticket != priya_ticket
    sam_record = odoo.read_one("helpdesk.ticket", sam_ticket, FIELDS)
    priya_record = odoo.read_one("helpdesk.ticket", priya_ticket, FIELDS)
    assert sam_record["partner_id"][1] == "Sam Carter"
    assert priya_record["partner_id"][1] == "Priya Nair"
    assert sam_record["social_thread_key"].startswith(f"x:conv:{post['id']}:")
    origin = odoo.read_one(
        "social.care.post", sam_record["social_post_id"][0], ["external_id"]
    )
    assert origin["external_id"] == post["id"], "the account's post is their origin"
    own = read_message(odoo, account, post["id"], ["from_account", "ticket_id"])
    assert own["from_account"] and not own["ticket_id"]

    # The agent answers Priya: the reply goes to Priya's post.
    reply(odoo, priya_ticket, "Yes Priya, in 3 days.")
    out = sent(odoo, priya_ticket, "Yes Priya, in 3 days.")
    call = received(world, "POST", "/x/2/tweets")[-1]
    assert call["body"]["reply"] == {"in_reply_to_tweet_id": priya["id"]}

    # Priya answers the agent: her ticket. Sam answers Priya: her thread too,
    # as a reply under someone's comment on Facebook joins that comment's.
    _c, thanks = world.send(
        "x_public", "great, thanks", person=1, reply_to=out["external_id"]
    )
    assert ticket_of(odoo, account, thanks["id"]) == priya_ticket
    _c, sam_too = world.send("x_public", "good to know", person=0, reply_to=priya["id"])
    assert ticket_of(odoo, account, sam_too["id"]) == priya_ticket
    assert odoo.read_one("helpdesk.ticket", priya_ticket, FIELDS)["partner_id"][1] == (
        "Priya Nair"
    )


def test_edited_post_and_replies_to_its_new_version_are_one_ticket(odoo, world):
    account = world.accounts["x"]
    _c, mention = world.send("x_public", "my order SIM-2001 is late", person=0)
    ticket = ticket_of(odoo, account, mention["id"])
    world.x_edit(mention["id"], "@SimE2E my order SIM-2001 is late, 8 days now")
    latest = mention["versions"][-1]
    _c, other = world.send("x_public", "same for SIM-2002", person=1, reply_to=latest)
    assert other["in_reply_to"] == latest
    assert ticket_of(odoo, account, other["id"]) == ticket

    def edited():
        row = read_message(odoo, account, mention["id"], ["text", "is_edited"])
        return row["is_edited"] and row

    assert wait_for(edited, what="the edit applied")["text"].endswith("8 days now")
    assert not read_message(odoo, account, latest, ["id"]), "one row per post"

    # A reply to the new version that only the poll finds (v2, with includes).
    _c, lost = world.send(
        "x_public", "any news?", person=0, reply_to=latest, deliver=False
    )
    poll_now(odoo, account)
    assert ticket_of(odoo, account, lost["id"]) == ticket
    keys = odoo.call(
        "helpdesk.ticket", "search_read", [("id", "=", ticket)], ["social_thread_key"]
    )
    assert keys[0]["social_thread_key"] == f"x:conv:{mention['id']}"


def test_links_reach_the_agent_expanded(odoo, world):
    account = world.accounts["x"]
    _c, mention = world.send(
        "x_public", "the manual https://bikes.example/manual/x3.pdf is wrong", person=1
    )
    assert "https://t.co/" in mention["text"]  # what X stores and sends
    ticket_of(odoo, account, mention["id"])
    row = read_message(odoo, account, mention["id"], ["text", "original_text"])
    assert "https://bikes.example/manual/x3.pdf" in row["text"]
    assert "https://t.co/" not in row["text"]
    assert "https://t.co/" in row["original_text"]
    assert messages(odoo, [("external_id", "=", mention["id"])])
