from odoo import api, fields, models


class SocialCareTwitterUsage(models.Model):
    """Calls made to X per account, day and endpoint: X bills API use per call."""

    _name = "social.care.twitter.usage"
    _description = "X API Usage"
    _order = "date desc, endpoint"

    account_id = fields.Many2one(
        "social.care.account", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(
        related="account_id.company_id", store=True, index=True
    )
    date = fields.Date(required=True, index=True)
    endpoint = fields.Char(required=True)
    count = fields.Integer("Calls", readonly=True)
    cost = fields.Float(
        "Estimated cost (USD)",
        digits=(16, 4),
        readonly=True,
        help="What X bills for these calls, by the X prices table at the time.",
    )

    _sql_constraints = [
        (
            "usage_uniq",
            "unique(account_id, date, endpoint)",
            "One usage line per account, day and endpoint.",
        ),
    ]

    @api.model
    def _twitter_count(self, account, endpoint, calls=1, cost=0.0):
        """Add calls and their cost; an upsert, so concurrent workers lose nothing.

        ``calls=0`` adds a cost known only after the answer (the resources read).
        """
        self.env.cr.execute(
            """
            INSERT INTO social_care_twitter_usage
                (account_id, company_id, date, endpoint, count, cost,
                 create_uid, write_uid, create_date, write_date)
            VALUES (%s, %s, (now() at time zone 'utc')::date, %s, %s, %s, %s, %s,
                    now() at time zone 'utc', now() at time zone 'utc')
            ON CONFLICT (account_id, date, endpoint)
            DO UPDATE SET count = social_care_twitter_usage.count + EXCLUDED.count,
                          cost = COALESCE(social_care_twitter_usage.cost, 0)
                                 + EXCLUDED.cost,
                          write_date = EXCLUDED.write_date
            """,
            [
                account.id,
                account.company_id.id,
                endpoint,
                calls,
                cost,
                self.env.uid,
                self.env.uid,
            ],
        )
        self.invalidate_model(["count", "cost"])
        account.invalidate_recordset(
            ["twitter_usage_ids", "twitter_calls_today", "twitter_spend_today"]
        )
