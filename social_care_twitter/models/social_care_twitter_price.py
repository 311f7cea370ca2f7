from odoo import api, fields, models

# What X bills, by what the call does (pay-per-use, in US dollars).
PRICE_KINDS = [
    ("owned_read", "Read of the account's own data (per resource)"),
    ("post_read", "Post read (per post)"),
    ("dm_read", "Direct message read (per message)"),
    ("post", "Post"),
    ("post_url", "Post containing a URL"),
    ("summoned_reply", "Reply to a post that summoned the account"),
    ("dm_create", "Direct message sent"),
    ("dm_event", "Direct message received (X Activity webhook event)"),
    ("post_event", "Post event (X Activity webhook)"),
]


class SocialCareTwitterPrice(models.Model):
    """X's pay-per-use price of each kind of call: data, so a change of X's
    price list is an edit, not a release."""

    _name = "social.care.twitter.price"
    _description = "X API Price"
    _order = "kind"
    _rec_name = "kind"

    kind = fields.Selection(PRICE_KINDS, required=True)
    price = fields.Float(
        "Price (USD)", digits=(16, 4), required=True, help="What X bills for one."
    )
    source = fields.Char(help="Where the price comes from (X's pricing page, date).")

    _sql_constraints = [
        ("kind_uniq", "unique(kind)", "One price per kind of call."),
    ]

    @api.model
    def _twitter_prices(self):
        """Price by kind; a kind without a price costs 0 (not billed, or unknown)."""
        return {row.kind: row.price for row in self.sudo().search([])}
