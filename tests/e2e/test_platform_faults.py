"""The platforms failing under an agent's reply, through a running Odoo.

Each test makes the simulator fail the way X or Meta do (``inject_fault``),
an agent replies in the ticket's chatter, the send cron runs, and the test
checks what an agent or admin sees (the message's state and reason, the
ticket's activity, the account's state) and, from the simulator's record of
calls and replies, that nothing was posted twice and nothing was lost.
"""

import datetime
import socket
import time

import pytest

from .e2e_support import messages, ticket_of, wait_for

X_TWEETS = r"^/x/2/tweets$"
META_MESSAGES = r"/messages$"
HANG_WAIT = 60  # seconds: the connectors give up after 20 s, the hang is 25 s


pytestmark = pytest.mark.usefixtures("calls_left_as_found")


def _now():
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


def _datetime(value):
    return datetime.datetime.strptime(value, "%Y-%m-%d %H:%M:%S")


def out_row(odoo, ticket, text):
    rows = messages(
        odoo,
        [("ticket_id", "=", ticket), ("direction", "=", "out"), ("text", "=", text)],
        fields=("state", "error", "attempts", "next_attempt_at", "external_id"),
    )
    return rows[0] if rows else None


def settled(odoo, ticket, text, attempts=1, timeout=HANG_WAIT):
    """The outbound row once the send cron has made ``attempts`` attempts."""

    def done():
        row = out_row(odoo, ticket, text)
        return (
            row
            and row["attempts"] >= attempts
            and row["state"] not in ("sending", "to_approve")
            and row
        )

    return wait_for(done, timeout, what=f"attempt {attempts} to send {text!r}")


def run_send_cron_now(odoo, ticket, text, account=None):
    """Time passes: the retry is due (and Meta's pause over); the cron runs."""
    row = out_row(odoo, ticket, text)
    odoo.call("social.care.message", "write", [row["id"]], {"next_attempt_at": False})
    if account:
        odoo.call(
            "social.care.account", "write", [account], {"meta_backoff_until": False}
        )
    cron = odoo.ref("social_care.ir_cron_send_messages")
    press(odoo, "ir.cron", "method_direct_trigger", cron)


def press(odoo, model, method, record):
    """A button of the web client (its answer may be None, which XML-RPC refuses)."""
    return odoo.jsonrpc(
        "/web/dataset/call_kw",
        {"model": model, "method": method, "args": [[record]], "kwargs": {}},
    )


def posted(world, conversation, text):
    """The agent replies shown in the simulated conversation (what customers see)."""
    state = world.conversation(conversation["id"])
    return [
        m for m in state["messages"] if m["direction"] == "out" and m["text"] == text
    ]


def calls_since(world, mark, path_end):
    return [c for c in world.calls[mark:] if c["path"].endswith(path_end)]


def activities(odoo, model, record, summary):
    return odoo.call(
        "mail.activity",
        "search_read",
        [("res_model", "=", model), ("res_id", "=", record), ("summary", "=", summary)],
        fields=["summary", "note", "user_id"],
    )


@pytest.fixture
def x_mention(odoo, world):
    """A fresh X mention and its ticket: ``(conversation, mention, ticket)``."""
    world.clear_faults()
    conversation, mention = world.send("x_public", "my order never came")
    yield conversation, mention, ticket_of(odoo, world.accounts["x"], mention["id"])
    world.clear_faults()


@pytest.fixture
def messenger_dm(odoo, world):
    world.clear_faults()
    conversation, dm = world.send("messenger", "where is my parcel?")
    yield conversation, dm, ticket_of(odoo, world.accounts["facebook"], dm["id"])
    world.clear_faults()


# ----------------------------------------------------------------------
# X
# ----------------------------------------------------------------------


def test_x_429_waits_for_the_reset_then_posts_once(odoo, world, x_mention):
    conversation, _mention, ticket = x_mention
    world.inject_fault("rate_limit", X_TWEETS, seconds=900)
    mark = len(world.calls)
    text = "Sorry for the wait, checking now (429)."
    odoo.post_in_chatter(ticket, text)
    row = settled(odoo, ticket, text)
    assert row["state"] == "queued"
    assert "rate limit" in row["error"]
    # The retry is set at X's x-rate-limit-reset, not earlier.
    assert abs((_datetime(row["next_attempt_at"]) - _now()).total_seconds() - 900) < 5
    assert posted(world, conversation, text) == []
    run_send_cron_now(odoo, ticket, text)
    row = settled(odoo, ticket, text, attempts=2)
    assert row["state"] == "sent"
    assert len(posted(world, conversation, text)) == 1
    statuses = [c["status"] for c in calls_since(world, mark, "/2/tweets")]
    assert statuses == [429, 201]


