from odoo import _, fields, models
from odoo.exceptions import AccessError, UserError

from odoo.addons.social_care.tools import ParsedDelivery

from ..tools import parse_event


class SocialCareTwitterQuery(models.Model):
    """A saved X search (keywords, hashtags, brand names without @).

    Posts that talk about the brand without mentioning the account: each
    query either feeds the inbox (tickets) or a review list agents sort.
    """

    _name = "social.care.twitter.query"
    _inherit = "social.care.company.mixin"
    _description = "X Listening Query"
    _order = "account_id, name"

    name = fields.Char(
        "Query",
        required=True,
        help="X search syntax, e.g. acme (broken OR refund) -is:retweet lang:en",
    )
    account_id = fields.Many2one(
        "social.care.account",
        required=True,
        ondelete="cascade",
        domain="[('provider', '=', 'twitter')]",
    )
    company_id = fields.Many2one(
        related="account_id.company_id", store=True, index=True
    )
    active = fields.Boolean(default=True)
    mode = fields.Selection(
        [("ticket", "Create tickets"), ("review", "Review first")],
        default="review",
        required=True,
        help="Create tickets: every post found becomes a ticket. Review first: "
        "posts wait in the review list, where an agent makes a ticket of them "
        "or dismisses them.",
    )
    interval = fields.Integer(
        "Search every (minutes)",
        default=15,
        help="Each search is a billed call to X.",
    )
    since_id = fields.Char(
        "Newest post seen", readonly=True, copy=False, help="Searches continue here."
    )
    last_run_at = fields.Datetime(readonly=True, copy=False)
    next_run_at = fields.Datetime(readonly=True, copy=False)
    hit_ids = fields.One2many("social.care.twitter.hit", "query_id")

    def _twitter_add_hits(self, page):
        """Posts of a search page into the review list, once each.

        Posts already in the helpdesk (a mention, say) and the account's own
        posts are left out: there is nothing to review about them.
        """
        self.ensure_one()
        account = self.account_id
        hits = self.env["social.care.twitter.hit"].sudo()
        includes = page.get("includes") or {}
        candidates = {}
        for post in page.get("data") or []:
            single = {"data": [post], "includes": includes}
            for message in parse_event(
                "poll.search", single, account.external_ref
            ).messages:
                if not message.from_account:
                    candidates[message.external_id] = (message, single)
        if not candidates:
            return hits
        known = set(
            self.env["social.care.message"]
            .sudo()
            .search(
                [
                    ("account_id", "=", account.id),
                    ("external_id", "in", list(candidates)),
                ]
            )
            .mapped("external_id")
        ) | set(
            hits.search(
                [("account_id", "=", account.id), ("post_id", "in", list(candidates))]
            ).mapped("post_id")
        )
        return hits.create(
            [
                {
                    "account_id": account.id,
                    "query_id": self.id,
                    "post_id": post_id,
                    "text": message.text,
                    "author_handle": message.author.handle if message.author else False,
                    "author_name": message.author.name if message.author else False,
                    "permalink": message.permalink,
                    "posted_at": message.created_at,
                    "payload": single,
                }
                for post_id, (message, single) in candidates.items()
                if post_id not in known
            ]
        )


class SocialCareTwitterHit(models.Model):
    """A post found by a review-mode query, waiting for an agent's decision."""

    _name = "social.care.twitter.hit"
    _inherit = "social.care.company.mixin"
    _description = "X Listening Result"
    _order = "posted_at desc, id desc"
    _rec_name = "post_id"

    account_id = fields.Many2one(
        "social.care.account", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(
        related="account_id.company_id", store=True, index=True
    )
    query_id = fields.Many2one("social.care.twitter.query", ondelete="set null")
    post_id = fields.Char("Post ID", required=True, readonly=True)
    text = fields.Text(readonly=True)
    author_handle = fields.Char("Author", readonly=True)
    author_name = fields.Char(readonly=True)
    permalink = fields.Char(readonly=True)
    posted_at = fields.Datetime(readonly=True)
    payload = fields.Json(readonly=True)
    state = fields.Selection(
        [
            ("new", "To review"),
            ("ticket", "Ticket created"),
            ("dismissed", "Dismissed"),
        ],
        default="new",
        required=True,
        index=True,
    )
    ticket_id = fields.Many2one("helpdesk.ticket", readonly=True, ondelete="set null")

    _sql_constraints = [
        (
            "hit_uniq",
            "unique(account_id, post_id)",
            "This post is already in the review list.",
        ),
    ]

    def write(self, vals):
        """A hit is what X's search returned: only the search (superuser) writes it.

        Agents decide through the buttons, which check who presses them.
        """
        if not self.env.su:
            raise AccessError(
                _("A listening result is kept as X sent it: it cannot be edited.")
            )
        return super().write(vals)

    def _twitter_check_reviewer(self):
        """Who may read the hit (an agent of its company) may decide on it."""
        self.check_access("read")
        return self.sudo()

    def action_create_ticket(self):
        """Feed the post through the inbox, as a poll would: same ticket rules.

        The inbox gets the post exactly as X's search returned it: hits are
        written by the search only (see ``write``).
        """
        hits = self._twitter_check_reviewer()
        events = self.env["social.care.event"].sudo()
        for hit in hits.filtered(lambda h: h.state == "new"):
            account = hit.account_id.sudo()
            key = f"review:{hit.post_id}"
            account.app_id._social_store_deliveries(
                [ParsedDelivery(account.external_ref, key, "poll.search", hit.payload)]
            )
            event = events.search(
                [
                    ("app_id", "=", account.app_id.id),
                    ("account_ref", "=", account.external_ref),
                    ("delivery_key", "=", key),
                ]
            )
            event.filtered(lambda e: e.state == "pending")._process()
            message = (
                self.env["social.care.message"]
                .sudo()
                .search(
                    [
                        ("account_id", "=", account.id),
                        ("external_id", "=", hit.post_id),
                    ],
                    limit=1,
                )
            )
            if not message.ticket_id:
                raise UserError(
                    _(
                        "No ticket could be made of this post: %(error)s",
                        error=event.error or _("see the event inbox"),
                    )
                )
            hit.write({"state": "ticket", "ticket_id": message.ticket_id.id})
        if len(self) == 1 and self.ticket_id:
            return {
                "type": "ir.actions.act_window",
                "res_model": "helpdesk.ticket",
                "res_id": self.ticket_id.id,
                "view_mode": "form",
            }
        return True

    def action_dismiss(self):
        hits = self._twitter_check_reviewer()
        hits.filtered(lambda h: h.state == "new").write({"state": "dismissed"})
