import json
import logging
import secrets

import facebook

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from odoo.addons.social_care.models.social_care_app import keep_on_uninstall
from odoo.addons.social_care.tools import PayloadError, SendError

from ..tools import (
    DEFAULT_VERSION,
    days_until_end_of_life,
    is_dashboard_test,
    is_near_end_of_life,
    normalize_version,
    parse_signed_request,
    split_delivery,
    verify_challenge,
    verify_signature,
)
from ..tools.meta_signed_request import MAX_AGE as SIGNED_REQUEST_MAX_AGE

_logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Hub-Signature-256"
OAUTH_CALLBACK_PATH = "/social_care_meta/oauth/callback"
# Facebook Login scopes for page comments, Messenger and Instagram (PLATFORM-APIS §10).
PAGE_PERMISSIONS = (
    "pages_show_list",
    "pages_manage_metadata",
    "pages_read_engagement",
    "pages_manage_engagement",
    "pages_messaging",
)
INSTAGRAM_PERMISSIONS = (
    "instagram_basic",
    "instagram_manage_comments",
    "instagram_manage_messages",
)
# Recommendations (the Page's ratings) need this one; the rest works without it.
RATINGS_PERMISSION = "pages_read_user_content"
PERMISSIONS = PAGE_PERMISSIONS + INSTAGRAM_PERMISSIONS + (RATINGS_PERMISSION,)
PAGE_WEBHOOK_FIELDS = (
    "feed",
    "messages",
    "message_echoes",
    "message_edits",
    "messaging_postbacks",
    "messaging_policy_enforcement",
    "standby",
)
RATINGS_FIELD = "ratings"
# The app's own webhook subscriptions (POST /{app-id}/subscriptions), per object.
APP_WEBHOOK_FIELDS = {
    "page": (*PAGE_WEBHOOK_FIELDS, RATINGS_FIELD),
    "instagram": ("comments", "mentions", "messages"),
}
DELETED_TEXT = "[deleted at the person's request]"


