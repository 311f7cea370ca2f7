"""A silent channel is an alarm (issue 16, item 6), through the live route.

A Page of its own receives signed deliveries from the simulator, as Meta
pushes them; their times are then moved back, as if they had come every 80
minutes (over a day) until five hours ago, and the silence check runs as its
cron would.
"""

import secrets
import time

import pytest

pytestmark = pytest.mark.usefixtures("calls_left_as_found")

DELIVERIES = 21  # the check learns nothing from fewer than 20


def _reaction(page_id, n):
    """A Page feed reaction, shaped as Meta's Webhooks for Pages send it (the
    same fields as bottender's feed_reactionAdd capture); the inbox ignores it."""
    now = int(time.time())
    return {
        "object": "page",
        "entry": [
            {
                "id": page_id,
                "time": now * 1000,
                "changes": [
                    {
                        "field": "feed",
                        "value": {
                            "reaction_type": "like",
                            "from": {"id": "5550001"},
                            "post_id": f"{page_id}_{n}",
                            "verb": "add",
                            "item": "reaction",
                            "created_time": now + n,
                        },
                    }
                ],
            }
        ],
    }


def _move_back(odoo, account):
    """Admin's server action: the account's events came every 80 minutes."""
    action = odoo.call(
        "ir.actions.server",
        "create",
        {
            "name": "e2e: move the silence test's deliveries back",
            "model_id": odoo.call(
                "ir.model", "search", [("model", "=", "social.care.event")]
            )[0],
            "state": "code",
            "code": (
                "env.cr.execute('''UPDATE social_care_event e SET create_date ="
                " now() at time zone 'utc' - interval '5 hours'"
                " - (r.n - 1) * interval '80 minutes'"
                " FROM (SELECT id, row_number() OVER (ORDER BY id DESC) n"
                " FROM social_care_event WHERE account_id = %s) r"
                f" WHERE r.id = e.id''', [{account}])"
            ),
        },
    )
    odoo.call("ir.actions.server", "run", [action])
    odoo.call("ir.actions.server", "unlink", [action])


def _check(odoo):
    cron = odoo.ref("social_care.ir_cron_check_webhook_silence")
    odoo.call("ir.cron", "method_direct_trigger", [cron])


def _silence(odoo, account):
    return odoo.read_one(
        "social.care.account",
        account,
        [
            "webhook_silent_since",
            "webhook_silence_warning",
            "poll_enabled",
            "poll_interval",
        ],
    )


def _alarms(odoo, account):
    """The admins' silence activities on the account (a poll may add others)."""
    return odoo.call(
        "mail.activity",
        "search_count",
        [
            ("res_model", "=", "social.care.account"),
            ("res_id", "=", account),
            ("summary", "=", "Webhook silent: no deliveries"),
        ],
    )


def test_a_page_gone_silent_is_flagged_then_cleared(odoo, world):
    page_id = str(secrets.randbelow(10**14) + 10**14)
    account = odoo.call(
        "social.care.account",
        "create",
        {
            "name": "E2E silent Page",
            "app_id": world.config.meta_app_id,
            "meta_surface": "facebook",
            "external_ref": page_id,
            "access_token": "e2e-page-token",
            "state": "connected",
            "poll_enabled": False,
            "poll_interval": 15,
        },
    )
    try:
        for n in range(DELIVERIES):
            status, _answer = world.deliver("meta", _reaction(page_id, n))
            assert status == 200
        _move_back(odoo, account)
        _check(odoo)
        silent = _silence(odoo, account)
        assert silent["webhook_silent_since"]
        assert (
            "usually comes at least every 80 minutes"
            in (silent["webhook_silence_warning"])
        )
        assert (silent["poll_enabled"], silent["poll_interval"]) == (True, 5)
        assert _alarms(odoo, account) == 1
        form = odoo.call(
            "social.care.account", "get_views", [[False, "form"]], options={}
        )["views"]["form"]["arch"]
        assert 'invisible="not webhook_silent_since"' in form
        assert "webhook_silence_warning" in form

        _check(odoo)  # still silent: no second activity
        assert _alarms(odoo, account) == 1

        status, _answer = world.deliver("meta", _reaction(page_id, DELIVERIES))
        assert status == 200
        _check(odoo)
        back = _silence(odoo, account)
        assert not back["webhook_silent_since"]
        assert _alarms(odoo, account) == 0
        assert (back["poll_enabled"], back["poll_interval"]) == (False, 15)
    finally:
        odoo.call("social.care.account", "write", [account], {"active": False})
