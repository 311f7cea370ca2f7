import base64
import hashlib
import re
import secrets
import time
from datetime import datetime, timedelta, timezone
from urllib.parse import urlencode

import requests
import tweepy
from oauthlib.oauth1 import Client as OAuth1Client
from requests.auth import HTTPBasicAuth

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.http import request

from odoo.addons.social_care.tools import (
    ParsedDelivery,
    SendError,
    SendResult,
    request_never_sent,
)

from ..tools import (
    MAX_WEIGHTED_LENGTH,
    classify_error,
    parse_event,
    parse_text,
    weighted_length,
)
from ..tools.x_errors import MISSING_PERMISSION

AUTHORIZE_URL = "https://x.com/i/oauth2/authorize"
TOKEN_URL = "https://api.x.com/2/oauth2/token"
CALLBACK_ROUTE = "/social_care_twitter/oauth/callback"
SCOPES = "tweet.read tweet.write users.read dm.read dm.write media.write offline.access"
# tweepy calls api.twitter.com; api.x.com is the same API under its new name.
API_HOSTS = ("https://api.twitter.com", "https://api.x.com")
HTTP_TIMEOUT = 20
OAUTH_STATE_TTL = timedelta(minutes=10)
# The browser session's X authorizations under way: the callback must come back
# to the session, and the admin, that started them.
OAUTH_SESSION_KEY = "social_care_twitter_oauth_states"
TOKEN_FIELDS = ["access_token", "refresh_token", "token_expires_at"]
# Access tokens live 2 hours; renewing 30 minutes ahead keeps them valid
# between two polls even when an idle account is polled every 20 minutes.
REFRESH_MARGIN = timedelta(minutes=30)
PAGE_SIZE = 100
MAX_PAGES = 10  # the mentions timeline stops at 800 posts anyway
DM_HISTORY_DAYS = 30  # X keeps DM events for 30 days
MAX_DM_LENGTH = 10000
BASIC_DM_EVERY = timedelta(hours=24)  # Basic: one DM lookup per 24 hours
_X_ID_RE = re.compile(r"[0-9]{1,20}")
SEARCH_MAX_AGE = timedelta(days=6)  # recent search covers the last 7 days
MEDIA_HOSTS = ("pbs.twimg.com", "ton.twitter.com", "video.twimg.com")
# Where DM media are served, the one media host given the account's token.
DM_MEDIA_HOST = "ton.twitter.com"

POST_FIELDS = {
    "tweet_fields": [
        "author_id",
        "conversation_id",
        "created_at",
        "in_reply_to_user_id",
        "referenced_tweets",
        "entities",
        "attachments",
        "lang",
        "note_tweet",
        "edit_history_tweet_ids",
    ],
    "expansions": [
        "author_id",
        "referenced_tweets.id",
        "attachments.media_keys",
        "in_reply_to_user_id",
    ],
    "user_fields": [
        "username",
        "name",
        "profile_image_url",
        "verified",
        "public_metrics",
    ],
    "media_fields": [
        "type",
        "url",
        "preview_image_url",
        "width",
        "height",
        "alt_text",
    ],
}
DM_FIELDS = {
    "dm_event_fields": [
        "id",
        "text",
        "event_type",
        "created_at",
        "dm_conversation_id",
        "sender_id",
        "participant_ids",
        "referenced_tweets",
        "attachments",
    ],
    "expansions": ["sender_id", "participant_ids", "attachments.media_keys"],
    "user_fields": POST_FIELDS["user_fields"],
    "media_fields": POST_FIELDS["media_fields"],
}


class XSession(requests.Session):
    """tweepy's HTTP session, with a timeout and an optional other API host.

    tweepy sets no timeout, and a cron must never hang on X; the app's
    ``api_base_url`` points the connector at a sandbox or simulator.
    """

    def __init__(self, base_url=None):
        super().__init__()
        self.base_url = (base_url or "").rstrip("/")

    def request(self, method, url, *args, **kwargs):
        if self.base_url:
            for host in API_HOSTS:
                if url.startswith(host + "/"):
                    url = self.base_url + url[len(host) :]
                    break
        kwargs.setdefault("timeout", HTTP_TIMEOUT)
        return super().request(method, url, *args, **kwargs)


def _newest(*ids):
    """The largest X id (ids are numbers beyond 2**53, kept as strings)."""
    ids = [i for i in ids if _X_ID_RE.fullmatch(i or "")]
    return max(ids, key=int) if ids else None


def _item_id(item):
    """A page item's id, or None when the item is malformed.

    A malformed item stays in its page for the parser to skip and report: it
    must not stop the poll that carries the other items.
    """
    item_id = item.get("id") if isinstance(item, dict) else None
    return item_id if isinstance(item_id, str) and _X_ID_RE.fullmatch(item_id) else None


def _item_moment(item):
    try:
        return _moment(item.get("created_at")) if isinstance(item, dict) else None
    except (TypeError, ValueError, AttributeError):
        return None


def _moment(value):
    """A naive UTC datetime from an X ISO date or a stored cursor string."""
    if not value:
        return None
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return (
        moment.astimezone(timezone.utc).replace(tzinfo=None)
        if moment.tzinfo
        else moment
    )