class SocialCareApp(models.Model):
    _inherit = "social.care.app"

    provider = fields.Selection(
        selection_add=[("meta", "Meta (Facebook, Instagram)")],
        ondelete={"meta": keep_on_uninstall},
    )
    meta_graph_version = fields.Char(
        "Graph API version",
        default=DEFAULT_VERSION,
        help="The Graph API version every call uses, e.g. v26.0. Meta keeps a "
        "version for at least two years: move to a newer one before its end.",
    )
    meta_version_warning = fields.Char(compute="_compute_meta_version_warning")
    meta_deletion_policy = fields.Selection(
        [
            ("anonymize", "Anonymize the person and blank their messages"),
            ("delete", "Delete the person's identities and messages"),
        ],
        "Data deletion policy",
        default="anonymize",
        required=True,
        help="What Meta's data deletion callback does with that person's data. "
        "Anonymizing keeps the tickets readable for the reports. Meta names the "
        "person by the id of this app's Facebook Login, not by the ids people "
        "have when they write to a Page or an Instagram account: those requests "
        "usually find no data, and their status page says so.",
    )
    meta_oauth_redirect_url = fields.Char(
        "OAuth redirect URL", compute="_compute_meta_urls"
    )
    meta_deletion_url = fields.Char(
        "Data deletion callback URL", compute="_compute_meta_urls"
    )
    meta_webhook_registered_at = fields.Datetime(
        "Webhook registered on",
        readonly=True,
        copy=False,
        help="When Register webhook last had Meta verify the webhook URL and "
        "subscribe the app to Page and Instagram events.",
    )
    meta_webhook_test_at = fields.Datetime(
        "Webhook test received on",
        readonly=True,
        copy=False,
        help="When the last sample from the Test button of Meta's App Dashboard "
        "arrived: the webhook URL and signature work. A test makes no ticket.",
    )
    meta_deletion_ids = fields.One2many(
        "social.care.meta.deletion", "app_id", "Data deletion requests"
    )

    @api.depends("provider", "meta_graph_version")
    def _compute_meta_version_warning(self):
        today = fields.Date.context_today(self)
        for app in self:
            app.meta_version_warning = False
            if app.provider != "meta":
                continue
            version = app._meta_version()
            if is_near_end_of_life(version, today):
                days = days_until_end_of_life(version, today)
                app.meta_version_warning = (
                    _(
                        "Graph API %(version)s stops working in %(days)s days: "
                        "choose a newer version and check the connector with it.",
                        version=version,
                        days=days,
                    )
                    if days > 0
                    else _(
                        "Graph API %(version)s has reached its end of life: "
                        "choose a newer version now.",
                        version=version,
                    )
                )

    def _compute_meta_urls(self):
        for app in self:  # get_base_url() takes one record at most
            base = app.get_base_url()
            app.meta_oauth_redirect_url = base + OAUTH_CALLBACK_PATH
            app.meta_deletion_url = (
                f"{base}/social_care_meta/deletion/{app.id}" if app.id else False
            )

    @api.model
    def _meta_normalize_vals(self, vals):
        if vals.get("meta_graph_version"):
            try:
                vals["meta_graph_version"] = normalize_version(
                    vals["meta_graph_version"]
                )
            except ValueError as error:
                raise ValidationError(
                    _(
                        "%(value)s is not a Graph API version such as %(example)s.",
                        value=vals["meta_graph_version"],
                        example=DEFAULT_VERSION,
                    )
                ) from error
        return vals

    @api.model_create_multi
    def create(self, vals_list):
        return super().create([self._meta_normalize_vals(v) for v in vals_list])

    def write(self, vals):
        return super().write(self._meta_normalize_vals(vals))

    def _meta_version(self):
        """The configured Graph version, normalized; the default when unset."""
        self.ensure_one()
        return normalize_version(self.meta_graph_version or DEFAULT_VERSION)

    # ------------------------------------------------------------------
    # Webhook hooks
    # ------------------------------------------------------------------

    def _social_webhook_challenge(self, params):
        if self.provider != "meta":
            return super()._social_webhook_challenge(params)
        challenge = verify_challenge(params, self.sudo().verify_token)
        return (challenge, "text/plain") if challenge is not None else None

    def _social_webhook_verify(self, headers, body):
        if self.provider != "meta":
            return super()._social_webhook_verify(headers, body)
        return verify_signature(
            self.sudo().client_secret, body, headers.get(SIGNATURE_HEADER)
        )

    def _social_webhook_split(self, payload):
        if self.provider != "meta":
            return super()._social_webhook_split(payload)
        return split_delivery(payload)

    def _social_store_deliveries(self, deliveries):
        """Samples from the App Dashboard's Test button are recorded as such.

        They name no account (entry id 0): kept as ignored events saying so,
        and the app remembers when the last one came.
        """
        if self.provider != "meta":
            return super()._social_store_deliveries(deliveries)
        tests = [delivery for delivery in deliveries if is_dashboard_test(delivery)]
        if not tests:
            return super()._social_store_deliveries(deliveries)
        self.ensure_one()
        self.sudo().meta_webhook_test_at = fields.Datetime.now()
        stored = self.env["social.care.event"]._insert_units(
            self,
            [
                {
                    "account_ref": delivery.account_ref,
                    "delivery_key": delivery.delivery_key,
                    "event_type": delivery.event_type,
                    "payload": json.dumps(delivery.payload),
                    "state": "ignored",
                    "error": _(
                        "Webhook test received from Meta's App Dashboard: not a "
                        "customer message, no ticket made."
                    ),
                }
                for delivery in tests
            ],
        )
        real = [delivery for delivery in deliveries if not is_dashboard_test(delivery)]
        return stored + (super()._social_store_deliveries(real) if real else 0)

    def _social_unreadable_status(self):
        # Meta retries a failed delivery for 36 h and disables webhooks that
        # keep failing; the unreadable body is stored as an error event anyway.
        if self.provider == "meta":
            return 200
        return super()._social_unreadable_status()

    # ------------------------------------------------------------------
    # Connect: Facebook Login
    # ------------------------------------------------------------------

    def action_meta_connect(self):
        """Send the admin through Facebook Login to pick the Pages to connect."""
        self.ensure_one()
        self.check_access("write")
        app = self.sudo()
        if not (app.client_key and app.client_secret):
            raise UserError(_("Fill in the App ID and the App secret first."))
        return {
            "type": "ir.actions.act_url",
            "url": f"/social_care_meta/oauth/start/{self.id}",
            "target": "self",
        }

    def _meta_authorize_url(self, state):
        """Facebook Login dialog URL, asking for every permission the connector uses."""
        self.ensure_one()
        graph = self.env["social.care.account"]._meta_graph(self)
        url = graph.get_auth_url(
            self.sudo().client_key,
            self.meta_oauth_redirect_url,
            PERMISSIONS,
            state=state,
            response_type="code",
        )
        # A sandbox serves the login dialog too, under its API base URL.
        base = (self.api_base_url or "").rstrip("/")
        if base and url.startswith(facebook.FACEBOOK_WWW_URL):
            url = f"{base}/{url[len(facebook.FACEBOOK_WWW_URL) :]}"
        return url

    # ------------------------------------------------------------------
    # Webhook registration: the app's subscriptions
    # ------------------------------------------------------------------

    def action_meta_register_webhook(self):
        """Subscribe the app to Page and Instagram events at its webhook URL.

        Meta verifies the URL at once (a GET with the verify token and a
        challenge that Odoo echoes), so a success proves Odoo is reachable.
        A missing verify token is generated: it is only a shared string.
        """
        self.ensure_one()
        self.check_access("write")  # before Meta's calls and the new token
        app = self.sudo()
        if not (app.client_key and app.client_secret):
            raise UserError(_("Fill in the App ID and the App secret first."))
        if not app.verify_token:
            app.verify_token = secrets.token_urlsafe(24)
        accounts = self.env["social.care.account"]
        for obj, webhook_fields in APP_WEBHOOK_FIELDS.items():
            try:
                accounts._meta_request(
                    "POST",
                    accounts._meta_path(app.client_key, "subscriptions"),
                    {
                        "object": obj,
                        "callback_url": self.webhook_url,
                        "fields": ",".join(webhook_fields),
                        "verify_token": app.verify_token,
                        "include_values": "true",
                    },
                    app=self,
                    token=f"{app.client_key}|{app.client_secret}",
                )
            except SendError as error:
                raise UserError(
                    _(
                        "Meta could not subscribe the app to %(object)s events at "
                        "%(url)s: %(reason)s\nMeta calls that URL at once to "
                        "verify it: Odoo must be reachable there over HTTPS with a "
                        "valid certificate.",
                        object=obj,
                        url=self.webhook_url,
                        reason=error.message,
                    )
                ) from error
        self.meta_webhook_registered_at = fields.Datetime.now()
        notification = accounts._social_notify(
            _(
                "Webhook verified by Meta: the app receives Page and Instagram "
                "events. Connect the Pages to have them sent here."
            ),
            "success",
        )
        # The form shows the registration date at once.
        notification["params"]["next"] = {
            "type": "ir.actions.client",
            "tag": "soft_reload",
        }
        return notification

    def _meta_connect(self, code):
        """Exchange the login code and connect every Page (and Instagram) it grants.

        The short-lived user token is exchanged for a long-lived one, whose
        ``/me/accounts`` gives Page tokens that do not expire. Returns the
        accounts created or updated.
        """
        self.ensure_one()
        app = self.sudo()
        accounts = self.env["social.care.account"]
        credentials = {"client_id": app.client_key, "client_secret": app.client_secret}
        # POSTed (as OAuth 2.0 allows) so the secret and the code stay out of URLs.
        short = accounts._meta_request(
            "POST",
            "oauth/access_token",
            dict(credentials, redirect_uri=self.meta_oauth_redirect_url, code=code),
            app=self,
            token=False,
        )
        long_lived = accounts._meta_request(
            "POST",
            "oauth/access_token",
            dict(
                credentials,
                grant_type="fb_exchange_token",
                fb_exchange_token=short["access_token"],
            ),
            app=self,
            token=False,
        )
        pages = accounts._meta_request(
            "GET",
            "me/accounts",
            {
                "fields": "id,name,access_token,"
                "instagram_business_account{id,username}",
                "limit": 100,
            },
            app=self,
            token=long_lived["access_token"],
        )
        connected = accounts
        for page in pages.get("data") or []:
            connected |= self._meta_connect_page(page)
        return connected

    def _meta_connect_page(self, page):
        """One Page (and its Instagram account): accounts upserted, webhooks on."""
        page_account = self._meta_upsert_account(
            page["id"],
            {
                "name": page.get("name") or page["id"],
                "meta_surface": "facebook",
                "access_token": page["access_token"],
            },
        )
        page_account._meta_subscribe_page()
        connected = page_account
        instagram = page.get("instagram_business_account") or {}
        if instagram.get("id"):
            username = instagram.get("username") or ""
            connected |= self._meta_upsert_account(
                instagram["id"],
                {
                    "name": f"@{username}" if username else instagram["id"],
                    "handle": username,
                    "meta_surface": "instagram",
                    "meta_page_account_id": page_account.id,
                    "access_token": page["access_token"],
                },
            )
        return connected

    def _meta_upsert_account(self, external_ref, values):
        accounts = self.env["social.care.account"].with_context(active_test=False)
        account = accounts.search(
            [("app_id", "=", self.id), ("external_ref", "=", external_ref)], limit=1
        )
        values = dict(values, state="connected", last_error=False, active=True)
        if account:
            account.write(values)
            return account
        return accounts.create(
            dict(
                values,
                app_id=self.id,
                external_ref=external_ref,
                company_id=self.company_id.id,
            )
        )

    # ------------------------------------------------------------------
    # Meta's data deletion callback
    # ------------------------------------------------------------------

    def _meta_handle_deletion(self, signed_request):
        """Erase or anonymize one person, as the policy says; return the request.

        Meta names the person by their app-scoped id (Facebook Login); it
        matches an identity only where Meta gave that same id (never a
        Messenger PSID nor an Instagram IGSID): the request then says "no data
        found". Raises PayloadError when the signed request is not genuine.
        """
        self.ensure_one()
        data = parse_signed_request(
            signed_request, self.sudo().client_secret, max_age=SIGNED_REQUEST_MAX_AGE
        )
        user_id = str(data.get("user_id") or "").strip()
        if not user_id:
            raise PayloadError("the signed request names no user")
        identities = (
            self.env["social.care.identity"]
            .sudo()
            .search(
                [
                    ("provider", "=", "meta"),
                    ("external_id", "=", user_id),
                    # Signed with this app's secret: it speaks for its company only.
                    ("company_id", "=", self.company_id.id),
                ]
            )
        )
        counts = identities._meta_erase(self.meta_deletion_policy)
        return (
            self.env["social.care.meta.deletion"]
            .sudo()
            .create(
                dict(
                    counts,
                    app_id=self.id,
                    policy=self.meta_deletion_policy,
                    confirmation_code=secrets.token_hex(8),
                    # An honest answer: Meta's id rarely names anyone we know.
                    state="done" if identities else "not_found",
                )
            )
        )