@pytest.mark.parametrize("status", [500, 503])
def test_x_server_error_is_retried_and_posts_once(odoo, world, x_mention, status):
    conversation, _mention, ticket = x_mention
    world.inject_fault("server_error", X_TWEETS, status=status)
    mark = len(world.calls)
    text = f"We are looking into it ({status})."
    odoo.post_in_chatter(ticket, text)
    row = settled(odoo, ticket, text)
    assert row["state"] == "queued"
    assert f"HTTP {status}" in row["error"]
    assert _datetime(row["next_attempt_at"]) > _now()  # backoff, not a hot loop
    run_send_cron_now(odoo, ticket, text)
    assert settled(odoo, ticket, text, attempts=2)["state"] == "sent"
    assert len(posted(world, conversation, text)) == 1
    assert [c["status"] for c in calls_since(world, mark, "/2/tweets")] == [
        status,
        201,
    ]


def test_x_timeout_after_posting_is_not_posted_twice(odoo, world, x_mention):
    conversation, mention, ticket = x_mention
    world.inject_fault("hang_after", X_TWEETS)
    mark = len(world.calls)
    text = "Refund issued, sorry (hang after)."
    odoo.post_in_chatter(ticket, text)
    row = settled(odoo, ticket, text)
    # X posted it but Odoo never heard back: uncertain, so not retried.
    assert row["state"] == "failed"
    assert "may have been posted: check https://x.com/" in row["error"]
    assert f"/status/{mention['id']} before retrying" in row["error"]
    assert activities(
        odoo, "helpdesk.ticket", ticket, "Social reply may have been sent"
    )
    run_send_cron_now(odoo, ticket, text)
    time.sleep(2)
    assert out_row(odoo, ticket, text)["state"] == "failed"
    assert len(posted(world, conversation, text)) == 1
    (call,) = calls_since(world, mark, "/2/tweets")
    assert (call["fault"], call["processed"]) == ("hang_after", True)


def test_x_timeout_before_posting_waits_for_the_agent(odoo, world, x_mention):
    conversation, _mention, ticket = x_mention
    world.inject_fault("hang_before", X_TWEETS)
    mark = len(world.calls)
    text = "We will call you today (hang before)."
    odoo.post_in_chatter(ticket, text)
    row = settled(odoo, ticket, text)
    assert row["state"] == "failed"
    assert "may have been posted" in row["error"]
    assert posted(world, conversation, text) == []
    # The agent checks X, sees nothing, and retries: posted once.
    press(odoo, "social.care.message", "action_retry", row["id"])
    assert settled(odoo, ticket, text, attempts=2)["state"] == "sent"
    assert len(posted(world, conversation, text)) == 1
    calls = calls_since(world, mark, "/2/tweets")
    assert [(c.get("fault"), c.get("processed")) for c in calls] == [
        ("hang_before", False),
        (None, None),
    ]


def test_x_connection_refused_is_retried(odoo, world, x_mention):
    conversation, _mention, ticket = x_mention
    app = world.config.x_app_id
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}/x"
    odoo.call("social.care.app", "write", [app], {"api_base_url": closed})
    text = "Back online soon (refused)."
    try:
        odoo.post_in_chatter(ticket, text)
        row = settled(odoo, ticket, text)
        assert row["state"] == "queued"
        assert "it will be tried again" in row["error"]
    finally:
        odoo.call(
            "social.care.app", "write", [app], {"api_base_url": f"{world.base_url}/x"}
        )
    run_send_cron_now(odoo, ticket, text)
    assert settled(odoo, ticket, text, attempts=2)["state"] == "sent"
    assert len(posted(world, conversation, text)) == 1


def test_x_expired_token_holds_replies_until_reconnected(odoo, world, x_mention):
    conversation, _mention, ticket = x_mention
    account = world.accounts["x"]
    world.inject_fault("expired_token", X_TWEETS)
    first, second = "First reply (token).", "Second reply (token)."
    try:
        odoo.post_in_chatter(ticket, first)
        row = settled(odoo, ticket, first)
        state = odoo.read_one("social.care.account", account, ["state", "last_error"])
        assert state["state"] == "error"
        assert "reconnect" in state["last_error"]
        assert activities(
            odoo, "social.care.account", account, "Social account needs attention"
        )
        assert row["state"] == "queued"
        assert "Waiting for the account to be reconnected" in row["error"]
        odoo.post_in_chatter(ticket, second)
        run_send_cron_now(odoo, ticket, second)
        time.sleep(1)
        assert out_row(odoo, ticket, second)["attempts"] == 0, "held, not tried"
        # The admin renews the token and tests the connection: both go out, once.
        odoo.call(
            "social.care.account", "write", [account], {"access_token": "renewed"}
        )
        press(odoo, "social.care.account", "action_test_connection", account)
    finally:
        odoo.call("social.care.account", "write", [account], {"state": "connected"})
    assert settled(odoo, ticket, first, attempts=2)["state"] == "sent"
    assert settled(odoo, ticket, second)["state"] == "sent"
    assert len(posted(world, conversation, first)) == 1
    assert len(posted(world, conversation, second)) == 1


