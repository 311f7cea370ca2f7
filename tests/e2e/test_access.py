"""Access over HTTP on the live Odoo: an agent's session cannot read a token,
and a customer's portal lists their own tickets only."""

import http.cookiejar
import json
import secrets
import urllib.request

import pytest

from .e2e_support import ticket_of


class Session:
    """A browser-like session of one user: login, JSON-RPC and pages."""

    def __init__(self, odoo, login, password):
        self.url = odoo.url
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        answer = self.rpc(
            "/web/session/authenticate",
            {"db": odoo.db, "login": login, "password": password},
        )
        assert answer.get("result", {}).get("uid"), answer

    def rpc(self, path, params):
        """The JSON-RPC answer as it is, error included."""
        request = urllib.request.Request(
            self.url + path,
            data=json.dumps(
                {"jsonrpc": "2.0", "method": "call", "params": params}
            ).encode(),
            headers={"Content-Type": "application/json"},
        )
        with self.opener.open(request, timeout=60) as response:
            return json.load(response)

    def page(self, path):
        with self.opener.open(self.url + path, timeout=60) as response:
            return response.geturl(), response.read().decode()


@pytest.fixture
def new_user(odoo):
    """Create users as the admin (each with its own password); archived after."""
    created = []

    def create(name, groups, **values):
        login = f"e2e-{name}-{secrets.token_hex(4)}"
        password = secrets.token_urlsafe(12)
        created.append(
            odoo.call(
                "res.users",
                "create",
                {
                    "name": f"E2E {name}",
                    "login": login,
                    "password": password,
                    "groups_id": [(6, 0, [odoo.ref(group) for group in groups])],
                    **values,
                },
            )
        )
        return login, password

    yield create
    if created:
        odoo.call("res.users", "write", created, {"active": False})


def _person(label):
    """A customer of this session only, so no other test shares their tickets."""
    return {
        "id": str(10**15 + secrets.randbelow(10**15)),
        "name": f"{label} {secrets.token_hex(3)}",
    }


def test_agent_cannot_read_an_account_token(odoo, world, new_user):
    account = world.accounts["x"]
    token = odoo.read_one("social.care.account", account, ["access_token"])[
        "access_token"
    ]
    assert token
    login, password = new_user("agent", ["helpdesk_mgmt.group_helpdesk_user"])
    agent = Session(odoo, login, password)
    call = {
        "model": "social.care.account",
        "method": "read",
        "args": [[account], ["name", "access_token"]],
        "kwargs": {},
    }
    answer = agent.rpc("/web/dataset/call_kw/social.care.account/read", call)
    assert answer["error"]["data"]["name"] == "odoo.exceptions.AccessError"
    assert token not in json.dumps(answer)
    # The same agent reads the account itself, without the token.
    call["args"] = [[account], ["name"]]
    answer = agent.rpc("/web/dataset/call_kw/social.care.account/read", call)
    assert answer["result"][0]["name"] == "@SimE2E"


def test_portal_lists_own_tickets_only(odoo, world, new_user):
    customer, other = _person("Portal Pat"), _person("Other Olga")
    _conversation, mine = world.send("facebook_comment", "Where is my bike?", customer)
    _conversation, theirs = world.send("facebook_comment", "My brakes squeak", other)
    page = world.accounts["facebook"]
    my_ticket = odoo.read_one(
        "helpdesk.ticket", ticket_of(odoo, page, mine["id"]), ["partner_id", "number"]
    )
    their_ticket = odoo.read_one(
        "helpdesk.ticket", ticket_of(odoo, page, theirs["id"]), ["number"]
    )
    assert my_ticket["partner_id"][1] == customer["name"]
    login, password = new_user(
        "portal",
        ["base.group_portal"],
        partner_id=my_ticket["partner_id"][0],
    )
    portal = Session(odoo, login, password)
    url, html = portal.page("/my/tickets")
    assert url.endswith("/my/tickets")
    assert my_ticket["number"] in html
    assert "Where is my bike?" in html
    assert their_ticket["number"] not in html
    assert "My brakes squeak" not in html
    assert customer["id"] not in html  # the platform's id of the customer
    answer = portal.rpc(
        "/web/dataset/call_kw/social.care.message/search_read",
        {
            "model": "social.care.message",
            "method": "search_read",
            "args": [[], ["text"]],
            "kwargs": {},
        },
    )
    assert answer["error"]["data"]["name"] == "odoo.exceptions.AccessError"
