"""A Graph outage through a running Odoo: a WARNING in the log, no URL, no token.

The security review saw, during an outage of the Graph API, an ERROR with a
traceback whose connection error printed the request URL with access_token
and appsecret_proof. The outage here is a refused connection (the Meta app
pointed at a port nobody listens on), met by an Instagram mention, which needs
a Graph call to read its text, and by a poll. The mention's shape is Meta's
Instagram ``mentions`` webhook (developers.facebook.com, Instagram webhooks
reference: ``value: {comment_id, media_id}``).
"""

import re
import secrets
import socket

import pytest

from tests.live_odoo import configured_credentials

from .e2e_support import wait_for

# Other modules count the simulator's calls by path: leave none behind.
pytestmark = pytest.mark.usefixtures("calls_left_as_found")

LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ \d+ (\w+) ", re.M)


def _closed_base_url():
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}/meta"


def _press(odoo, model, method, record):
    return odoo.jsonrpc(
        "/web/dataset/call_kw",
        {"model": model, "method": method, "args": [[record]], "kwargs": {}},
    )


def test_graph_outage_is_logged_as_a_warning_without_credentials(odoo, world):
    if not odoo.log_paths:
        pytest.skip("the Odoo under test runs elsewhere: its log is not here")
    log = odoo.log_paths[0]
    mark = log.stat().st_size
    cfg = world.config
    comment_id = "179" + "".join(str(secrets.randbelow(10)) for _ in range(14))
    mention = {
        "object": "instagram",
        "entry": [
            {
                "id": cfg.ig_id,
                "time": 1788263000,
                "changes": [
                    {
                        "field": "mentions",
                        "value": {"comment_id": comment_id, "media_id": "17890000000"},
                    }
                ],
            }
        ],
    }
    closed = _closed_base_url()
    odoo.call("social.care.app", "write", [cfg.meta_app_id], {"api_base_url": closed})
    try:
        status, _answer = world.deliver("meta", mention)
        assert status == 200

        def tried():
            rows = odoo.call(
                "social.care.event",
                "search_read",
                [
                    ("app_id", "=", cfg.meta_app_id),
                    ("delivery_key", "like", comment_id),
                ],
                fields=["state", "attempts", "error"],
            )
            return rows and rows[0]["attempts"] and rows[0]

        event = wait_for(tried, what="the mention tried during the outage")
        _press(
            odoo, "social.care.account", "action_poll_now", world.accounts["facebook"]
        )
    finally:
        odoo.call(
            "social.care.app",
            "write",
            [cfg.meta_app_id],
            {"api_base_url": f"{world.base_url}/meta"},
        )
        # The mention would be retried after the session: the database is
        # left as found.
        left = odoo.call(
            "social.care.event",
            "search",
            [("app_id", "=", cfg.meta_app_id), ("delivery_key", "like", comment_id)],
        )
        odoo.call("social.care.event", "unlink", left)
    # Retried later, in the words of an outage, not lost.
    assert event["state"] == "pending"
    assert "Facebook could not be reached" in event["error"]
    written = log.read_bytes()[mark:].decode(errors="replace")
    levels = LOG_LINE.findall(written)
    assert "ERROR" not in levels and "CRITICAL" not in levels, written[-3000:]
    assert "Traceback" not in written
    assert f"social care event {event['id']}: the platform failed" in written
    assert re.search(r" WARNING .*poll of account \d+ failed \(transient\)", written)
    assert "access_token" not in written and "appsecret_proof" not in written
    assert closed.rsplit(":", 1)[1] not in written, "no URL of the call in the log"
    leaked = [
        where
        for value, where in configured_credentials(odoo.sql_rows).items()
        if value in written
    ]
    assert leaked == []
