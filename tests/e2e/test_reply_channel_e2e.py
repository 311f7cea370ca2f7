"""One reply, one channel, through a running Odoo and the simulator.

The chatter's Send message is called as Odoo 18's web composer calls it
(mail/static/src/core/common/store_service.js ``getMessagePostParams``): the
checked suggested recipients in ``partner_ids``, ``mail_post_autofollow`` in
the context. The customer's contact has an e-mail address, as it has once a
social identity is linked to an existing customer.
"""

import secrets

import pytest

from .e2e_support import messages, ticket_of, wait_for
from .test_simulator_roundtrip import received, sent

# Other modules count the simulator's calls by path: these must not add to them.
pytestmark = pytest.mark.usefixtures("calls_left_as_found")


def send_message(odoo, ticket, text, partner_ids):
    """What the chatter's Send message posts, with these recipients checked."""
    return odoo.jsonrpc(
        "/mail/message/post",
        {
            "context": {"mail_post_autofollow": True},
            "thread_model": "helpdesk.ticket",
            "thread_id": ticket,
            "post_data": {
                "body": text,
                "email_add_signature": True,
                "message_type": "comment",
                "subtype_xmlid": "mail.mt_comment",
                "partner_ids": partner_ids,
            },
        },
    )


def posted(odoo, ticket, text):
    """The chatter message of ``text`` on the ticket."""
    rows = odoo.call(
        "mail.message",
        "search_read",
        [
            ("model", "=", "helpdesk.ticket"),
            ("res_id", "=", ticket),
            ("body", "ilike", text),
        ],
        fields=["social_care_channel"],
    )
    assert len(rows) == 1, rows
    return rows[0]


def notified(odoo, message, partner):
    return odoo.call(
        "mail.notification",
        "search_read",
        [("mail_message_id", "=", message["id"]), ("res_partner_id", "=", partner)],
        fields=["notification_type"],
    )


def mails_to(odoo, ticket, partner):
    return odoo.call(
        "mail.mail",
        "search_count",
        [
            ("model", "=", "helpdesk.ticket"),
            ("res_id", "=", ticket),
            ("recipient_ids", "in", [partner]),
        ],
    )


@pytest.fixture
def colleague(odoo):
    """An internal user with e-mail notifications, to follow a ticket."""
    login = f"e2e-colleague-{secrets.token_hex(4)}"
    user = odoo.call(
        "res.users",
        "create",
        {
            "name": "E2E Colleague",
            "login": login,
            "email": f"{login}@example.com",
            "notification_type": "email",
            "groups_id": [(4, odoo.ref("helpdesk_mgmt.group_helpdesk_user"))],
        },
    )
    partner = odoo.read_one("res.users", user, ["partner_id"])["partner_id"][0]
    yield partner
    odoo.call("res.users", "write", [user], {"active": False})


def test_social_reply_goes_to_the_platform_only_email_when_chosen(
    odoo, world, colleague
):
    conversation, dm = world.send("messenger", "Where is my parcel?", person=0)
    page = world.accounts["facebook"]
    ticket = ticket_of(odoo, page, dm["id"])
    customer = odoo.read_one("helpdesk.ticket", ticket, ["partner_id"])["partner_id"][0]
    odoo.call(
        "res.partner",
        "write",
        [customer],
        {"email": f"customer-{secrets.token_hex(4)}@example.com"},
    )
    odoo.call("helpdesk.ticket", "message_subscribe", [ticket], partner_ids=[colleague])
    # What the composer offers: the customer is not an e-mail recipient.
    data = odoo.jsonrpc(
        "/mail/thread/data",
        {
            "thread_model": "helpdesk.ticket",
            "thread_id": ticket,
            "request_list": ["suggestedRecipients"],
        },
    )
    suggested = [
        recipient.get("partner_id")
        for thread in data.get("mail.thread", [])
        for recipient in thread.get("suggestedRecipients", [])
    ]
    assert customer not in suggested

    # Send message, with the customer checked as an old composer would.
    text = f"We are on it {secrets.token_hex(3)}"
    send_message(odoo, ticket, text, [customer])
    sent(odoo, ticket, text)
    calls = [
        c
        for c in received(world, "POST", f"/{world.config.page_id}/messages")
        if text in c["body"].get("message", "")
    ]
    assert len(calls) == 1, "exactly one platform call"
    message = posted(odoo, ticket, text)
    assert message["social_care_channel"] == "messenger"
    assert notified(odoo, message, customer) == []
    assert mails_to(odoo, ticket, customer) == 0
    followers = odoo.read_one("helpdesk.ticket", ticket, ["message_partner_ids"])
    assert customer not in followers["message_partner_ids"]
    # Colleagues following the ticket still get it.
    (colleague_notice,) = notified(odoo, message, colleague)
    assert colleague_notice["notification_type"] == "email"

    # The agent chooses e-mail: one e-mail to the customer, no platform call.
    odoo.call("helpdesk.ticket", "write", [ticket], {"social_reply_by_email": True})
    before = len(world.snapshot()["calls"])
    text = f"Your invoice is attached {secrets.token_hex(3)}"
    send_message(odoo, ticket, text, [])
    message = posted(odoo, ticket, text)
    assert message["social_care_channel"] == "email"
    (customer_notice,) = notified(odoo, message, customer)
    assert customer_notice["notification_type"] == "email"
    assert notified(odoo, message, colleague), "colleagues still notified"
    assert not messages(
        odoo,
        [("ticket_id", "=", ticket), ("direction", "=", "out"), ("text", "=", text)],
    )
    assert len(world.snapshot()["calls"]) == before
    odoo.call("helpdesk.ticket", "write", [ticket], {"social_reply_by_email": False})


def test_every_demo_ticket_is_answerable_through_the_simulator(odoo, world):
    """The demo's generic-webhook tickets reply to the simulator too."""
    account = odoo.ref("social_care.demo_account_generic")
    if not account:
        pytest.skip("this database has no demo data")
    demo_url = odoo.read_one("social.care.account", account, ["generic_outbound_url"])
    # Installed with this change, the demo points at the simulator's default
    # address; scripts/run points older demo databases there as it starts it.
    assert demo_url["generic_outbound_url"] in (
        "http://127.0.0.1:8071/generic/replies",
        False,
    )
    # This session's simulator stands in for the one scripts/run starts.
    odoo.call(
        "social.care.account",
        "write",
        [account],
        {"generic_outbound_url": f"{world.base_url}/generic/replies"},
    )
    tickets = odoo.call(
        "helpdesk.ticket",
        "search_read",
        [("social_account_id", "!=", False), ("social_is_spam", "=", False)],
        fields=["social_reply_blocked", "social_account_id"],
    )
    assert tickets
    assert [t for t in tickets if t["social_reply_blocked"]] == []
    demo_ticket = next(t for t in tickets if t["social_account_id"][0] == account)
    try:
        text = f"Sorry about that {secrets.token_hex(3)}"
        send_message(odoo, demo_ticket["id"], text, [])
        out = sent(odoo, demo_ticket["id"], text)
        (call,) = [
            c
            for c in received(world, "POST", "/generic/replies")
            if c["body"].get("text") == text
        ]
        assert out["external_id"] == call["answer"]["id"]
        shown = wait_for(
            lambda: [
                m
                for c in world.snapshot()["conversations"]
                for m in c["messages"]
                if m.get("text") == text
            ],
            what="the reply shown in the simulator",
        )
        assert shown[0]["direction"] == "out"
    finally:
        odoo.call("social.care.account", "write", [account], demo_url)