def _iso(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


class SocialCareAccount(models.Model):
    _inherit = "social.care.account"

    twitter_auth_mode = fields.Selection(
        [
            ("oauth2", "OAuth 2.0 (Connect with X)"),
            ("oauth1", "OAuth 1.0a user tokens"),
        ],
        "X authentication",
        default="oauth2",
        help="OAuth 2.0: press Connect with X. OAuth 1.0a: paste the account's "
        "access token and secret (Credentials tab), then Test connection.",
    )
    twitter_oauth_state = fields.Char(groups="base.group_system", copy=False)
    twitter_code_verifier = fields.Char(groups="base.group_system", copy=False)
    twitter_oauth_expires_at = fields.Datetime(groups="base.group_system", copy=False)
    twitter_oauth_uid = fields.Many2one(
        "res.users",
        "Authorization started by",
        groups="base.group_system",
        copy=False,
    )
    twitter_plan = fields.Selection(related="app_id.twitter_plan")
    twitter_app_webhook_id = fields.Char(related="app_id.twitter_webhook_id")
    twitter_webhook_subscribed = fields.Boolean(
        "Subscribed to the X webhook",
        readonly=True,
        copy=False,
        help="X sends this account's mentions and direct messages to the app's "
        "webhook within seconds; without it the account is polled.",
    )
    twitter_plan_notes = fields.Text(
        "What the plan allows", compute="_compute_twitter_plan_notes"
    )
    twitter_usage_ids = fields.One2many(
        "social.care.twitter.usage", "account_id", "X API calls", readonly=True
    )
    twitter_calls_today = fields.Integer(
        "X API calls today", compute="_compute_twitter_calls_today"
    )
    twitter_query_ids = fields.One2many(
        "social.care.twitter.query", "account_id", "Listening queries"
    )
    twitter_backfill_days = fields.Integer(
        "X backfill (days)",
        help="On connect, fetch the mentions of the last days (and the direct "
        "messages, X keeps 30 days of them). 0: start from the connection.",
    )
    twitter_backfill_state = fields.Selection(
        [("none", "Not started"), ("running", "Running"), ("done", "Done")],
        "Backfill",
        default="none",
        readonly=True,
        copy=False,
    )
    twitter_backfill_progress = fields.Float(
        "Backfill progress", readonly=True, copy=False
    )
    twitter_backfill_count = fields.Integer(
        "Backfilled items", readonly=True, copy=False
    )

    @api.depends("provider", "twitter_plan")
    def _compute_twitter_plan_notes(self):
        notes = {
            "pay_per_use": _(
                "Pay-per-use: X bills every call, by what it returns (about "
                "$0.005 per post read, $0.001 per mention of this account, "
                "$0.010 per direct message read, $0.015 per post or direct "
                "message sent; see the calls below). Public replies only to "
                "posts that mention or quote the account. Webhooks: one per "
                "app, with 3 Account Activity subscriptions; other accounts "
                "are polled."
            ),
            "basic": _(
                "Basic: direct messages can be read and sent only once per 24 "
                "hours, so they are polled once a day and replies by direct "
                "message mostly wait for X's limit. Mentions: 10 requests per "
                "15 minutes; 100 posts per 24 hours. No webhooks: the account "
                "is polled. Public replies only to posts that mention or quote "
                "the account."
            ),
            "pro": _(
                "Pro: mentions 300 requests and direct messages 15 requests "
                "per 15 minutes; 100 posts per 15 minutes. Public replies only "
                "to posts that mention or quote the account."
            ),
            "enterprise": _(
                "Enterprise: limits per your contract; public replies are not "
                "restricted to posts that mention the account; webhooks with "
                "retries."
            ),
        }
        for account in self:
            account.twitter_plan_notes = (
                notes.get(account.twitter_plan, False)
                if account.provider == "twitter"
                else False
            )

    # ------------------------------------------------------------------
    # Connect: OAuth 2.0 authorization code with PKCE
    # ------------------------------------------------------------------

    def _twitter_redirect_uri(self):
        return self.get_base_url() + CALLBACK_ROUTE

    def action_twitter_connect(self):
        """Send the admin to X to authorize the app; X comes back to the callback.

        The state X brings back is bound to this admin and this browser
        session: a callback URL someone else started never completes here.
        """
        self.ensure_one()
        self._social_check_admin()
        client_id = self.app_id.sudo().twitter_client_id
        if not client_id:
            raise UserError(_("Enter the app's OAuth 2.0 client ID and secret first."))
        verifier = secrets.token_urlsafe(64)
        challenge = (
            base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
            .rstrip(b"=")
            .decode()
        )
        state = secrets.token_urlsafe(32)
        self.sudo().write(
            {
                "twitter_auth_mode": "oauth2",
                "twitter_oauth_state": state,
                "twitter_code_verifier": verifier,
                "twitter_oauth_expires_at": fields.Datetime.now() + OAUTH_STATE_TTL,
                "twitter_oauth_uid": self.env.uid,
            }
        )
        if request:
            started = request.session.get(OAUTH_SESSION_KEY) or []
            request.session[OAUTH_SESSION_KEY] = [*started[-4:], state]
        query = urlencode(
            {
                "response_type": "code",
                "client_id": client_id,
                "redirect_uri": self._twitter_redirect_uri(),
                "scope": SCOPES,
                "state": state,
                "code_challenge": challenge,
                "code_challenge_method": "S256",
            }
        )
        return {
            "type": "ir.actions.act_url",
            "url": f"{self._twitter_authorize_url()}?{query}",
            "target": "self",
        }

    def _twitter_authorize_url(self):
        """X's consent page, or the sandbox's when the app points at one.

        A simulator serves the whole flow under its API base URL, so a
        sandbox account connects through the same code as a real one.
        """
        base = (self.app_id.api_base_url or "").rstrip("/")
        return f"{base}/i/oauth2/authorize" if base else AUTHORIZE_URL

    @api.model
    def _twitter_from_oauth_state(self, state):
        """The account an authorization callback belongs to (sudo), if any."""
        if not state:
            return self.browse()
        return (
            self.sudo()
            .with_context(active_test=False)
            .search([("twitter_oauth_state", "=", state)], limit=1)
        )

    def _twitter_oauth_started_here(self, state):
        """Whether this user, in this browser session, started authorization ``state``.

        A state is single-use but travels in a URL: a callback URL made by
        someone else (with their X account's code) must not connect the
        account when a lured admin opens it.
        """
        self.ensure_one()
        started = (request.session.get(OAUTH_SESSION_KEY) or []) if request else []
        return (
            bool(state)
            and state in started
            and self.sudo().twitter_oauth_uid == self.env.user
        )

    def _twitter_finish_oauth(self, code, error=None):
        """X came back: exchange the code, learn who we are, start polling."""
        self.ensure_one()
        account = self.sudo()
        verifier = account.twitter_code_verifier
        expired = (
            not account.twitter_oauth_expires_at
            or account.twitter_oauth_expires_at < fields.Datetime.now()
        )
        account.write(
            {
                "twitter_oauth_state": False,
                "twitter_code_verifier": False,
                "twitter_oauth_expires_at": False,
                "twitter_oauth_uid": False,
            }
        )
        if error or not code:
            account._social_set_error(
                _("X did not authorize the app (%(error)s).", error=error or "no code")
            )
            return False
        if expired:
            account._social_set_error(
                _("The authorization took too long: press Connect with X again.")
            )
            return False
        # The new tokens are kept only if they are this account's (identify).
        kept = account.read(TOKEN_FIELDS)[0]
        try:
            tokens = account._twitter_token_request(
                {
                    "grant_type": "authorization_code",
                    "code": code,
                    "redirect_uri": account._twitter_redirect_uri(),
                    "code_verifier": verifier,
                }
            )
            account._twitter_store_tokens(tokens)
            account._twitter_identify()
        except SendError as send_error:
            account.write({name: kept[name] for name in TOKEN_FIELDS})
            account._social_set_error(send_error.message)
            return False
        if account.name == account._twitter_new_account_name():
            account.name = f"@{account.handle}"
        account.message_post(
            body=_("Connected to X as @%(handle)s.", handle=account.handle)
        )
        if account.app_id.twitter_webhook_id:
            account._twitter_subscribe_or_note()
        if account.twitter_backfill_days > 0:
            account.action_twitter_start_backfill()
        return True

    def _twitter_new_account_name(self):
        """The name of an account created by the app's Connect button, until X says."""
        return _("New X account")

    # ------------------------------------------------------------------
    # Webhook subscription (Account Activity API)
    # ------------------------------------------------------------------

    def action_twitter_subscribe_webhook(self):
        """Have X send this account's activity to the app's webhook."""
        self.ensure_one()
        self._social_check_admin()
        if not self.app_id.twitter_webhook_id:
            raise UserError(
                _("Register the webhook on the app first (button Register webhook).")
            )
        try:
            self._twitter_subscribe_webhook()
        except SendError as error:
            return self._social_notify(
                _("X did not subscribe the account: %(reason)s", reason=error.message),
                "danger",
            )
        return self._social_notify(
            _(
                "@%(handle)s is subscribed: its messages now reach Odoo within "
                "seconds.",
                handle=self.handle,
            ),
            "success",
        )

    def _twitter_subscribe_webhook(self):
        """Subscribe the account (user context) unless X says it already is."""
        self.ensure_one()
        route = (
            f"/2/account_activity/webhooks/{self.app_id.twitter_webhook_id}"
            "/subscriptions/all"
        )
        current = self._twitter_call(
            "GET /2/account_activity/webhooks/:id/subscriptions/all",
            lambda client, oauth1: client.request("GET", route, user_auth=oauth1),
        )
        if not (current.get("data") or {}).get("subscribed"):
            self._twitter_call(
                "POST /2/account_activity/webhooks/:id/subscriptions/all",
                lambda client, oauth1: client.request("POST", route, user_auth=oauth1),
            )
        self.twitter_webhook_subscribed = True

    def _twitter_subscribe_or_note(self):
        """After a connect: subscribe, or say in the chatter why not (never fails)."""
        try:
            self._twitter_subscribe_webhook()
        except SendError as error:
            self.message_post(
                body=_(
                    "X did not subscribe the account to the webhook: %(reason)s "
                    "It is polled meanwhile; press Subscribe to webhook to retry.",
                    reason=error.message,
                )
            )

    def _twitter_token_request(self, grant):
        """POST ``grant`` (a code exchange or a refresh) to X's token endpoint."""
        self.ensure_one()
        client_id = self.app_id.sudo().twitter_client_id
        return self._twitter_call(
            "POST /2/oauth2/token",
            lambda client, _oauth1: client.session.post(
                TOKEN_URL,
                data=dict(grant, client_id=client_id),
                auth=self._twitter_client_auth(),
            ),
            refresh=False,
        )

    def _twitter_client_auth(self):
        """Confidential clients authenticate to the token endpoint with Basic auth."""
        app = self.app_id.sudo()
        if not app.twitter_client_secret:
            return None
        return HTTPBasicAuth(app.twitter_client_id, app.twitter_client_secret)

    def _twitter_store_tokens(self, tokens):
        """Keep X's tokens; a refresh rotates the refresh token too."""
        self.sudo().write(self._twitter_token_values(tokens))

    def _twitter_token_values(self, tokens):
        """The token fields for X's answer to a token request."""
        if not tokens.get("access_token"):
            raise SendError("auth", _("X gave no access token: connect again."))
        values = {"access_token": tokens["access_token"]}
        if tokens.get("refresh_token"):
            values["refresh_token"] = tokens["refresh_token"]
        expires_in = tokens.get("expires_in")
        values["token_expires_at"] = (
            fields.Datetime.now() + timedelta(seconds=int(expires_in))
            if isinstance(expires_in, int | str) and str(expires_in).isdigit()
            else False
        )
        return values

    def _twitter_identify(self):
        """Ask X who the credentials belong to; fill the account's id and handle."""
        data = (
            self._twitter_call(
                "GET /2/users/me",
                lambda client, oauth1: client.get_me(
                    user_fields=["username", "name", "profile_image_url"],
                    user_auth=oauth1,
                ),
            ).get("data")
            or {}
        )
        user_id, username = data.get("id"), data.get("username")
        if not user_id or not username:
            raise SendError("transient", _("X did not say who this account is."))
        if self.external_ref and self.external_ref != user_id:
            raise SendError(
                "auth",
                _(
                    "These credentials are for @%(handle)s, not for the X user "
                    "this account is connected to (%(ref)s): create another "
                    "account for it.",
                    handle=username,
                    ref=self.external_ref,
                ),
            )
        taken = self.with_context(active_test=False).search(
            [
                ("app_id", "=", self.app_id.id),
                ("external_ref", "=", user_id),
                ("id", "!=", self.id),
            ],
            limit=1,
        )
        if taken:
            raise SendError(
                "auth",
                _(
                    "@%(handle)s is already connected as account %(account)s.",
                    handle=username,
                    account=taken.name,
                ),
            )
        cursor = self.poll_cursor if isinstance(self.poll_cursor, dict) else {}
        self.write(
            {
                "external_ref": user_id,
                "handle": username,
                "state": "connected",
                "last_error": False,
                # Without a backfill, the account starts from now.
                "poll_cursor": dict(
                    cursor, start=cursor.get("start") or _iso(fields.Datetime.now())
                ),
            }
        )
        return username

    # ------------------------------------------------------------------
    # Every call to X goes through _twitter_call
    # ------------------------------------------------------------------

    def _twitter_client(self):
        account = self.sudo()
        app = account.app_id
        if account.twitter_auth_mode == "oauth1":
            client = tweepy.Client(
                consumer_key=app.client_key,
                consumer_secret=app.client_secret,
                access_token=account.access_token,
                access_token_secret=account.token_secret,
                return_type=requests.Response,
                wait_on_rate_limit=False,
            )
        else:
            client = tweepy.Client(
                bearer_token=account.access_token,
                return_type=requests.Response,
                wait_on_rate_limit=False,
            )
        client.session = XSession(app.api_base_url)
        return client

    def _twitter_call(self, endpoint, call, refresh=True, cost=0.0):
        """Call X once: fresh token, the call counted, failures as SendError.

        ``call(client, oauth1)`` makes the request with a tweepy client and
        says whether it signs with OAuth 1.0a; ``endpoint`` names the call in
        the usage counts, ``cost`` what X bills for it (reads are billed per
        resource, once the answer says how many). Returns the decoded JSON body.
        """
        self.ensure_one()
        if refresh:
            self._twitter_refresh_token()
        client = self._twitter_client()
        self.env["social.care.twitter.usage"].sudo()._twitter_count(
            self, endpoint, cost=cost
        )
        try:
            response = call(client, self.sudo().twitter_auth_mode == "oauth1")
        except tweepy.HTTPException as error:
            raise self._twitter_error(error.response) from error
        except requests.RequestException as error:
            if self._twitter_posts(endpoint) and not request_never_sent(error):
                raise SendError(
                    "uncertain",
                    _(
                        "X received the request but did not answer (%(error)s).",
                        error=type(error).__name__,
                    ),
                ) from error
            raise SendError(
                "transient",
                _(
                    "X did not answer (%(error)s); it will be tried again.",
                    error=type(error).__name__,
                ),
            ) from error
        if response.status_code >= 400:
            raise self._twitter_error(response)
        try:
            return response.json() if response.content else {}
        except ValueError as error:
            if self._twitter_posts(endpoint):
                raise SendError(
                    "uncertain", _("X accepted the request with an unreadable answer.")
                ) from error
            raise SendError(
                "transient", _("X gave an unreadable answer; it will be tried again.")
            ) from error

    @staticmethod
    def _twitter_posts(endpoint):
        """Whether a call publishes something, so must not be repeated blindly.

        A token request is not one: the message it precedes was not sent.
        """
        return endpoint.startswith("POST ") and "/oauth2/" not in endpoint

    def _twitter_error(self, response):
        """X's failure as the pipeline's SendError, in words an agent understands."""
        try:
            body = response.json()
        except ValueError:
            body = None
        error = classify_error(
            response.status_code, body, dict(response.headers), time.time()
        )
        kind = {
            "rate_limited": "rate_limited",
            "transient": "transient",
            "auth": "auth",
        }.get(error.kind, "permanent")
        if error.kind == "forbidden" and error.message == MISSING_PERMISSION:
            kind = "auth"
        retry_at = (
            datetime.fromtimestamp(error.retry_at, timezone.utc).replace(tzinfo=None)
            if error.retry_at
            else None
        )
        message = error.message[:1].upper() + error.message[1:]
        return SendError(kind, message.rstrip(".") + ".", retry_at)

    def _twitter_refresh_token(self):
        """Renew an OAuth 2.0 access token before it expires.

        X rotates the refresh token: the old one stops working at once, so the
        new pair is committed through a cursor of its own (see
        social.care.twitter.token), never by committing the caller's work. It
        survives a rollback of the caller: the next renewal finds it there. The
        renewal lock makes a concurrent worker wait, then reuse the new pair.
        """
        account = self.sudo()
        if account.twitter_auth_mode != "oauth2" or not account.token_expires_at:
            return
        if account.token_expires_at - REFRESH_MARGIN > fields.Datetime.now():
            return
        Token = self.env["social.care.twitter.token"].sudo()
        with Token._twitter_renewal_cursor(self.id) as cr:
            kept = Token._twitter_kept(cr, self.id)
            current = {
                "access_token": account.access_token,
                "refresh_token": account.refresh_token,
                "token_expires_at": account.token_expires_at,
            }
            if kept and (kept["token_expires_at"] or datetime.min) > (
                account.token_expires_at
            ):
                current = kept  # renewed by a worker, or by a caller rolled back
            expires_at = current["token_expires_at"]
            if expires_at and expires_at - REFRESH_MARGIN > fields.Datetime.now():
                account.write(current)
                return
            values = account._twitter_renew(current["refresh_token"])
            Token._twitter_keep(cr, self.id, values)
        account.write(values)

    def _twitter_renew(self, refresh_token):
        """X's new token fields for ``refresh_token``; SendError("auth") if refused."""
        if not refresh_token:
            raise SendError(
                "auth",
                _(
                    "The X access expired and cannot be renewed: connect the "
                    "account again."
                ),
            )
        try:
            tokens = self._twitter_token_request(
                {"grant_type": "refresh_token", "refresh_token": refresh_token}
            )
        except SendError as error:
            if error.kind != "permanent":
                raise
            raise SendError(
                "auth",
                _(
                    "X refused to renew the access (%(reason)s): connect the "
                    "account again.",
                    reason=error.message,
                ),
            ) from error
        return dict(
            {"refresh_token": refresh_token}, **self._twitter_token_values(tokens)
        )

    # ------------------------------------------------------------------
    # Provider hooks
    # ------------------------------------------------------------------

    def _social_parse_event(self, event):
        if self.provider != "twitter":
            return super()._social_parse_event(event)
        self._twitter_bill_event(event.event_type)
        return parse_event(event.event_type, event.payload, self.external_ref)

    def _social_test_connection(self):
        if self.provider != "twitter":
            return super()._social_test_connection()
        handle = self._twitter_identify()
        return _("Connected as @%(handle)s.", handle=handle)

    def _social_send(self, message):
        if self.provider != "twitter":
            return super()._social_send(message)
        if message.is_private:
            return self._twitter_send_dm(message)
        parent = message.parent_id.external_id
        if not parent:
            raise SendError(
                "permanent",
                _(
                    "There is no post of the customer to reply to: send a "
                    "direct message."
                ),
            )
        media_ids = self._twitter_upload_media(message)
        post_id = self._twitter_created(
            "POST /2/tweets",
            lambda client, oauth1: client.create_tweet(
                text=message.text or None,
                in_reply_to_tweet_id=parent,
                media_ids=media_ids or None,
                user_auth=oauth1,
            ),
            "id",
            _("X answered without the post's id: check the conversation on X."),
            cost=self._twitter_price(self._twitter_reply_kind(message.text, False)),
        )
        return SendResult(
            external_id=post_id,
            permalink=f"https://x.com/{self.handle or 'i/web'}/status/{post_id}",
        )

    def _twitter_send_dm(self, message):
        """A DM to the customer: by their user id, else into the DM conversation."""
        recipient = message.ticket_id.social_identity_id.external_id
        conversation = (
            message.thread_key[len("x:dm:") :]
            if (message.thread_key or "").startswith("x:dm:")
            else None
        )
        if recipient:
            endpoint = "POST /2/dm_conversations/with/:id/messages"
            target = {"participant_id": recipient}
        elif conversation:
            endpoint = "POST /2/dm_conversations/:id/messages"
            target = {"dm_conversation_id": conversation}
        else:
            raise SendError(
                "permanent", _("This conversation has no X user to send a message to.")
            )
        media_ids = self._twitter_upload_media(message)
        dm_event_id = self._twitter_created(
            endpoint,
            lambda client, oauth1: client.create_direct_message(
                text=message.text or None,
                media_id=media_ids[0] if media_ids else None,
                user_auth=oauth1,
                **target,
            ),
            "dm_event_id",
            _("X answered without the message's id: check the conversation on X."),
            cost=self._twitter_price("dm_create"),
        )
        # A one-to-one conversation id is "{smaller}-{larger}" of the two user
        # ids: the customer's answer comes in that thread, wherever we wrote from.
        thread_key = ""
        if recipient and (self.external_ref or "").isdigit() and recipient.isdigit():
            low, high = sorted((self.external_ref, recipient), key=int)
            thread_key = f"x:dm:{low}-{high}"
        return SendResult(external_id=dm_event_id, thread_key=thread_key)

    def _twitter_created(self, endpoint, call, id_key, missing, cost=0.0):
        """Make a creating call to X; the new object's id, or ``missing`` raised."""
        data = self._twitter_call(endpoint, call, cost=cost).get("data") or {}
        if not data.get(id_key):
            raise SendError("permanent", missing)
        return data[id_key]

    def _twitter_public_reply_allowed(self, ticket):
        """X lets self-serve apps reply publicly only when the customer summoned us."""
        if self.twitter_plan == "enterprise":
            return True
        parent = ticket._social_reply_parent(False)
        if not parent or parent.is_private:
            return False
        handle = (self.handle or "").lstrip("@")
        pattern = rf"(?<![A-Za-z0-9_])@{re.escape(handle)}(?![A-Za-z0-9_])"
        if handle and re.search(pattern, parent.text or "", re.IGNORECASE):
            return True
        if parent.kind not in ("mention", "quote"):
            return False
        # The parser calls any post that is not a reply a mention: one found by
        # a listening search did not necessarily name or quote the account.
        events = (
            self.env["social.care.event"]
            .sudo()
            .search([("message_ids", "in", parent.ids)])
        )
        return any(event.event_type != "poll.search" for event in events)

    def _social_outbound_problem(self, ticket, text, private):
        problem = super()._social_outbound_problem(ticket, text, private)
        if problem or self.provider != "twitter":
            return problem
        if private:
            if len(text) > MAX_DM_LENGTH:
                return _(
                    "This direct message has %(count)s characters; X allows "
                    "%(max)s.",
                    count=len(text),
                    max=MAX_DM_LENGTH,
                )
            return None
        parsed = parse_text(text)
        if parsed.weighted_length > MAX_WEIGHTED_LENGTH:
            return _(
                "This reply is %(count)s characters as X counts them (links count "
                "23, most emoji and Asian characters 2); X allows %(max)s. "
                "Shorten it, or send it as a direct message.",
                count=parsed.weighted_length,
                max=MAX_WEIGHTED_LENGTH,
            )
        if not parsed.valid:
            # Neither empty nor too long: it holds a character X refuses.
            return _(
                "This reply holds an invisible character X refuses (U+FEFF, U+FFFE "
                "or U+FFFF), often pasted in with the text: delete it and send again."
            )
        if not self._twitter_public_reply_allowed(ticket):
            return _(
                "X lets this app reply publicly only to posts that mention or "
                "quote the account, and the customer's post does not: send a "
                "direct message instead."
            )
        return None

    def _social_reply_limits(self, ticket, private):
        limits = super()._social_reply_limits(ticket, private)
        if self.provider != "twitter":
            return limits
        return dict(
            limits,
            max_length=MAX_DM_LENGTH if private else MAX_WEIGHTED_LENGTH,
            length_unit="characters" if private else "weighted",
            public_allowed=self._twitter_public_reply_allowed(ticket),
        )

    def _social_text_length(self, text):
        if self[:1].provider == "twitter":
            return weighted_length(text)
        return super()._social_text_length(text)

    def _social_media_hosts(self):
        if self.provider != "twitter":
            return super()._social_media_hosts()
        return MEDIA_HOSTS

    def _social_media_headers(self, target):
        """DM media need the account's credentials: sent to X's DM media host
        only, decided on the host the request goes to (``target``, checked)."""
        headers = super()._social_media_headers(target)
        if self.provider == "twitter" and target.host == DM_MEDIA_HOST:
            headers.update(self._twitter_auth_headers(target.url))
        return headers

    def _twitter_auth_headers(self, url):
        """Headers that sign a GET of ``url`` as the account (no token refresh:
        this runs inside the inbox's savepoints, and polls keep tokens fresh)."""
        account = self.sudo()
        if account.twitter_auth_mode == "oauth1":
            app = account.app_id
            signer = OAuth1Client(
                app.client_key,
                client_secret=app.client_secret,
                resource_owner_key=account.access_token,
                resource_owner_secret=account.token_secret,
            )
            return signer.sign(url, "GET")[1]
        if (
            account.token_expires_at
            and account.token_expires_at < fields.Datetime.now()
        ):
            raise ValueError(_("the X access token expired; the next poll renews it"))
        return {"Authorization": f"Bearer {account.access_token}"}

    # ------------------------------------------------------------------
    # Polling: mentions, DMs, backfill, listening queries
    # ------------------------------------------------------------------

    def _social_can_poll(self):
        return self.provider == "twitter" or super()._social_can_poll()

    def _social_poll(self):
        if self.provider != "twitter":
            return super()._social_poll()
        if not self.external_ref:
            raise SendError("auth", _("The account is not connected to X yet."))
        cursor = dict(self.poll_cursor) if isinstance(self.poll_cursor, dict) else {}
        if self.twitter_backfill_state == "running":
            deliveries = self._twitter_backfill_step(cursor)
        else:
            deliveries = self._twitter_poll_mentions(cursor)
            if self._twitter_dm_poll_due(cursor):
                deliveries += self._twitter_poll_dms(cursor)
        deliveries += self._twitter_poll_queries()
        return deliveries, cursor

    def _twitter_delivery(self, event_type, stream, page):
        """One poll page as one inbox event, keyed by its newest id.

        X pages come newest first; stored oldest first, a conversation's
        ticket starts with its first post and our own replies find it.
        """
        data = page.get("data")
        items = sorted(
            data if isinstance(data, list) else [],
            key=lambda i: int(_item_id(i) or 0),
        )
        newest = _newest(*(_item_id(item) for item in items))
        if not newest:  # nothing but malformed items: stored once, by content
            newest = hashlib.sha256(repr(items).encode()).hexdigest()[:16]
        return ParsedDelivery(
            account_ref=self.external_ref,
            delivery_key=f"poll:{stream}:{newest}",
            event_type=event_type,
            payload=dict(page, data=items),
        )

    def _twitter_pages(self, endpoint, fetch, token=None, max_pages=MAX_PAGES):
        """Follow ``next_token`` from ``token``; yields each page's JSON."""
        for _page in range(max_pages):
            page = self._twitter_call(endpoint, lambda c, o, t=token: fetch(c, o, t))
            self._twitter_bill_read(endpoint, page)
            yield page
            token = (page.get("meta") or {}).get("next_token")
            if not token:
                return

    def _twitter_fetch_mentions(self, client, oauth1, token, **params):
        return client.get_users_mentions(
            self.external_ref,
            max_results=PAGE_SIZE,
            pagination_token=token,
            user_auth=oauth1,
            **POST_FIELDS,
            **params,
        )

    def _twitter_fetch_dms(self, client, oauth1, token):
        return client.get_direct_message_events(
            max_results=PAGE_SIZE,
            pagination_token=token,
            user_auth=oauth1,
            **DM_FIELDS,
        )

    def _twitter_poll_mentions(self, cursor):
        """New mentions since the ``since_id`` cursor, every page, then advance it."""
        since_id = cursor.get("mentions_since_id")
        if since_id:
            params = {"since_id": since_id}
        else:
            start = _moment(cursor.get("start")) or fields.Datetime.now() - timedelta(
                minutes=self.poll_interval or 5
            )
            params = {"start_time": start}
        deliveries, newest = [], since_id
        for page in self._twitter_pages(
            "GET /2/users/:id/mentions",
            lambda c, o, t: self._twitter_fetch_mentions(c, o, t, **params),
        ):
            if page.get("data"):
                deliveries.append(
                    self._twitter_delivery("poll.mentions", "mentions", page)
                )
            newest = _newest(newest, (page.get("meta") or {}).get("newest_id"))
        if newest:
            cursor["mentions_since_id"] = newest
        return deliveries

    def _twitter_dm_poll_due(self, cursor):
        """Basic allows one DM lookup per 24 hours; other plans each poll."""
        if self.twitter_plan != "basic":
            return True
        last = _moment(cursor.get("dm_polled_at"))
        return not last or fields.Datetime.now() - last >= BASIC_DM_EVERY

    @staticmethod
    def _twitter_new_dm_events(page, last_id, since):
        """The events of a page newer than the cursor; and whether older ones came."""
        fresh = [
            item
            for item in page.get("data") or []
            if (
                not last_id
                or _item_id(item) is None  # malformed: on to the parser's report
                or int(_item_id(item)) > int(last_id)
            )
            and (not since or (_item_moment(item) or since) >= since)
        ]
        return fresh, len(fresh) < len(page.get("data") or [])

    def _twitter_dm_page(self, events, page):
        """A DM page reduced to ``events``, with what they expand."""
        return {
            "data": events,
            "includes": page.get("includes") or {},
            "meta": {"result_count": len(events)},
        }

    def _twitter_poll_dms(self, cursor):
        """DM events come newest first: read until the last one seen."""
        last_id = cursor.get("dm_last_id")
        since = None if last_id else _moment(cursor.get("start"))
        deliveries, newest = [], last_id
        for page in self._twitter_pages("GET /2/dm_events", self._twitter_fetch_dms):
            fresh, reached_old = self._twitter_new_dm_events(page, last_id, since)
            if fresh:
                deliveries.append(
                    self._twitter_delivery(
                        "poll.dm_events",
                        "dm_events",
                        self._twitter_dm_page(fresh, page),
                    )
                )
                newest = _newest(newest, *(item.get("id") for item in fresh))
            if reached_old:
                break
        if newest:
            cursor["dm_last_id"] = newest
        cursor["dm_polled_at"] = _iso(fields.Datetime.now())
        return deliveries

    # --- backfill ---

    def action_twitter_start_backfill(self):
        """Fetch the last days of mentions and DMs, one page per poll."""
        self._social_check_admin()
        for account in self:
            if account.twitter_backfill_days <= 0:
                raise UserError(_("Set the number of days to backfill first."))
            now = fields.Datetime.now()
            cursor = (
                account.poll_cursor if isinstance(account.poll_cursor, dict) else {}
            )
            dm_days = min(account.twitter_backfill_days, DM_HISTORY_DAYS)
            account.write(
                {
                    "twitter_backfill_state": "running",
                    "twitter_backfill_progress": 0.0,
                    "twitter_backfill_count": 0,
                    "next_poll_at": False,
                    "poll_cursor": dict(
                        cursor,
                        start=cursor.get("start") or _iso(now),
                        backfill={
                            "since": _iso(
                                now - timedelta(days=account.twitter_backfill_days)
                            ),
                            "dm_since": _iso(now - timedelta(days=dm_days)),
                            "started": _iso(now),
                        },
                    ),
                }
            )
        self.env.ref("social_care.ir_cron_poll_accounts")._trigger()

    @staticmethod
    def _twitter_covered(items, since, started):
        """How much of [since, started] the pages read so far cover (0 to 1)."""
        moments = [_item_moment(item) for item in items]
        oldest = min((m for m in moments if m), default=None)
        span = (started - since).total_seconds()
        if not oldest or span <= 0:
            return 0.0
        return min(1.0, max(0.0, (started - oldest).total_seconds() / span))

    def _twitter_backfill_step(self, cursor):
        """One page of mentions and one of DMs; progress shown on the account."""
        state = dict(cursor.get("backfill") or {})
        started = _moment(state.get("started")) or fields.Datetime.now()
        deliveries, fetched = [], 0
        if not state.get("mentions_done"):
            since = _moment(state.get("since"))
            token = state.get("mentions_token")
            page = next(
                self._twitter_pages(
                    "GET /2/users/:id/mentions",
                    lambda c, o, t: self._twitter_fetch_mentions(
                        c, o, t, start_time=since
                    ),
                    token=token,
                    max_pages=1,
                )
            )
            items = page.get("data") or []
            if items:
                deliveries.append(
                    self._twitter_delivery("poll.mentions", "mentions", page)
                )
                fetched += len(items)
            if not token:  # the newest page: regular polling continues from it
                cursor["mentions_since_id"] = _newest(
                    cursor.get("mentions_since_id"),
                    (page.get("meta") or {}).get("newest_id"),
                )
            state["mentions_token"] = (page.get("meta") or {}).get("next_token")
            state["mentions_done"] = not state["mentions_token"]
            state["mentions_progress"] = (
                1.0
                if state["mentions_done"]
                else self._twitter_covered(items, since, started)
            )
        if not state.get("dms_done") and self._twitter_dm_poll_due(cursor):
            since = _moment(state.get("dm_since"))
            token = state.get("dm_token")
            page = next(
                self._twitter_pages(
                    "GET /2/dm_events",
                    self._twitter_fetch_dms,
                    token=token,
                    max_pages=1,
                )
            )
            fresh, reached_old = self._twitter_new_dm_events(page, None, since)
            if fresh:
                deliveries.append(
                    self._twitter_delivery(
                        "poll.dm_events",
                        "dm_events",
                        self._twitter_dm_page(fresh, page),
                    )
                )
                fetched += len(fresh)
            if not token:
                cursor["dm_last_id"] = _newest(
                    cursor.get("dm_last_id"),
                    *(_item_id(item) for item in page.get("data") or []),
                )
            cursor["dm_polled_at"] = _iso(fields.Datetime.now())
            state["dm_token"] = (page.get("meta") or {}).get("next_token")
            state["dms_done"] = reached_old or not state["dm_token"]
            state["dms_progress"] = (
                1.0
                if state["dms_done"]
                else self._twitter_covered(fresh, since, started)
            )
        done = state.get("mentions_done") and state.get("dms_done")
        if done:
            cursor.pop("backfill", None)
        else:
            cursor["backfill"] = state
        progress = (
            state.get("mentions_progress", 0.0) + state.get("dms_progress", 0.0)
        ) / 2
        self.write(
            {
                "twitter_backfill_state": "done" if done else "running",
                "twitter_backfill_progress": 100.0
                if done
                else round(progress * 100, 1),
                "twitter_backfill_count": self.twitter_backfill_count + fetched,
            }
        )
        return deliveries

    # --- listening ---

    def _twitter_poll_queries(self):
        """Saved searches that are due: ticket mode feeds the inbox, review mode
        fills the review list."""
        now = fields.Datetime.now()
        deliveries = []
        due = self.twitter_query_ids.filtered(
            lambda q: q.active and (not q.next_run_at or q.next_run_at <= now)
        )
        for query in due:
            params = (
                {"since_id": query.since_id}
                if query.since_id
                else {"start_time": max(query.create_date, now - SEARCH_MAX_AGE)}
            )
            newest = query.since_id
            for page in self._twitter_pages(
                "GET /2/tweets/search/recent",
                lambda c, o, t, q=query, p=params: c.search_recent_tweets(
                    q.name,
                    max_results=PAGE_SIZE,
                    next_token=t,
                    user_auth=o,
                    **POST_FIELDS,
                    **p,
                ),
            ):
                newest = _newest(newest, (page.get("meta") or {}).get("newest_id"))
                if not page.get("data"):
                    continue
                if query.mode == "ticket":
                    deliveries.append(
                        self._twitter_delivery(
                            "poll.search", f"search:{query.id}", page
                        )
                    )
                else:
                    query._twitter_add_hits(page)
            query.write(
                {
                    "since_id": newest or False,
                    "last_run_at": now,
                    "next_run_at": now + timedelta(minutes=query.interval or 15),
                }
            )
        return deliveries
