import json

import requests
import tweepy

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from odoo.addons.social_care.models.social_care_app import keep_on_uninstall
from odoo.addons.social_care.tools import SendError

from ..tools import x_webhook
from .social_care_account import XSession

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
        selection_add=[("twitter", "X (Twitter)")],
        ondelete={"twitter": keep_on_uninstall},
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
    twitter_webhook_id = fields.Char(
        "X webhook ID",
        readonly=True,
        copy=False,
        help="Set by Register webhook: X's id of this app's webhook, to which "
        "the accounts are subscribed.",
    )
    twitter_plan = fields.Selection(
        X_PLANS,
        "X plan",
        default="pay_per_use",
        help="The app's X API plan: it decides which calls are allowed, how "
        "often, and what they cost.",
    )

    twitter_webhook_api = fields.Selection(
        [
            ("activity", "X Activity API"),
            ("account_activity", "Account Activity API (being deprecated)"),
        ],
        "X webhook events",
        compute="_compute_twitter_webhook_api",
        store=True,
        readonly=False,
        help="X Activity API: each account subscribes to mentions, replies and "
        "direct messages (pay-per-use apps use it). Account Activity API: the "
        "older per-account subscription, for apps that still have it.",
    )

    @api.depends("twitter_plan")
    def _compute_twitter_webhook_api(self):
        """Pay-per-use apps use XAA, unless their accounts already receive
        Account Activity events (they keep them); other plans keep AAA."""
        for app in self:
            legacy = app.twitter_webhook_id and app.account_ids.filtered(
                lambda a: a.twitter_webhook_subscribed
                and not a.twitter_subscription_ids
            )
            app.twitter_webhook_api = (
                "activity"
                if app.twitter_plan == "pay_per_use" and not legacy
                else "account_activity"
            )

    def _social_webhook_challenge(self, params):
        """X's CRC: prove we hold the consumer secret (GET ?crc_token=...).

        Only tokens shaped as X's are answered: the answer is the signature a
        POST of the token would carry (see ``x_webhook.CRC_TOKEN_RE``).
        """
        if self.provider != "twitter":
            return super()._social_webhook_challenge(params)
        secret = self.sudo().client_secret
        token = params.get("crc_token")
        if not secret or not x_webhook.is_crc_token(token):
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

    # ------------------------------------------------------------------
    # Webhook registration (X API v2 webhooks, Account Activity)
    # ------------------------------------------------------------------

    def action_twitter_connect_account(self):
        """A new account of this app, straight into X's consent page."""
        self.ensure_one()
        self.check_access("write")
        accounts = self.env["social.care.account"]
        account = accounts.create(
            {"name": accounts._twitter_new_account_name(), "app_id": self.id}
        )
        return account.action_twitter_connect()

    def action_twitter_register_webhook(self):
        """Register the webhook URL with X (which checks it: CRC) and subscribe
        the app's connected accounts to it."""
        self.ensure_one()
        self.check_access("write")  # before X's billed calls, not after
        app = self.sudo()
        if not (app.twitter_bearer_token and app.client_secret):
            raise UserError(
                _(
                    "Enter the API key secret and the app bearer token first: X "
                    "checks the webhook with the first and registers it with the "
                    "second."
                )
            )
        url = self.webhook_url
        try:
            webhook = self._twitter_register_webhook(url)
        except SendError as error:
            raise UserError(
                _(
                    "X could not register the webhook %(url)s: %(reason)s\n"
                    "X calls that URL at once to check it (CRC): Odoo must be "
                    "reachable there (for X: HTTPS, without a port), and the API "
                    "key secret must be the app's.",
                    url=url,
                    reason=error.message,
                )
            ) from error
        self.twitter_webhook_id = webhook["id"]
        accounts = self.account_ids.filtered(lambda a: a.state == "connected")
        problems = []
        for account in accounts:
            try:
                account._twitter_subscribe_webhook()
            except SendError as error:
                problems.append(f"{account.name}: {error.message}")
        message = _(
            "Webhook registered and checked by X; accounts subscribed: %(count)s.",
            count=len(accounts) - len(problems),
        )
        if problems:
            message += "\n" + _("Not subscribed: %s", "; ".join(problems))
        notification = accounts._social_notify(
            message, "warning" if problems else "success"
        )
        # The form shows the webhook's id at once.
        notification["params"]["next"] = {
            "type": "ir.actions.client",
            "tag": "soft_reload",
        }
        return notification

    def _twitter_register_webhook(self, url):
        """X's webhook for ``url``: the existing one (re-checked if X marked it
        invalid) or a new one. Returns X's ``data`` dict."""
        webhooks = self._twitter_app_call("GET", "/2/webhooks").get("data") or []
        webhook = next((hook for hook in webhooks if hook.get("url") == url), None)
        if webhook is None:
            webhook = self._twitter_app_call("POST", "/2/webhooks", {"url": url})
            webhook = webhook.get("data") or {}
        elif not webhook.get("valid", True):
            self._twitter_app_call("PUT", f"/2/webhooks/{webhook['id']}")
        if not webhook.get("id"):
            raise SendError("permanent", _("X answered without the webhook's id."))
        return webhook

    def _twitter_app_call(self, method, route, body=None):
        """One app-only call (bearer token) to X; failures as SendError."""
        self.ensure_one()
        accounts = self.env["social.care.account"]
        client = tweepy.Client(
            bearer_token=self.sudo().twitter_bearer_token,
            return_type=requests.Response,
            wait_on_rate_limit=False,
        )
        client.session = XSession(self.api_base_url)
        try:
            response = client.request(method, route, json=body)
        except tweepy.HTTPException as error:
            raise accounts._twitter_error(error.response) from error
        except requests.RequestException as error:
            raise SendError(
                "transient",
                _("X did not answer (%(error)s).", error=type(error).__name__),
            ) from error
        try:
            return response.json() if response.content else {}
        except ValueError as error:
            raise SendError("transient", _("X gave an unreadable answer.")) from error
