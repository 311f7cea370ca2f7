"""Bad input through the real routes: a clear answer, nothing lost or stored extra."""

import json

from .e2e_support import ticket_of, wait_for


def _events(odoo, app_id, *domain):
    return odoo.call(
        "social.care.event",
        "search_read",
        [("app_id", "=", app_id), *domain],
        fields=["state", "event_type", "error", "payload"],
    )


def test_malformed_json_is_kept_as_an_error(odoo, world):
    app = world.config.x_app_id
    before = len(_events(odoo, app))
    status, answer = world.deliver("x", None, body=b'{"for_user_id": "1", "tweet_cr')
    assert (status, answer) == (400, "unreadable payload")
    errors = _events(odoo, app, ("event_type", "=", "unreadable"))
    assert any(
        e["payload"] == {"raw": '{"for_user_id": "1", "tweet_cr'} for e in errors
    )
    assert len(_events(odoo, app)) == before + 1


def test_meta_gets_200_for_a_signed_unreadable_body(odoo, world):
    # Meta disables webhooks that keep failing: the body is kept, the answer is 200.
    status, _answer = world.deliver("meta", None, body=b'{"object": "page", "entry": [')
    assert status == 200
    errors = _events(odoo, world.config.meta_app_id, ("event_type", "=", "unreadable"))
    assert errors and errors[-1]["state"] == "error"


def test_oversized_body_is_refused_and_not_stored(odoo, world):
    app = world.config.x_app_id
    before = len(_events(odoo, app))
    body = json.dumps({"for_user_id": "1", "padding": "x" * (1024 * 1024)}).encode()
    status, _answer = world.deliver("x", None, body=body)
    assert status == 413
    assert len(_events(odoo, app)) == before


def test_unknown_event_type_is_stored_then_ignored(odoo, world):
    payload = {
        "for_user_id": world.config.x_user_id,
        "favorite_events": [{"id": "fav-e2e-1", "created_at": "now"}],
    }
    status, answer = world.deliver("x", payload)
    assert status == 200
    assert json.loads(answer)["new"] == 1

    def ignored():
        rows = _events(
            odoo,
            world.config.x_app_id,
            ("event_type", "like", "favorite_events"),
            ("state", "=", "ignored"),
        )
        return rows

    assert wait_for(ignored, what="the unknown event ignored")


def test_script_and_html_in_customer_text_are_escaped(odoo, world):
    text = '<script>alert("x")</script><img src=x onerror=alert(1)> bonjour'
    _conversation, comment = world.send("facebook_comment", text)
    ticket = ticket_of(odoo, world.accounts["facebook"], comment["id"])
    bodies = [
        m["body"]
        for m in odoo.call(
            "mail.message",
            "search_read",
            [("model", "=", "helpdesk.ticket"), ("res_id", "=", ticket)],
            fields=["body"],
        )
    ]
    customer = [b for b in bodies if "bonjour" in b]
    assert customer, bodies
    assert "<script" not in customer[0] and "<img" not in customer[0]
    assert "&lt;script&gt;" in customer[0]


def test_unsigned_callers_learn_nothing(odoo, world):
    status, answer = world.deliver("x", {"for_user_id": "1"}, signature=False)
    assert status == 403
    assert "e2e" not in answer.lower()
    assert world.config.x_secret not in answer