# ----------------------------------------------------------------------
# Meta
# ----------------------------------------------------------------------


@pytest.mark.parametrize("code", [4, 17, 32, 613])
def test_meta_rate_limit_waits_then_sends_once(odoo, world, messenger_dm, code):
    conversation, _dm, ticket = messenger_dm
    page = world.accounts["facebook"]
    world.inject_fault("rate_limit", META_MESSAGES, code=code, seconds=180)
    text = f"Your parcel left today (code {code})."
    odoo.post_in_chatter(ticket, text)
    row = settled(odoo, ticket, text)
    assert row["state"] == "queued"
    assert "rate limit" in row["error"]
    assert "resumes automatically in about 3 minutes" in row["error"]
    wait = (_datetime(row["next_attempt_at"]) - _now()).total_seconds()
    assert 170 < wait <= 180  # X-Business-Use-Case-Usage: regain access in 3 min
    backoff = odoo.read_one("social.care.account", page, ["meta_backoff_until"])
    paused = _datetime(backoff["meta_backoff_until"])
    assert abs((paused - _datetime(row["next_attempt_at"])).total_seconds()) <= 2
    run_send_cron_now(odoo, ticket, text, account=page)
    assert settled(odoo, ticket, text, attempts=2)["state"] == "sent"
    assert len(posted(world, conversation, text)) == 1


def test_meta_server_error_is_retried(odoo, world, messenger_dm):
    conversation, _dm, ticket = messenger_dm
    world.inject_fault("server_error", META_MESSAGES, status=500)
    text = "Checking with the courier (500)."
    odoo.post_in_chatter(ticket, text)
    row = settled(odoo, ticket, text)
    assert (row["state"], "temporary problem" in row["error"]) == ("queued", True)
    run_send_cron_now(odoo, ticket, text)
    assert settled(odoo, ticket, text, attempts=2)["state"] == "sent"
    assert len(posted(world, conversation, text)) == 1


def test_meta_comment_timeout_after_posting_is_not_posted_twice(odoo, world):
    world.clear_faults()
    conversation, comment = world.send("facebook_comment", "Is the shop open?")
    ticket = ticket_of(odoo, world.accounts["facebook"], comment["id"])
    world.inject_fault("hang_after", rf"/{comment['id']}/comments$")
    text = "Yes, until 18:00 (hang after)."
    odoo.post_in_chatter(ticket, text)
    row = settled(odoo, ticket, text)
    assert row["state"] == "failed"
    assert "Facebook received the request but did not answer" in row["error"]
    assert "may have been posted: check" in row["error"]
    run_send_cron_now(odoo, ticket, text)
    time.sleep(2)
    assert out_row(odoo, ticket, text)["state"] == "failed"
    assert len(posted(world, conversation, text)) == 1


def test_meta_dm_timeout_before_sending_waits_for_the_agent(odoo, world, messenger_dm):
    conversation, _dm, ticket = messenger_dm
    world.inject_fault("hang_before", META_MESSAGES)
    text = "A courier is on the way (hang before)."
    odoo.post_in_chatter(ticket, text)
    row = settled(odoo, ticket, text)
    assert row["state"] == "failed"
    assert "may have been posted" in row["error"]
    assert posted(world, conversation, text) == []
    press(odoo, "social.care.message", "action_retry", row["id"])
    assert settled(odoo, ticket, text, attempts=2)["state"] == "sent"
    assert len(posted(world, conversation, text)) == 1


def test_meta_expired_token_holds_replies_until_reconnected(odoo, world, messenger_dm):
    conversation, _dm, ticket = messenger_dm
    page = world.accounts["facebook"]
    world.inject_fault("expired_token", META_MESSAGES)
    text = "Here is your tracking link (token)."
    try:
        odoo.post_in_chatter(ticket, text)
        row = settled(odoo, ticket, text)
        state = odoo.read_one("social.care.account", page, ["state", "last_error"])
        assert state["state"] == "error"
        assert "The access token has expired" in state["last_error"]
        assert row["state"] == "queued"
        assert posted(world, conversation, text) == []
        press(odoo, "social.care.account", "action_test_connection", page)
    finally:
        odoo.call("social.care.account", "write", [page], {"state": "connected"})
    assert settled(odoo, ticket, text, attempts=2)["state"] == "sent"
    assert len(posted(world, conversation, text)) == 1
