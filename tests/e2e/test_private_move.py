"""Public → private keeps the thread, through the live route (issue 13.5).

A customer complains in a Facebook comment; the agent moves the conversation
to private and answers with a private reply; the customer answers in
Messenger, from the id Meta delivered the private reply to. The answer joins
the comment's ticket; no second ticket opens.
"""

import secrets

import pytest

from .e2e_support import messages, ticket_of, wait_for
from .test_platform_faults import press, settled

pytestmark = pytest.mark.usefixtures("calls_left_as_found")


def test_a_messenger_answer_to_a_private_reply_joins_the_ticket(odoo, world):
    person = {"id": f"71000000{secrets.randbelow(10**8):08d}", "name": "Ines Moreau"}
    _conversation, comment = world.send(
        "facebook_comment", "You charged me twice!", person=person
    )
    ticket = ticket_of(odoo, world.accounts["facebook"], comment["id"])
    press(odoo, "helpdesk.ticket", "action_move_to_private", ticket)
    text = "We sent you a message to sort out the refund."
    odoo.post_in_chatter(ticket, text)
    assert settled(odoo, ticket, text)["state"] == "sent"
    _dm_conversation, answer = world.send(
        "messenger", "Thanks, here is my order number", person=person
    )
    landed = wait_for(
        lambda: messages(
            odoo,
            [
                ("account_id", "=", world.accounts["facebook"]),
                ("external_id", "=", answer["id"]),
                ("ticket_id", "!=", False),
            ],
        ),
        what="the customer's Messenger answer on a ticket",
    )
    assert landed[0]["ticket_id"][0] == ticket


def test_an_x_dm_answer_after_moving_to_private_joins_the_ticket(odoo, world):
    person = {
        "id": f"18900000000{secrets.randbelow(10**8):08d}",
        "name": "Ada Quinn",
        "handle": f"ada_{secrets.token_hex(3)}",
    }
    _conversation, mention = world.send(
        "x_public", "@SimSupport my card was charged twice", person=person
    )
    ticket = ticket_of(odoo, world.accounts["x"], mention["id"])
    press(odoo, "helpdesk.ticket", "action_move_to_private", ticket)
    text = "Sorry! Could you DM us the last digits of the card?"
    odoo.post_in_chatter(ticket, text)
    assert settled(odoo, ticket, text)["state"] == "sent"
    _dm_conversation, answer = world.send("x_dm", "It ends in 4242", person=person)
    landed = wait_for(
        lambda: messages(
            odoo,
            [
                ("account_id", "=", world.accounts["x"]),
                ("external_id", "=", answer["id"]),
                ("ticket_id", "!=", False),
            ],
        ),
        what="the customer's DM answer on a ticket",
    )
    assert landed[0]["ticket_id"][0] == ticket
