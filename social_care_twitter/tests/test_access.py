"""Issues 7 and 11 for the X connector: its credentials, models, routes, buttons."""

import copy
from datetime import date
from urllib.parse import parse_qs, urlparse

from odoo.exceptions import AccessError
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from odoo.addons.social_care.tests.access_common import (
    TwoCompaniesMixin,
    credential_fields,
)

from ..models.social_care_account import CALLBACK_ROUTE
from ..tools import crc_response
from .common import FakeX, fake_x, fixture

X_CREDENTIALS = {
    "social.care.app": {
        "twitter_client_id",
        "twitter_client_secret",
        "twitter_bearer_token",
    },
    "social.care.account": {
        "twitter_oauth_state",
        "twitter_code_verifier",
        "twitter_oauth_expires_at",
    },
}


@tagged("post_install", "-at_install")
class TestTwitterAccess(TwoCompaniesMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_two_companies()
        for key, side in cls.side.items():
            cls._setup_x(key, side)
        cls.agent_a.password = "agent_a_password"

    @classmethod
    def _setup_x(cls, key, side):
        app = cls.env["social.care.app"].create(
            {
                "name": f"X app {key}",
                "provider": "twitter",
                "company_id": side["company"].id,
                "client_key": f"x-consumer-key-{key}-not-real",
                "client_secret": f"x-consumer-secret-{key}-not-real",
                "twitter_client_id": f"x-client-id-{key}-not-real",
                "twitter_client_secret": f"x-client-secret-{key}-not-real",
                "twitter_bearer_token": f"x-bearer-{key}-not-real",
            }
        )
        account = cls.env["social.care.account"].create(
            {
                "name": f"X account {key}",
                "app_id": app.id,
                "company_id": side["company"].id,
                "external_ref": f"x-user-{key}",
                "poll_enabled": False,
                "access_token": f"x-access-{key}-not-real",
                "refresh_token": f"x-refresh-{key}-not-real",
                "twitter_oauth_state": f"x-state-{key}-not-real",
                "twitter_code_verifier": f"x-verifier-{key}-not-real",
            }
        )
        query = cls.env["social.care.twitter.query"].create(
            {"name": f"acme refund {key}", "account_id": account.id}
        )
        side.update(
            x_app=app,
            x_account=account,
            usage=cls.env["social.care.twitter.usage"].create(
                {
                    "account_id": account.id,
                    "date": date(2026, 1, 1),
                    "endpoint": f"GET /2/users/{key}/mentions",
                }
            ),
            query=query,
            hit=cls.env["social.care.twitter.hit"].create(
                {
                    "account_id": account.id,
                    "query_id": query.id,
                    "post_id": f"post-{key}",
                    "text": f"Found by listening {key}",
                }
            ),
        )
        side["secrets"] += [
            app.client_key,
            app.client_secret,
            app.twitter_client_id,
            app.twitter_client_secret,
            app.twitter_bearer_token,
            account.access_token,
            account.refresh_token,
            account.twitter_oauth_state,
            account.twitter_code_verifier,
        ]

    def test_x_credentials_are_admin_only(self):
        found = credential_fields(self.env)
        for model, names in X_CREDENTIALS.items():
            self.assertLessEqual(names, set(found[model]))
        for user in (self.agent_a, self.manager_a):
            env = self.as_user(user)
            for model, names in X_CREDENTIALS.items():
                record = self.side["a"][
                    "x_app" if model == "social.care.app" else "x_account"
                ]
                for name in sorted(names):
                    with self.subTest(user=user.login, field=name):
                        self._assert_field_denied(record.with_env(env), name)

    def test_x_models_are_isolated_by_company(self):
        a, b = self.side["a"], self.side["b"]
        agent = self.as_user(self.agent_ab, self.company_a)
        manager = self.as_user(self.manager_a)
        for env, model, key in (
            (agent, "social.care.twitter.query", "query"),
            (agent, "social.care.twitter.hit", "hit"),
            (manager, "social.care.twitter.usage", "usage"),
        ):
            with self.subTest(model=model):
                self._assert_sees_only(env[model], a[key], b[key])

    def test_x_records_stay_in_their_company(self):
        a, b = self.side["a"], self.side["b"]
        moves = [
            (self.agent_a, a["hit"], {"account_id": b["x_account"].id}),
            (self.manager_a, a["query"], {"account_id": b["x_account"].id}),
        ]
        for user, record, values in moves:
            with self.subTest(model=record._name):
                with self.assertRaises(AccessError), self.env.cr.savepoint():
                    record.with_env(self.as_user(user)).write(values)
                self.assertEqual(record.company_id, self.company_a)

    def test_crc_answer_is_a_signature_not_the_secret(self):
        app = self.side["a"]["x_app"]
        response = self.url_open(f"/social_care/webhook/{app.id}?crc_token=abc")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json(), crc_response(app.client_secret, "abc"))
        self.assertNoSecret(response.text)

    @mute_logger("odoo.http")
    def test_oauth_callback_is_for_administrators_and_echoes_nothing(self):
        account = self.side["a"]["x_account"]
        state = account.twitter_oauth_state
        self.authenticate("agent_a", "agent_a_password")
        response = self.url_open(f"{CALLBACK_ROUTE}?state={state}&code=abc")
        self.assertEqual(response.status_code, 403)
        self.assertNoSecret(response.text)
        self.assertEqual(account.twitter_oauth_state, state)  # not consumed
        self.authenticate("admin", "admin")
        response = self.url_open(f"{CALLBACK_ROUTE}?state=guessed&code=abc")
        self.assertEqual(response.status_code, 400)
        self.assertNoSecret(response.text)

    # ------------------------------------------------------------------
    # Issue 11: over JSON-RPC, as the agent or an administrator
    # ------------------------------------------------------------------

    def _hit_from_search(self):
        """A review-list hit as the search stores it.

        X's recent search answers in the mentions' shape (data, includes,
        meta): the page is the mentions fixture.
        """
        query = self.side["a"]["query"]
        hits = query._twitter_add_hits(fixture("poll_mentions_page1"))
        self.assertEqual(len(hits), 2)
        return hits.sorted("post_id")

    @mute_logger("odoo.http")
    def test_agent_cannot_forge_a_listening_result(self):
        hit, other = self._hit_from_search()
        original = copy.deepcopy(hit.payload)
        forged = copy.deepcopy(original)
        forged["data"][0]["text"] = "Forged by an agent"
        self.authenticate("agent_a", "agent_a_password")
        for values in (
            {"payload": forged},
            {"post_id": other.post_id},
            {"text": "Forged by an agent"},
            {"state": "dismissed"},
            {"ticket_id": self.side["a"]["own_ticket"].id},
        ):
            with self.subTest(values=sorted(values)):
                self.assertRpcDenied(
                    self.rpc("social.care.twitter.hit", "write", hit.ids, values)
                )
        self.assertEqual(hit.payload, original)
        with fake_x():  # a post made a ticket of asks X nothing
            answer = self.rpc(
                "social.care.twitter.hit", "action_create_ticket", hit.ids
            )
        self.assertNotIn("error", answer)
        self.assertEqual(hit.state, "ticket")
        message = hit.ticket_id.social_message_ids.filtered(
            lambda m: m.external_id == hit.post_id
        )
        self.assertEqual(message.text, hit.text)
        self.assertNotIn("Forged", message.text)
        answer = self.rpc("social.care.twitter.hit", "action_dismiss", other.ids)
        self.assertNotIn("error", answer)
        self.assertEqual(other.state, "dismissed")
        # Not another company's results.
        theirs = self.side["b"]["hit"]
        self.assertRpcDenied(
            self.rpc("social.care.twitter.hit", "action_dismiss", theirs.ids)
        )
        self.assertEqual(theirs.state, "new")

    @mute_logger("odoo.http")
    def test_x_admin_buttons_stop_agents_before_calling_x(self):
        a = self.side["a"]
        account, app = a["x_account"], a["x_app"]
        app.twitter_webhook_id = "1500000000000000099"
        account.write(
            {
                "state": "connected",
                "twitter_auth_mode": "oauth1",
                "twitter_backfill_days": 3,
            }
        )
        before = (account.twitter_auth_mode, account.twitter_oauth_state)
        buttons = [
            ("social.care.account", account, "action_twitter_connect"),
            ("social.care.account", account, "action_twitter_subscribe_webhook"),
            ("social.care.account", account, "action_twitter_start_backfill"),
            ("social.care.app", app, "action_twitter_register_webhook"),
            ("social.care.app", app, "action_twitter_connect_account"),
        ]
        for login in ("agent_a", "manager_a"):
            self.env["res.users"].search([("login", "=", login)]).password = login
            self.authenticate(login, login)
            with fake_x() as x:  # any call to X would fail here
                for model, record, method in buttons:
                    with self.subTest(user=login, method=method):
                        self.assertRpcDenied(self.rpc(model, method, record.ids))
            self.assertEqual(x.calls, [])
        self.assertEqual(
            (account.twitter_auth_mode, account.twitter_oauth_state), before
        )
        self.assertEqual(account.twitter_backfill_state, "none")
        self.assertEqual(len(app.account_ids), 1)

    @mute_logger("odoo.http")
    def test_oauth_callback_completes_for_who_started_it_only(self):
        """A callback URL with someone else's code does not connect the account.

        The attacker starts the authorization (or reads a state), authorizes
        their own X account, and has an administrator open the callback.
        """
        account = self.side["a"]["x_account"]
        self.env["res.users"].with_context(no_reset_password=True).create(
            {
                "name": "Second admin",
                "login": "admin_two",
                "password": "admin_two_password",
                "groups_id": [(6, 0, self.env.ref("base.group_system").ids)],
            }
        )
        self.authenticate("admin", "admin")
        state = self._start_connect(account)
        with fake_x() as x:
            for login, password in (
                ("admin_two", "admin_two_password"),  # another admin
                ("admin", "admin"),  # the same admin, another browser session
            ):
                with self.subTest(login=login):
                    self.authenticate(login, password)
                    response = self.url_open(
                        f"{CALLBACK_ROUTE}?state={state}&code=attackers-code",
                        allow_redirects=False,
                    )
                    self.assertEqual(response.status_code, 403)
                    self.assertNoSecret(response.text)
        self.assertEqual(x.calls, [])
        self.assertEqual(account.access_token, "x-access-a-not-real")
        self.assertEqual(account.twitter_oauth_state, state)
        # The admin's own flow, with another X user's consent: the account
        # keeps its tokens (X's users/me says whose they are).
        state = self._start_connect(account)
        x = FakeX()
        x.on("POST", "/2/oauth2/token", {"access_token": "someone-elses"})
        x.on("GET", "/2/users/me", {"data": {"id": "1999", "username": "other"}})
        with fake_x(x):
            response = self.url_open(
                f"{CALLBACK_ROUTE}?state={state}&code=their-code",
                allow_redirects=False,
            )
        self.assertEqual(response.status_code, 303)
        self.assertEqual(account.state, "error")
        self.assertEqual(
            (account.access_token, account.refresh_token),
            ("x-access-a-not-real", "x-refresh-a-not-real"),
        )
        # The admin who presses Connect comes back to their own session.
        state = self._start_connect(account)
        x = FakeX()
        x.on("POST", "/2/oauth2/token", {"expires_in": 7200, "access_token": "a2"})
        me = {"data": {"id": account.external_ref, "username": "BrandA"}}
        x.on("GET", "/2/users/me", me)
        with fake_x(x):
            response = self.url_open(
                f"{CALLBACK_ROUTE}?state={state}&code=the-code", allow_redirects=False
            )
        self.assertEqual(response.status_code, 303)
        self.assertEqual((account.access_token, account.handle), ("a2", "BrandA"))
        self.assertFalse(account.twitter_oauth_state)

    def _start_connect(self, account):
        """Press Connect with X, as the web client does; the state X gets."""
        answer = self.rpc("social.care.account", "action_twitter_connect", account.ids)
        return parse_qs(urlparse(answer["result"]["url"]).query)["state"][0]
