import zlib
from contextlib import contextmanager

from odoo import api, fields, models

# pg_advisory_xact_lock's first key: renewals of one account wait for each other.
RENEWAL_LOCK = zlib.crc32(b"social_care_twitter.token") & 0x7FFFFFFF
TOKEN_FIELDS = ("access_token", "refresh_token", "token_expires_at")


class SocialCareTwitterToken(models.Model):
    """The last OAuth 2.0 pair X gave an account, kept apart from the caller's work.

    X rotates the refresh token on each renewal and the old one dies at once.
    A renewal stores the new pair here through a cursor of its own, committed
    at once, so the pair survives whatever the caller does next, a rollback
    included, and the caller's transaction is never committed for it. The
    account's token fields are written in the caller's transaction as before;
    the next renewal takes whichever pair expires later.
    """

    _name = "social.care.twitter.token"
    _description = "X renewed tokens"

    account_id = fields.Many2one(
        "social.care.account", required=True, ondelete="cascade", index=True
    )
    access_token = fields.Char(groups="base.group_system")
    refresh_token = fields.Char(groups="base.group_system")
    token_expires_at = fields.Datetime(groups="base.group_system")

    _sql_constraints = [
        ("account_uniq", "unique(account_id)", "One renewed pair per account."),
    ]

    @api.model
    @contextmanager
    def _twitter_renewal_cursor(self, account_id):
        """A cursor of its own, committed on exit, holding the account's renewal lock.

        READ COMMITTED: after waiting for the lock, it reads the pair the
        worker that held it has just committed.
        """
        with self.env.registry.cursor() as cr:
            cr.execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED")
            cr.execute(
                "SELECT pg_advisory_xact_lock(%s, %s)", [RENEWAL_LOCK, account_id]
            )
            yield cr

    @api.model
    def _twitter_kept(self, cr, account_id):
        """The pair last kept for the account: a dict of the token fields, or None."""
        cr.execute(
            "SELECT access_token, refresh_token, token_expires_at"
            "  FROM social_care_twitter_token WHERE account_id = %s",
            [account_id],
        )
        row = cr.fetchone()
        if not row:
            return None
        return dict(
            zip(("access_token", "refresh_token", "token_expires_at"), row, strict=True)
        )

    @api.model
    def _twitter_keep(self, cr, account_id, values):
        """Keep the account's new pair (``values``: the token fields) on ``cr``."""
        cr.execute(
            """
            INSERT INTO social_care_twitter_token
                   (account_id, access_token, refresh_token, token_expires_at,
                    create_uid, write_uid, create_date, write_date)
            VALUES (%(account)s, %(access)s, %(refresh)s, %(expires)s,
                    %(uid)s, %(uid)s, now() at time zone 'utc',
                    now() at time zone 'utc')
            ON CONFLICT (account_id) DO UPDATE
               SET access_token = EXCLUDED.access_token,
                   refresh_token = EXCLUDED.refresh_token,
                   token_expires_at = EXCLUDED.token_expires_at,
                   write_uid = EXCLUDED.write_uid,
                   write_date = EXCLUDED.write_date
            """,
            {
                "account": account_id,
                "access": values["access_token"],
                "refresh": values.get("refresh_token"),
                "expires": values.get("token_expires_at") or None,
                "uid": self.env.uid,
            },
        )
