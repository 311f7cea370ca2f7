"""A visitor post on the Page through a live Odoo and the simulator (issue 12
item 1): the post, the Page's comment on it written in Meta's apps, the
visitor's reply to that comment, another customer's comment under the post and
the answers to the agent's reply are one ticket, the visitor's. The simulator
sends what Meta's feed webhook sends (a user's ``status``, comments whose
``parent_id`` is the post or the top-level comment, the Page's own comments
with ``from`` the Page)."""

import pytest

from .e2e_support import ticket_of
from .test_simulator_roundtrip import received, reply, sent

pytestmark = pytest.mark.usefixtures("calls_left_as_found")
# Someone no other module writes as: modules that expect Odoo to look up the
# simulator's people's profiles meet them unknown still.
NEIGHBOUR = {"id": "7100000000000199", "name": "Aino Korhonen"}


def test_everything_under_a_visitor_post_is_the_visitors_ticket(odoo, world):
    page = world.accounts["facebook"]
    visitor = world.config.people["facebook"][0]
    _c, post = world.fb_visitor_post("The brake lever broke after two days.")
    assert post["delivery"]["status"] == 200
    ticket = ticket_of(odoo, page, post["id"])
    record = odoo.read_one(
        "helpdesk.ticket", ticket, ["social_thread_key", "partner_id"]
    )
    assert record["social_thread_key"] == f"fb:post:{post['id']}"
    assert record["partner_id"][1] == visitor["name"]

    # The Page answers in Meta's apps; the visitor answers the Page.
    _c, by_page = world.fb_comment(post["id"], "Sorry! Which shop?", as_page=True)
    assert ticket_of(odoo, page, by_page["id"]) == ticket
    _c, answer = world.fb_comment(by_page["id"], "The one in Kallio.", person=0)
    assert ticket_of(odoo, page, answer["id"]) == ticket

    # Another customer under the visitor's post: the visitor's ticket.
    _c, other = world.fb_comment(
        post["id"], "Same model, same problem!", person=NEIGHBOUR
    )
    assert ticket_of(odoo, page, other["id"]) == ticket

    # The agent answers whoever wrote last; the answer to it stays here too.
    reply(odoo, ticket, "We are replacing the levers for free.", private=False)
    out = sent(odoo, ticket, "We are replacing the levers for free.")
    (call,) = received(world, "POST", f"/{other['id']}/comments")
    assert out["external_id"] == call["answer"]["id"]
    _c, thanks = world.fb_comment(out["external_id"], "Great, thanks!", NEIGHBOUR)
    assert ticket_of(odoo, page, thanks["id"]) == ticket
    tickets = odoo.call(
        "helpdesk.ticket",
        "search_read",
        [("social_account_id", "=", page), ("social_thread_key", "like", post["id"])],
        fields=["id"],
    )
    assert [row["id"] for row in tickets] == [ticket]
    assert (
        odoo.read_one("helpdesk.ticket", ticket, ["partner_id"])["partner_id"][1]
        == visitor["name"]
    )
