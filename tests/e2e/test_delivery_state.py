"""The delivery state of a reply, on its chatter message (issue 13, point 3).

What the chatter loads (``/mail/thread/messages``, as the web client calls
it) carries, on the agent's message, where the reply is: queued, waiting,
sent with its link, failed with why. The failures are the simulator's, shaped
as the platforms fail (see test_platform_faults.py).
"""

import pytest

from .e2e_support import ticket_of, wait_for
from .test_platform_faults import HANG_WAIT, META_MESSAGES, settled

pytestmark = pytest.mark.usefixtures("calls_left_as_found")


def chatter_delivery(odoo, ticket, text):
    """The delivery state the chatter shows under the message holding ``text``."""
    answer = odoo.jsonrpc(
        "/mail/thread/messages",
        {"thread_model": "helpdesk.ticket", "thread_id": ticket, "limit": 30},
    )
    for message in answer["data"].get("mail.message", []):
        if text in (message.get("body") or ""):
            return message.get("socialDelivery")
    return None


@pytest.fixture
def messenger_ticket(odoo, world):
    world.clear_faults()
    conversation, dm = world.send("messenger", "my parcel is lost")
    yield ticket_of(odoo, world.accounts["facebook"], dm["id"])
    world.clear_faults()


def test_a_sent_reply_shows_sent_with_its_link(odoo, messenger_ticket):
    text = "It left our warehouse today."
    odoo.post_in_chatter(messenger_ticket, text)
    assert settled(odoo, messenger_ticket, text)["state"] == "sent"
    delivery = wait_for(
        lambda: (chatter_delivery(odoo, messenger_ticket, text) or {}).get("state")
        == "sent"
        and chatter_delivery(odoo, messenger_ticket, text),
        what="the chatter showing the reply sent",
    )
    assert (delivery["label"], delivery["canRetry"]) == ("Sent", False)


def test_a_reply_waiting_for_a_retry_says_why(odoo, world, messenger_ticket):
    world.inject_fault("server_error", META_MESSAGES, status=500)
    text = "Checking with the courier now."
    odoo.post_in_chatter(messenger_ticket, text)
    assert settled(odoo, messenger_ticket, text)["state"] == "queued"
    delivery = chatter_delivery(odoo, messenger_ticket, text)
    assert delivery["state"] == "queued"
    assert delivery["label"] == "Waiting"
    assert "temporary problem" in delivery["reason"]


def test_a_failed_reply_shows_failed_why_and_a_retry(odoo, world, messenger_ticket):
    world.inject_fault("hang_after", META_MESSAGES)
    text = "We will refund the shipping."
    odoo.post_in_chatter(messenger_ticket, text)
    row = settled(odoo, messenger_ticket, text, timeout=HANG_WAIT)
    assert row["state"] == "failed"
    delivery = chatter_delivery(odoo, messenger_ticket, text)
    assert (delivery["state"], delivery["label"], delivery["canRetry"]) == (
        "failed",
        "Failed",
        True,
    )
    assert "may have been posted" in delivery["reason"]
