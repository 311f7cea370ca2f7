"""Issue 7 for the Meta connector: deletion requests, login and public routes."""

from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from odoo.addons.social_care.tests.access_common import TwoCompaniesMixin

from ..tools import make_signed_request


@tagged("post_install", "-at_install")
class TestMetaAccess(TwoCompaniesMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_two_companies()
        for key, side in cls.side.items():
            app = cls.env["social.care.app"].create(
                {
                    "name": f"Meta app {key}",
                    "provider": "meta",
                    "company_id": side["company"].id,
                    "client_key": f"meta-app-id-{key}-not-real",
                    "client_secret": f"meta-app-secret-{key}-not-real",
                    "verify_token": f"meta-verify-{key}-not-real",
                }
            )
            side.update(
                meta_app=app,
                deletion=cls.env["social.care.meta.deletion"].create(
                    {
                        "app_id": app.id,
                        "confirmation_code": f"code-{key}",
                        "policy": "anonymize",
                    }
                ),
            )
            side["secrets"] += [app.client_key, app.client_secret, app.verify_token]
        cls.agent_a.password = "agent_a_password"

    def test_deletion_requests_are_isolated_by_company(self):
        a, b = self.side["a"], self.side["b"]
        manager = self.as_user(self.manager_a)
        self._assert_sees_only(
            manager["social.care.meta.deletion"], a["deletion"], b["deletion"]
        )

    def test_deletion_request_erases_its_company_data_only(self):
        """A request signed by company A's app never touches company B's people."""
        a, b = self.side["a"], self.side["b"]
        person = "meta-person-in-both"
        identities = self.env["social.care.identity"].create(
            [
                {
                    "provider": "meta",
                    "scope": f"scope-{key}",
                    "external_id": person,
                    "name": f"Person known to {key}",
                    "company_id": side["company"].id,
                }
                for key, side in (("a", a), ("b", b))
            ]
        )
        response = self.url_open(
            f"/social_care_meta/deletion/{a['meta_app'].id}",
            data={
                "signed_request": make_signed_request(
                    {"user_id": person}, a["meta_app"].client_secret
                )
            },
        )
        self.assertEqual(response.status_code, 200)
        deletion = self.env["social.care.meta.deletion"].search(
            [("confirmation_code", "=", response.json()["confirmation_code"])]
        )
        self.assertEqual((deletion.app_id, deletion.identity_count), (a["meta_app"], 1))
        self.assertNotEqual(identities[0].name, "Person known to a")
        self.assertEqual(identities[1].name, "Person known to b")

    @mute_logger("odoo.http")
    def test_facebook_login_is_for_administrators(self):
        app = self.side["a"]["meta_app"]
        self.authenticate("agent_a", "agent_a_password")
        for url in (
            f"/social_care_meta/oauth/start/{app.id}",
            "/social_care_meta/oauth/callback?state=guessed&code=abc",
        ):
            with self.subTest(url=url):
                response = self.url_open(url, allow_redirects=False)
                self.assertEqual(response.status_code, 403)
                self.assertNoSecret(response.text)
                self.assertNoSecret(response.headers)

    @mute_logger("odoo.http", "odoo.addons.social_care_meta.controllers.main")
    def test_public_routes_echo_no_secret(self):
        app = self.side["a"]["meta_app"]
        webhook = f"/social_care/webhook/{app.id}"
        wrong = self.url_open(
            f"{webhook}?hub.mode=subscribe&hub.verify_token=guess&hub.challenge=42"
        )
        right = self.url_open(
            f"{webhook}?hub.mode=subscribe&hub.verify_token={app.verify_token}"
            "&hub.challenge=42"
        )
        unsigned = self.url_open(webhook, data=b'{"object": "page", "entry": []}')
        deletion = self.url_open(
            f"/social_care_meta/deletion/{app.id}",
            data={"signed_request": "forged.e30"},
        )
        status = self.url_open("/social_care_meta/deletion/status/unknown")
        self.assertEqual(
            [r.status_code for r in (wrong, right, unsigned, deletion, status)],
            [403, 200, 403, 403, 404],
        )
        self.assertEqual(right.text, "42")
        for response in (wrong, right, unsigned, deletion, status):
            self.assertNoSecret(response.text)
            self.assertNoSecret(response.headers)
