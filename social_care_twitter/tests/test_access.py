"""Issue 7 for the X connector: its credentials, its models, its routes."""

from datetime import date

from odoo.exceptions import AccessError
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from odoo.addons.social_care.tests.access_common import (
    TwoCompaniesMixin,
    credential_fields,
)

from ..models.social_care_account import CALLBACK_ROUTE
from ..tools import crc_response

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
