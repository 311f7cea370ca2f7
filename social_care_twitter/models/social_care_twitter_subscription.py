from odoo import _, fields, models
from odoo.exceptions import UserError

from odoo.addons.social_care.tools import SendError


class SocialCareTwitterSubscription(models.Model):
    """One X Activity API (XAA) subscription of an account, as X lists it.

    X keeps the subscriptions (``/2/activity/subscriptions``); these lines
    mirror them so the admin sees what X will deliver, and deletes them.
    """

    _name = "social.care.twitter.subscription"
    _description = "X Activity Subscription"
    _order = "account_id, event_type, id"
    _rec_name = "event_type"

    account_id = fields.Many2one(
        "social.care.account", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(
        related="account_id.company_id", store=True, index=True
    )
    subscription_ref = fields.Char(
        "X subscription ID", required=True, readonly=True, index=True
    )
    event_type = fields.Char("Event", required=True, readonly=True)
    filter_user_id = fields.Char("Filter: user ID", readonly=True)
    webhook_ref = fields.Char("Webhook ID", readonly=True)
    tag = fields.Char(readonly=True)
    x_created_at = fields.Datetime("Created on X", readonly=True)
    state = fields.Selection(
        [("active", "Active on X"), ("missing", "Not listed by X")],
        default="active",
        required=True,
        readonly=True,
        help="Not listed by X: the last list from X did not have it (deleted "
        "on X's side); X delivers nothing for it.",
    )

    _sql_constraints = [
        (
            "subscription_uniq",
            "unique(account_id, subscription_ref)",
            "X lists each subscription once.",
        ),
    ]

    def action_twitter_delete(self):
        """Delete the subscription on X (then here): X stops delivering its events."""
        self.account_id._twitter_xaa_check_rights()
        problems = []
        for line in self:
            try:
                line.account_id._twitter_xaa_delete(line)
            except SendError as error:
                problems.append(f"{line.event_type}: {error.message}")
        if problems:
            raise UserError(
                _(
                    "X did not delete these subscriptions: %(problems)s",
                    problems="; ".join(problems),
                )
            )
        return True
