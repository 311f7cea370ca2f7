"""A routing rule's hide, through the live webhook route and the real inbox cron.

The hide is asked for while the comment's event is processed and sent to
Meta only after the batch is committed: once, with its note on the ticket.
"""

import secrets

import pytest

from .e2e_support import messages, ticket_of, wait_for


@pytest.fixture(autouse=True)
def _leave_the_record_of_calls_as_found(world):
    """The session's simulator is shared: other modules count its calls by path."""
    calls = len(world.calls)
    yield
    with world.lock:
        del world.calls[calls:]


@pytest.fixture
def hide_rule(odoo):
    keyword = f"abuse{secrets.token_hex(4)}"
    rule = odoo.call(
        "social.care.rule",
        "create",
        {"name": f"Hide {keyword}", "keywords": keyword, "meta_hide_comment": True},
    )
    yield keyword
    odoo.call("social.care.rule", "unlink", [rule])


def test_a_rule_hides_the_comment_once_after_the_commit(odoo, world, hide_rule):
    world.clear_faults()
    mark = len(world.calls)
    _conversation, comment = world.send("facebook_comment", f"You {hide_rule}!")
    page = world.accounts["facebook"]
    ticket = ticket_of(odoo, page, comment["id"])
    domain = [("account_id", "=", page), ("external_id", "=", comment["id"])]
    (row,) = wait_for(
        lambda: messages(
            odoo, domain + [("meta_is_hidden", "=", True)], ("meta_hide_rule_id",)
        ),
        what="the comment hidden",
    )
    assert row["meta_hide_rule_id"] is False
    hides = [
        c
        for c in world.calls[mark:]
        if c["method"] == "POST" and c["path"].endswith(f"/{comment['id']}")
    ]
    assert [c["body"].get("is_hidden") for c in hides] == ["true"]
    notes = odoo.call(
        "mail.message",
        "search_read",
        [("model", "=", "helpdesk.ticket"), ("res_id", "=", ticket)],
        fields=["body"],
    )
    assert sum("Comment hidden on" in n["body"] for n in notes) == 1
