"""X Activity API against a live Odoo: the admin subscribes an account with the
button, the simulator then delivers ``dm.received`` and ``post.mention.create``
envelopes to the live webhook route, and tickets appear; after the
subscriptions are deleted X (the simulator) delivers nothing more.

An app and a simulator of their own: XAA changes what the simulator delivers
for X, which the session's shared world must not see.
"""

import secrets

import pytest

from simulator import Config, Simulator, serve_in_thread
from simulator import onboarding as ob

from .e2e_support import messages, ticket_of
from .test_access import Session, new_user  # noqa: F401 (a fixture)

# Other modules count the simulator's calls by path: leave none behind.
pytestmark = pytest.mark.usefixtures("calls_left_as_found")

NEEDED = {"post.mention.create", "post.reply.create", "dm.received", "dm.sent"}


def _digits(count):
    return str(secrets.randbelow(9) + 1) + "".join(
        str(secrets.randbelow(10)) for _ in range(count - 1)
    )


@pytest.fixture(scope="module")
def xaa_world(odoo):
    """An XAA app whose webhook X (the simulator) checked, and its account."""
    sim = Simulator(
        Config(
            odoo_url=odoo.url,
            x_secret=secrets.token_hex(16),
            x_user_id=_digits(19),
            x_handle="SimXaa",
        )
    )
    server = serve_in_thread(sim)
    base = f"http://127.0.0.1:{server.server_port}"
    # The webhook URL X is given is built on web.base.url: the live Odoo's.
    previous = odoo.call("ir.config_parameter", "get_param", "web.base.url")
    odoo.call("ir.config_parameter", "set_param", "web.base.url", odoo.url)
    app = odoo.call(
        "social.care.app",
        "create",
        {
            "name": "e2e XAA sandbox",
            "provider": "twitter",
            "client_key": "e2e-xaa-consumer-key",
            "client_secret": sim.config.x_secret,
            "twitter_bearer_token": ob.X_BEARER_TOKEN,
            "api_base_url": f"{base}/x",
        },
    )
    account = None
    try:
        assert odoo.read_one("social.care.app", app, ["twitter_webhook_api"]) == {
            "id": app,
            "twitter_webhook_api": "activity",  # pay-per-use: XAA
        }
        odoo.call("social.care.app", "action_twitter_register_webhook", [app])
        assert sim.config.x_app_id == app  # the CRC reached the live route
        account = odoo.call(
            "social.care.account",
            "create",
            {
                "name": "@SimXaa",
                "app_id": app,
                "state": "connected",
                "poll_enabled": False,
                "external_ref": sim.config.x_user_id,
                "handle": sim.config.x_handle,
                "twitter_auth_mode": "oauth2",
                "access_token": "e2e-xaa-user-token",
            },
        )
        yield sim, app, account
    finally:
        server.shutdown()
        server.server_close()
        if account:
            odoo.call("social.care.account", "write", [account], {"active": False})
        odoo.call("social.care.app", "write", [app], {"active": False})
        odoo.call("ir.config_parameter", "set_param", "web.base.url", previous)


def press(odoo, model, method, record):
    """What a form button does: ``call_button`` in the admin's web session."""
    return odoo.jsonrpc(
        "/web/dataset/call_button",
        {"model": model, "method": method, "args": [[record]], "kwargs": {}},
    )


def activity_calls(sim):
    return [c for c in sim.calls if c["path"].startswith("/x/2/activity/")]


def test_an_agent_cannot_make_x_subscribe(odoo, xaa_world, new_user):  # noqa: F811
    sim, _app, account = xaa_world
    login, password = new_user("xaa-agent", ["helpdesk_mgmt.group_helpdesk_user"])
    agent = Session(odoo, login, password)
    before = len(activity_calls(sim))
    for method in ("action_twitter_xaa_subscribe", "action_twitter_xaa_refresh"):
        answer = agent.rpc(
            "/web/dataset/call_button",
            {
                "model": "social.care.account",
                "method": method,
                "args": [[account]],
                "kwargs": {},
            },
        )
        assert answer["error"]["data"]["name"] == "odoo.exceptions.AccessError"
    assert len(activity_calls(sim)) == before
    assert not sim.onboarding["x_activity"]


def test_subscribe_deliver_then_delete(odoo, xaa_world):
    sim, _app, account = xaa_world
    answer = press(odoo, "social.care.account", "action_twitter_xaa_subscribe", account)
    assert answer["params"]["type"] == "success", answer
    on_x = sim.onboarding["x_activity"]
    assert {s["event_type"] for s in on_x} == NEEDED
    assert {s["filter"]["user_id"] for s in on_x} == {sim.config.x_user_id}
    creates = [c for c in activity_calls(sim) if c["method"] == "POST"]
    assert {c["body"]["event_type"] for c in creates} == NEEDED
    lines = odoo.call(
        "social.care.twitter.subscription",
        "search_read",
        [("account_id", "=", account)],
        fields=["event_type", "subscription_ref", "state"],
    )
    assert {line["event_type"] for line in lines} == NEEDED
    assert {line["state"] for line in lines} == {"active"}

    customer = {"id": _digits(19), "name": "Xaa Customer", "handle": "xaa_customer"}
    _conversation, dm = sim.send("x_dm", "I was charged twice", person=customer)
    assert dm["delivery"]["status"] == 200, dm["delivery"]
    _conversation, post = sim.send("x_public", "my screen is cracked", person=customer)
    assert post["delivery"]["status"] == 200, post["delivery"]
    kinds = [d["body"] for d in sim.deliveries[-2:]]
    assert '"event_type": "dm.received"' in kinds[0]
    assert '"event_type": "post.mention.create"' in kinds[1]
    assert ticket_of(odoo, account, dm["id"])
    assert ticket_of(odoo, account, post["id"])

    for line in lines:
        press(
            odoo,
            "social.care.twitter.subscription",
            "action_twitter_delete",
            line["id"],
        )
    assert not sim.onboarding["x_activity"]
    assert not odoo.call(
        "social.care.twitter.subscription",
        "search",
        [("account_id", "=", account)],
    )
    delivered = len(sim.deliveries)
    _conversation, late = sim.send("x_dm", "still there?", person=customer)
    assert late["delivery"]["status"] == 0
    assert len(sim.deliveries) == delivered
    assert not messages(odoo, [("external_id", "=", late["id"])])
