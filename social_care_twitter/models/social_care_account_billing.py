from odoo import _, api, fields, models

from ..tools import contains_url

# Reads are billed per resource returned; other endpoints bill nothing.
READ_KINDS = {
    "GET /2/users/:id/mentions": "owned_read",
    "GET /2/dm_events": "dm_read",
    "GET /2/tweets/search/recent": "post_read",
}
# X Activity webhook events X bills on delivery, by event type prefix.
EVENT_KINDS = (("xaa.dm.received", "dm_event"), ("xaa.post.", "post_event"))
OVER_BUDGET_POLL_FACTOR = 4


class SocialCareAccountBilling(models.Model):
    """What the account costs on X's pay-per-use plan, and a daily budget.

    Every call X bills is priced from ``social.care.twitter.price`` when it is
    made and added to the day's usage; over the budget, polling slows down and
    agents' replies wait for a manager.
    """

    _inherit = "social.care.account"

    twitter_spend_today = fields.Float(
        "Estimated X spend today (USD)",
        digits=(16, 4),
        compute="_compute_twitter_calls_today",
        help="What X bills for today's calls (UTC day), by the X prices table.",
    )
    twitter_daily_budget = fields.Float(
        "Daily budget (USD)",
        digits=(16, 2),
        help="Above it, polling slows down and agents' replies wait for a "
        "manager's approval until the next day (UTC). 0: no budget.",
    )
    twitter_over_budget = fields.Boolean(
        "Over the daily budget", compute="_compute_twitter_calls_today"
    )

    def _compute_twitter_calls_today(self):
        # Calls are counted per UTC day (X's own clock), whatever the user's zone.
        # sudo: agents read no usage lines, but whether a reply is over budget.
        totals = {
            account: (count, cost)
            for account, count, cost in self.env["social.care.twitter.usage"]
            .sudo()
            ._read_group(
                [("account_id", "in", self.ids), ("date", "=", fields.Date.today())],
                ["account_id"],
                ["count:sum", "cost:sum"],
            )
        }
        for account in self:
            count, cost = totals.get(account, (0, 0.0))
            account.twitter_calls_today = count
            account.twitter_spend_today = cost
            account.twitter_over_budget = bool(
                account.twitter_daily_budget and cost >= account.twitter_daily_budget
            )

    @api.model
    def _twitter_price(self, kind):
        return self.env["social.care.twitter.price"]._twitter_prices().get(kind, 0.0)

    def _twitter_reply_kind(self, text, private):
        """What X bills a reply as: a DM, a post with a link, or a summoned reply."""
        if private:
            return "dm_create"
        if contains_url(text):
            return "post_url"
        # Self-serve plans reply only when summoned; Enterprise replies are posts.
        return "post" if self.twitter_plan == "enterprise" else "summoned_reply"

    def _twitter_bill_read(self, endpoint, page):
        """Add the resources a read returned, at their price, to the day's cost."""
        kind = READ_KINDS.get(endpoint)
        items = len(page.get("data") or []) if isinstance(page, dict) else 0
        if kind and items:
            self.env["social.care.twitter.usage"].sudo()._twitter_count(
                self, endpoint, calls=0, cost=items * self._twitter_price(kind)
            )

    def _twitter_bill_event(self, event_type):
        """X bills some webhook events on delivery (X Activity API)."""
        kind = next(
            (k for prefix, k in EVENT_KINDS if event_type.startswith(prefix)), ""
        )
        if kind:
            self.env["social.care.twitter.usage"].sudo()._twitter_count(
                self, f"webhook {event_type}", cost=self._twitter_price(kind)
            )

    # ------------------------------------------------------------------
    # Provider hooks
    # ------------------------------------------------------------------

    def _social_reply_needs_approval(self, ticket, private):
        if self.provider != "twitter":
            return super()._social_reply_needs_approval(ticket, private)
        return self.twitter_over_budget or super()._social_reply_needs_approval(
            ticket, private
        )

    def _social_poll_interval(self):
        interval = super()._social_poll_interval()
        if self.provider == "twitter" and self.twitter_over_budget:
            return interval * OVER_BUDGET_POLL_FACTOR
        return interval

    def _social_reply_limits(self, ticket, private):
        limits = super()._social_reply_limits(ticket, private)
        if self.provider != "twitter" or self.twitter_plan != "pay_per_use":
            return limits
        if private:
            hint = _(
                "Costs about $%(price).3f on X", price=self._twitter_price("dm_create")
            )
        else:
            plain = self._twitter_price(self._twitter_reply_kind("", False))
            hint = _(
                "Costs about $%(plain).3f on X, $%(url).2f with a link",
                plain=plain,
                url=self._twitter_price("post_url"),
            )
        if self.twitter_over_budget:
            hint = _("%(hint)s; over today's budget: a manager approves it", hint=hint)
        return dict(limits, cost_hint=hint)
