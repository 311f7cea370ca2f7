import json

from odoo import fields, models

from ..tools import x_webhook

X_PLANS = [
    ("pay_per_use", "Pay-per-use"),
    ("basic", "Basic"),
    ("pro", "Pro"),
    ("enterprise", "Enterprise"),
]


class SocialCareApp(models.Model):
    """An X developer app: the consumer key/secret (base ``client_key`` and
    ``client_secret``) sign webhooks and OAuth 1.0a requests; OAuth 2.0 client
    credentials connect accounts; the plan decides what the API allows.
    """

    _inherit = "social.care.app"

    provider = fields.Selection(
        selection_add=[("twitter", "X (Twitter)")], ondelete={"twitter": "cascade"}
    )
    twitter_client_id = fields.Char(
        "OAuth 2.0 client ID",
        groups="base.group_system",
        copy=False,
        help="From the app's 'Keys and tokens' page: connects accounts with "
        "OAuth 2.0.",
    )
    twitter_client_secret = fields.Char(
        "OAuth 2.0 client secret", groups="base.group_system", copy=False
    )
    twitter_bearer_token = fields.Char(
        "App bearer token",
        groups="base.group_system",
        copy=False,
        help="App-only token: manages the app's webhooks.",
    )
    twitter_plan = fields.Selection(
        X_PLANS,
        "X plan",
        default="pay_per_use",
        help="The app's X API plan: it decides which calls are allowed, how "
        "often, and what they cost.",
    )

    def _social_webhook_challenge(self, params):
        """X's CRC: prove we hold the consumer secret (GET ?crc_token=...)."""
        if self.provider != "twitter":
            return super()._social_webhook_challenge(params)
        secret = self.sudo().client_secret
        token = params.get("crc_token")
        if not secret or not token:
            return None
        return json.dumps(x_webhook.crc_response(secret, token)), "application/json"

    def _social_webhook_verify(self, headers, body):
        if self.provider != "twitter":
            return super()._social_webhook_verify(headers, body)
        return x_webhook.verify_signature(
            self.sudo().client_secret, body, headers.get(x_webhook.SIGNATURE_HEADER)
        )

    def _social_webhook_split(self, payload):
        if self.provider != "twitter":
            return super()._social_webhook_split(payload)
        return x_webhook.split_delivery(payload)
