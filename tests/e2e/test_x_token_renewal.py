"""X's OAuth 2.0 renewal in a served Odoo: the rotated pair is kept apart (issue 14).

The simulator answers the refresh grant as X's token endpoint does
(docs.x.com, OAuth 2.0 "Refresh token"): a new access token and a new refresh
token, the old refresh token dead.
"""

import datetime

import pytest

# Other modules count the simulator's calls by path: leave none behind.
pytestmark = pytest.mark.usefixtures("calls_left_as_found")


def press(odoo, model, method, record):
    """A button of the web client (its answer may be None, which XML-RPC refuses)."""
    return odoo.jsonrpc(
        "/web/dataset/call_kw",
        {"model": model, "method": method, "args": [[record]], "kwargs": {}},
    )


def test_x_expired_token_is_renewed_and_the_pair_kept_apart(odoo, world):
    account = world.accounts["x"]
    now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    expired = now - datetime.timedelta(minutes=1)
    token_fields = ["access_token", "refresh_token", "token_expires_at"]
    try:
        odoo.call(
            "social.care.account",
            "write",
            [account],
            {
                "refresh_token": "e2e-x-refresh-old",
                "token_expires_at": expired.strftime("%Y-%m-%d %H:%M:%S"),
            },
        )
        press(odoo, "social.care.account", "action_test_connection", account)
        row = odoo.read_one("social.care.account", account, ["state", *token_fields])
        assert row["state"] == "connected"
        assert row["access_token"].startswith("simulator-x-access-"), "not renewed"
        assert row["refresh_token"].startswith("simulator-x-refresh-")
        [kept] = odoo.call(
            "social.care.twitter.token",
            "search_read",
            [("account_id", "=", account)],
            fields=token_fields,
        )
        assert {name: kept[name] for name in token_fields} == {
            name: row[name] for name in token_fields
        }
    finally:
        odoo.call(
            "social.care.account",
            "write",
            [account],
            {
                "access_token": "e2e-x-token",
                "refresh_token": False,
                "token_expires_at": False,
                "state": "connected",
            },
        )
