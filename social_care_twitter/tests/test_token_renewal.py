import secrets
from datetime import timedelta

from odoo import SUPERUSER_ID, api, fields
from odoo.tests import TransactionCase, tagged

from .common import FakeX, XCase, fake_x

TOKEN = "/2/oauth2/token"


def renewed(access, refresh):
    """X's answer to a refresh grant (docs.x.com OAuth 2.0 "Refresh token")."""
    return {
        "token_type": "bearer",
        "expires_in": 7200,
        "access_token": access,
        "refresh_token": refresh,
        "scope": "tweet.read tweet.write users.read offline.access",
    }


@tagged("post_install", "-at_install")
class TestRenewalKeepsTheCallersTransaction(XCase):
    def test_renewal_never_commits_the_callers_work(self):
        """The old renewal committed the caller's transaction mid-call."""
        self.account.token_expires_at = fields.Datetime.now() - timedelta(minutes=1)
        caller = self.account.with_context(social_care_no_commit=False)
        with fake_x(FakeX().on("POST", TOKEN, renewed("access-2", "refresh-2"))):
            caller._twitter_refresh_token()  # a commit raises in a test
        self.assertEqual(
            (self.account.access_token, self.account.refresh_token),
            ("access-2", "refresh-2"),
        )
        kept = (
            self.env["social.care.twitter.token"]
            .sudo()
            .search([("account_id", "=", self.account.id)])
        )
        self.assertEqual(
            (kept.access_token, kept.refresh_token), ("access-2", "refresh-2")
        )


@tagged("post_install", "-at_install")
class TestRenewedPairSurvivesARollback(TransactionCase):
    """With real cursors: what a renewal keeps, and what it leaves to the caller.

    The records are committed (a renewal's own cursor only sees committed
    rows) and deleted at the end.
    """

    def setUp(self):
        super().setUp()
        ref = str(10**18 + secrets.randbelow(10**17))
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            app = env["social.care.app"].create(
                {
                    "name": f"Renewal test app {ref}",
                    "provider": "twitter",
                    "client_secret": "consumer-secret-not-real",
                    "twitter_client_id": "client-id",
                    "twitter_client_secret": "client-secret",
                }
            )
            account = env["social.care.account"].create(
                {
                    "name": "Before",
                    "app_id": app.id,
                    "external_ref": ref,
                    "state": "connected",
                    "twitter_auth_mode": "oauth2",
                    "access_token": "access-1",
                    "refresh_token": "refresh-1",
                    "token_expires_at": fields.Datetime.now() - timedelta(minutes=1),
                    "poll_enabled": False,
                }
            )
            self.app_id, self.account_id = app.id, account.id
        self.addCleanup(self._delete)

    def _delete(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["social.care.account"].browse(self.account_id).unlink()
            env["social.care.app"].browse(self.app_id).unlink()

    def _in_new_cursor(self, check):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            return check(env["social.care.account"].browse(self.account_id))

    def test_new_pair_survives_the_callers_rollback_and_is_reused(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            account = env["social.care.account"].browse(self.account_id)
            account.name = "Uncommitted"
            with fake_x(FakeX().on("POST", TOKEN, renewed("access-2", "refresh-2"))):
                account._twitter_refresh_token()
            self.assertEqual(account.access_token, "access-2")
            cr.rollback()  # the caller fails after the renewal

        def state(account):
            kept = account.env["social.care.twitter.token"].search(
                [("account_id", "=", account.id)]
            )
            return account.name, account.refresh_token, kept.refresh_token

        # The caller's work is gone; X's new pair is not, though the account's
        # row lost it with the rollback.
        self.assertEqual(
            self._in_new_cursor(state), ("Before", "refresh-1", "refresh-2")
        )

        # The next renewal takes the kept pair: refresh-1 is dead at X.
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            account = env["social.care.account"].browse(self.account_id)
            with fake_x():  # any call to X fails the test
                account._twitter_refresh_token()
            self.assertEqual(account.access_token, "access-2")
        self.assertEqual(
            self._in_new_cursor(lambda account: account.refresh_token), "refresh-2"
        )

    def test_dead_kept_pair_is_renewed_with_its_own_refresh_token(self):
        """A kept pair that expired too is renewed with its refresh token."""
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["social.care.twitter.token"]._twitter_keep(
                cr,
                self.account_id,
                {
                    "access_token": "access-2",
                    "refresh_token": "refresh-2",
                    "token_expires_at": fields.Datetime.now(),
                },
            )
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            account = env["social.care.account"].browse(self.account_id)
            x = FakeX().on("POST", TOKEN, renewed("access-3", "refresh-3"))
            with fake_x(x):
                account._twitter_refresh_token()
            self.assertEqual(x.calls[0].form["refresh_token"], "refresh-2")
        self.assertEqual(
            self._in_new_cursor(lambda account: account.refresh_token), "refresh-3"
        )
