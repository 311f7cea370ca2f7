"""What a new user meets before the first message: keys, consent, webhooks.

The simulator plays the platforms' developer portals and consent pages, so a
database without demo data connects a simulated account the way it would a
real one:

- its page shows the simulated apps' credentials, as X's and Meta's developer
  portals do, to copy into Odoo;
- X's OAuth 2.0 consent page (``/x/i/oauth2/authorize``) and Facebook Login
  (``/meta/<version>/dialog/oauth``) ask "Authorize Odoo?", then send the
  browser back to Odoo's callback with a code, or an error on Cancel;
- the code exchanges (X's token endpoint with PKCE; Meta's short and
  long-lived tokens) and the look-ups after them (``me/accounts``) answer
  as the platforms do, and refuse wrong keys or codes;
- webhook registration (X ``POST /2/webhooks`` and Account Activity
  subscriptions; Meta ``POST /{app-id}/subscriptions``) checks Odoo's URL
  for real (X's CRC, Meta's challenge) and from then on delivers there: the
  simulator learns Odoo's address and app ids instead of being given them;
- X Activity API subscriptions (``/2/activity/subscriptions``: create, list,
  delete) as X documents them; once an app has made one, X events are
  delivered as XAA envelopes, and only for the subscribed event types.
"""

import base64
import functools
import hashlib
import html
import json
import re
import secrets
import threading
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import parse_qs, urlencode

from . import addon_tools

# The simulated apps' keys: the demo data holds the same ones.
X_API_KEY = "simulator-x-consumer-key"
X_CLIENT_ID = "simulator-x-client-id"
X_CLIENT_SECRET = "simulator-x-client-secret"
X_BEARER_TOKEN = "simulator-x-app-bearer-token"
# Meta app ids are numbers; Graph paths refuse anything else.
META_APP_ID = "1899000000000001"
META_VERIFY_TOKEN = "simulator-verify-token"
CHECK_TIMEOUT = 10  # seconds: X wants the CRC answer within 10 s
# X Activity API (https://docs.x.com/x-api/activity/introduction and the
# OpenAPI of github.com/xdevplatform/docs, openapi.json, 2026-08-22): the
# event types a subscription may name, those that need the user's own token
# (private events), and the self-serve limit.
XAA_EVENT_TYPES = (
    "profile.update.bio",
    "profile.update.profile_picture",
    "profile.update.banner_picture",
    "profile.update.screenname",
    "profile.update.geo",
    "profile.update.url",
    "profile.update.verified_badge",
    "profile.update.affiliate_badge",
    "profile.update.handle",
    "news.new",
    "follow.follow",
    "follow.unfollow",
    "spaces.start",
    "spaces.end",
    "broadcast.start",
    "broadcast.end",
    "broadcast.chat",
    "chat.received",
    "chat.sent",
    "chat.conversation.join",
    "chat.conversation.member_added",
    "chat.conversation.member_removed",
    "chat.conversation.admin_added",
    "chat.conversation.admin_removed",
    "chat.update.group_name",
    "chat.update.restrictions",
    "dm.sent",
    "dm.received",
    "dm.indicate_typing",
    "dm.read",
    "post.create",
    "post.delete",
    "post.mention.create",
    "post.reply.create",
    "post.quote.create",
    "post.repost.create",
    "like.create",
    "mute.mute",
    "mute.unmute",
    "block.block",
    "block.unblock",
)
XAA_PRIVATE_PREFIXES = ("dm.", "chat.", "like.", "mute.", "block.", "broadcast.chat")
XAA_PRIVATE_POSTS = (
    "post.mention.create",
    "post.reply.create",
    "post.quote.create",
    "post.repost.create",
)
XAA_SELF_SERVE_LIMIT = 1500
XAA_SUBSCRIPTIONS = "2/activity/subscriptions"
WEBHOOK_PATH_RE = re.compile(
    r"^(?P<odoo>https?://[^/]+.*)/social_care/webhook/(?P<app>\d+)$"
)
X_AUTHORIZE_PATH = "/x/i/oauth2/authorize"
META_DIALOG_RE = re.compile(r"^/meta/(v\d+\.\d+/)?dialog/oauth$")


class OnboardingError(Exception):
    """An API answer other than 2xx, in the platform's error shape."""

    def __init__(self, status, body):
        super().__init__(status)
        self.status = status
        self.body = body


def _x_problem(status, detail, title="Invalid Request"):
    return OnboardingError(
        status,
        {
            "title": title,
            "detail": detail,
            "type": "https://api.twitter.com/2/problems/invalid-request",
            "errors": [{"message": detail}],
        },
    )


def _graph_problem(message, code=100, kind="OAuthException"):
    return OnboardingError(
        400,
        {
            "error": {
                "message": message,
                "type": kind,
                "code": code,
                "fbtrace_id": "SimulatorTrace",
            }
        },
    )


def pkce_challenge(verifier):
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


class OnboardingMixin:
    """The Simulator's developer portal, consent pages and webhook registry."""

    @functools.cached_property
    def onboarding(self):
        """Codes issued, webhooks registered, subscriptions; kept with the state."""
        state = {
            "codes": {},
            "x_webhooks": [],
            "x_subscribed": False,
            "x_activity": [],
            "x_activity_mode": False,
            "meta_subscriptions": {},
            "meta_page_fields": [],
            "lock": threading.RLock(),
        }
        path = self._onboarding_path()
        if path and path.exists():
            try:
                saved = json.loads(path.read_text())
            except (OSError, ValueError):
                saved = {}
            for key in (
                "x_webhooks",
                "x_subscribed",
                "x_activity",
                "x_activity_mode",
                "meta_subscriptions",
            ):
                if key in saved:
                    state[key] = saved[key]
            self._learn_target("x", saved.get("x_target"))
            self._learn_target("meta", saved.get("meta_target"))
        return state

    def credentials(self):
        """What the simulated developer portals show, to copy into Odoo."""
        cfg = self.config
        base = getattr(self, "base_url", "") or ""
        return {
            "x": {
                "API key": X_API_KEY,
                "API key secret": cfg.x_secret,
                "OAuth 2.0 client ID": X_CLIENT_ID,
                "OAuth 2.0 client secret": X_CLIENT_SECRET,
                "App bearer token": X_BEARER_TOKEN,
                "API base URL": f"{base}/x",
            },
            "meta": {
                "App ID": META_APP_ID,
                "App secret": cfg.meta_secret,
                "Verify token (any string; this one will do)": META_VERIFY_TOKEN,
                "API base URL": f"{base}/meta",
            },
        }

    # ------------------------------------------------------------------
    # Persistence and delivery targets
    # ------------------------------------------------------------------

    def _onboarding_path(self):
        path = self.config.state_path
        return Path(f"{path}.onboarding.json") if path else None

    def _onboarding_save(self):
        path = self._onboarding_path()
        cfg = self.config
        state = self.onboarding
        if path:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(
                json.dumps(
                    {
                        "x_webhooks": state["x_webhooks"],
                        "x_subscribed": state["x_subscribed"],
                        "x_activity": state["x_activity"],
                        "x_activity_mode": state["x_activity_mode"],
                        "meta_subscriptions": state["meta_subscriptions"],
                        "x_target": self._target_url("x") if cfg.x_app_id else None,
                        "meta_target": (
                            self._target_url("meta") if cfg.meta_app_id else None
                        ),
                    }
                )
            )
        self.version += 1

    def _target_url(self, app):
        app_id = self.config.x_app_id if app == "x" else self.config.meta_app_id
        return f"{self.config.odoo_url.rstrip('/')}/social_care/webhook/{app_id}"

    def _learn_target(self, app, url):
        """Deliver ``app``'s events to ``url`` (Odoo's /social_care/webhook/<id>)."""
        match = WEBHOOK_PATH_RE.match(url or "")
        if not match:
            return False
        self.config.odoo_url = match.group("odoo")
        if app == "x":
            self.config.x_app_id = int(match.group("app"))
        else:
            self.config.meta_app_id = int(match.group("app"))
        return True

    def _check_url(self, url, query, expected):
        """GET ``url?query`` as the platform's check: None if right, else why not."""
        separator = "&" if "?" in url else "?"
        try:
            with urllib.request.urlopen(
                f"{url}{separator}{urlencode(query)}", timeout=CHECK_TIMEOUT
            ) as response:
                status, body = response.status, response.read().decode(errors="replace")
        except urllib.error.HTTPError as error:
            return f"HTTP Status Code = {error.code}; HTTP Message = {error.reason}"
        except (urllib.error.URLError, OSError, ValueError) as error:
            return f"URL couldn't be reached: {getattr(error, 'reason', error)}"
        if status != 200:
            return f"HTTP Status Code = {status}"
        if not expected(body):
            return "the answer did not match the challenge"
        return None

    # ------------------------------------------------------------------
    # Consent pages (HTML, for the admin's browser)
    # ------------------------------------------------------------------

    def consent_page(self, method, path, query, body):
        """``(status, html, headers)`` for a consent page path, else None."""
        if path == X_AUTHORIZE_PATH:
            network = "x"
        elif META_DIALOG_RE.match(path):
            network = "meta"
        else:
            return None
        if method == "GET":
            params = {k: v[-1] for k, v in parse_qs(query).items()}
            return 200, self._render_consent(network, path, params), []
        form = {k: v[-1] for k, v in parse_qs(body.decode()).items()}
        return self._consent_decision(network, form)

    def _consent_problem(self, network, params):
        """Why this authorization request is refused (a sentence), or None."""
        expected = X_CLIENT_ID if network == "x" else META_APP_ID
        key = "OAuth 2.0 client ID" if network == "x" else "App ID"
        if params.get("client_id") != expected:
            return (
                f"Unknown {key} {params.get('client_id')!r}: copy the {key} shown "
                "on the simulator's page into the app in Odoo."
            )
        if not (params.get("redirect_uri") or "").startswith(("http://", "https://")):
            return "The request has no valid redirect_uri."
        if params.get("response_type") != "code":
            return "Only response_type=code is supported."
        if network == "x" and params.get("code_challenge_method") != "S256":
            return "X requires PKCE with code_challenge_method=S256."
        return None

    def _consent_decision(self, network, form):
        problem = self._consent_problem(network, form)
        if problem:
            return 400, self._render_page("Authorization refused", problem), []
        answer = {"state": form.get("state") or ""}
        if form.get("decision") == "authorize":
            code = secrets.token_urlsafe(24)
            with self.onboarding["lock"]:
                self.onboarding["codes"][code] = {
                    "network": network,
                    "redirect_uri": form["redirect_uri"],
                    "challenge": form.get("code_challenge"),
                }
            answer["code"] = code
        elif network == "x":
            answer["error"] = "access_denied"
        else:
            answer.update(
                error="access_denied",
                error_code="200",
                error_description="Permissions error",
                error_reason="user_denied",
            )
        redirect = form["redirect_uri"]
        separator = "&" if "?" in redirect else "?"
        self.version += 1
        return 303, "", [("Location", f"{redirect}{separator}{urlencode(answer)}")]

    def _render_consent(self, network, path, params):
        problem = self._consent_problem(network, params)
        if problem:
            return self._render_page("Authorization refused", problem)
        cfg = self.config
        if network == "x":
            title = f"Authorize Odoo to use @{cfg.x_handle}?"
            details = (
                f"Odoo will be able to read and send posts and direct messages "
                f"of @{cfg.x_handle} (scopes: {params.get('scope') or ''})."
            )
        else:
            title = f"Authorize Odoo to use {cfg.page_name} and @{cfg.ig_username}?"
            details = (
                f"Odoo will manage comments and messages of the Facebook Page "
                f"{cfg.page_name} and of its Instagram account @{cfg.ig_username} "
                f"(permissions: {params.get('scope') or ''})."
            )
        hidden = "".join(
            f"<input type='hidden' name='{html.escape(k)}' value='{html.escape(v)}'>"
            for k, v in params.items()
        )
        form = (
            f"<form method='post' action='{html.escape(path)}'>{hidden}"
            f"<p>{html.escape(details)}</p>"
            "<button name='decision' value='authorize' class='primary'>Authorize"
            "</button> <button name='decision' value='cancel'>Cancel</button></form>"
        )
        return self._render_page(title, form, escape=False)

    def _render_page(self, title, content, escape=True):
        from .core import LABEL

        content = html.escape(content) if escape else content
        return (
            "<!DOCTYPE html><html><head><meta charset='utf-8'>"
            f"<title>{html.escape(title)}</title><style>"
            "body{font-family:system-ui,sans-serif;background:#f4f4f6;margin:0}"
            "header{background:#7c2d12;color:#fff;padding:12px 20px}"
            "main{max-width:560px;margin:40px auto;background:#fff;padding:24px;"
            "border-radius:8px;box-shadow:0 1px 2px #0002}"
            "button{font-size:16px;padding:6px 16px}"
            ".primary{background:#1d4ed8;color:#fff;border:0;border-radius:4px}"
            "</style></head><body>"
            f"<header>{html.escape(LABEL)}: a stand-in for the platform's "
            "consent page, not the real one</header>"
            f"<main><h1>{html.escape(title)}</h1>{content}</main></body></html>"
        )

    # ------------------------------------------------------------------
    # X: token exchange, webhooks, Account Activity subscriptions
    # ------------------------------------------------------------------

    def x_onboarding_api(self, method, path, params, headers, data):
        """``(status, body)`` for the calls handled here, else None."""
        try:
            if path == "2/oauth2/token" and method == "POST":
                if data.get("grant_type") != "authorization_code":
                    return None  # refreshes: answered as before
                return 200, self._x_exchange_code(headers, data)
            if path == "2/webhooks" or path.startswith("2/webhooks/"):
                return self._x_webhooks(method, path, headers, data)
            match = re.fullmatch(
                r"2/account_activity/webhooks/([^/]+)/subscriptions/all", path
            )
            if match:
                return self._x_subscription(method, match.group(1), headers)
            if path == XAA_SUBSCRIPTIONS or path.startswith(XAA_SUBSCRIPTIONS + "/"):
                return self._x_activity(method, path, params, headers, data)
        except OnboardingError as error:
            return error.status, error.body
        return None

    def _x_exchange_code(self, headers, data):
        expected = (
            "Basic "
            + base64.b64encode(f"{X_CLIENT_ID}:{X_CLIENT_SECRET}".encode()).decode()
        )
        if headers.get("Authorization") != expected:
            raise OnboardingError(
                401,
                {
                    "error": "unauthorized_client",
                    "error_description": "Missing valid authorization header",
                },
            )
        with self.onboarding["lock"]:
            grant = self.onboarding["codes"].pop(data.get("code") or "", None)
        if (
            not grant
            or grant["network"] != "x"
            or grant["redirect_uri"] != data.get("redirect_uri")
            or grant["challenge"] != pkce_challenge(data.get("code_verifier") or "")
        ):
            raise OnboardingError(
                400,
                {
                    "error": "invalid_request",
                    "error_description": "Value passed for the authorization "
                    "code was invalid.",
                },
            )
        return {
            "token_type": "bearer",
            "expires_in": 7200,
            "access_token": f"simulator-x-access-{secrets.token_hex(8)}",
            "refresh_token": f"simulator-x-refresh-{secrets.token_hex(8)}",
            "scope": "tweet.read tweet.write users.read dm.read dm.write "
            "offline.access",
        }

    def _x_webhooks(self, method, path, headers, data):
        if headers.get("Authorization") != f"Bearer {X_BEARER_TOKEN}":
            raise _x_problem(
                401, "Unauthorized: use the app bearer token.", "Unauthorized"
            )
        webhooks = self.onboarding["x_webhooks"]
        if path == "2/webhooks" and method == "GET":
            return 200, {"data": webhooks, "meta": {"result_count": len(webhooks)}}
        if path == "2/webhooks" and method == "POST":
            url = data.get("url") or ""
            if any(hook["url"] == url for hook in webhooks):
                raise _x_problem(400, "DuplicateUrlFailed: this URL is registered.")
            if webhooks:
                raise _x_problem(
                    403,
                    "TooManyWebhooks: this app has its webhook already "
                    "(1 per app on self-serve plans).",
                    "Forbidden",
                )
            self._x_crc(url)
            webhook = {
                "id": str(int(secrets.token_hex(7), 16)),
                "url": url,
                "valid": True,
                "created_at": _now_iso(),
            }
            with self.onboarding["lock"]:
                webhooks.append(webhook)
                self._learn_target("x", url)
                self._onboarding_save()
            return 200, {"data": webhook}
        webhook_id = path.split("/", 2)[2]
        webhook = next((hook for hook in webhooks if hook["id"] == webhook_id), None)
        if webhook is None:
            raise _x_problem(404, f"Webhook {webhook_id} not found.", "Not Found Error")
        if method == "PUT":
            self._x_crc(webhook["url"])
            webhook["valid"] = True
            self._onboarding_save()
            return 200, {"data": {"valid": True}}
        if method == "DELETE":
            webhooks.remove(webhook)
            self._onboarding_save()
            return 200, {"data": {"deleted": True}}
        raise _x_problem(405, f"{method} is not allowed here.")

    def _x_crc(self, url):
        token = secrets.token_urlsafe(24)
        expected = addon_tools.x_webhook.crc_response(self.config.x_secret, token)

        def right(body):
            try:
                return json.loads(body) == expected
            except ValueError:
                return False

        problem = self._check_url(url, {"crc_token": token}, right)
        if problem:
            raise _x_problem(400, f"CRC validation failed: {problem}")

    def _x_subscription(self, method, webhook_id, headers):
        if not (headers.get("Authorization") or "").strip():
            raise _x_problem(401, "Unauthorized", "Unauthorized")
        if not any(hook["id"] == webhook_id for hook in self.onboarding["x_webhooks"]):
            raise _x_problem(404, f"Webhook {webhook_id} not found.", "Not Found Error")
        if method == "POST":
            self.onboarding["x_subscribed"] = True
            self._onboarding_save()
        return 200, {"data": {"subscribed": bool(self.onboarding["x_subscribed"])}}

    # --- X Activity API subscriptions ---

    def _x_activity(self, method, path, params, headers, data):
        auth = (headers.get("Authorization") or "").strip()
        if not auth:
            raise _x_problem(401, "Unauthorized", "Unauthorized")
        app_only = auth == f"Bearer {X_BEARER_TOKEN}"
        subscriptions = self.onboarding["x_activity"]
        if path == XAA_SUBSCRIPTIONS and method == "POST":
            return 200, self._x_activity_create(data, app_only)
        if path == XAA_SUBSCRIPTIONS and method == "GET":
            return 200, self._x_activity_list(params)
        subscription_id = path[len(XAA_SUBSCRIPTIONS) + 1 :]
        if method != "DELETE" or not subscription_id:
            raise _x_problem(405, f"{method} is not allowed here.")
        if not app_only:
            raise _x_problem(
                403, "Deleting a subscription needs the app bearer token.", "Forbidden"
            )
        with self.onboarding["lock"]:
            found = next(
                (s for s in subscriptions if s["subscription_id"] == subscription_id),
                None,
            )
            if found is None:
                raise _x_problem(
                    404, f"Subscription {subscription_id} not found.", "Not Found Error"
                )
            subscriptions.remove(found)
            self._onboarding_save()
        return 200, {
            "data": {"deleted": True},
            "meta": {"total_subscriptions": len(subscriptions)},
        }

    def _x_activity_create(self, data, app_only):
        event_type = data.get("event_type")
        user_id = str((data.get("filter") or {}).get("user_id") or "")
        webhook_id = data.get("webhook_id")
        if event_type not in XAA_EVENT_TYPES:
            raise _x_problem(400, f"Invalid event_type: {event_type!r}.")
        if not user_id.isdigit():
            raise _x_problem(400, "filter.user_id is required for this event type.")
        private = event_type.startswith(XAA_PRIVATE_PREFIXES) or (
            event_type in XAA_PRIVATE_POSTS
        )
        if private and (app_only or user_id != self.config.x_user_id):
            raise _x_problem(
                403,
                f"{event_type} is a private event: create it with the token of "
                "the user who authorized the app.",
                "Forbidden",
            )
        if webhook_id and not any(
            hook["id"] == webhook_id for hook in self.onboarding["x_webhooks"]
        ):
            raise _x_problem(400, f"Webhook {webhook_id} not found.")
        subscriptions = self.onboarding["x_activity"]
        with self.onboarding["lock"]:
            # X does not document a duplicate: the simulator refuses one, so
            # tests see a connector that subscribes twice.
            if any(
                s["event_type"] == event_type
                and s["filter"].get("user_id") == user_id
                and s.get("webhook_id") == webhook_id
                for s in subscriptions
            ):
                raise _x_problem(409, "DuplicateSubscription", "Conflict")
            if len(subscriptions) >= XAA_SELF_SERVE_LIMIT:
                raise _x_problem(
                    403,
                    f"TooManySubscriptions: {XAA_SELF_SERVE_LIMIT} on self-serve.",
                    "Forbidden",
                )
            now = _now_iso()
            subscription = {
                "subscription_id": str(int(secrets.token_hex(7), 16)),
                "event_type": event_type,
                "filter": {"user_id": user_id},
                "created_at": now,
                "updated_at": now,
            }
            if data.get("tag"):
                subscription["tag"] = str(data["tag"])[:200]
            if webhook_id:
                subscription["webhook_id"] = webhook_id
            subscriptions.append(subscription)
            self.onboarding["x_activity_mode"] = True  # X events now come as XAA
            self._onboarding_save()
        # The API reference's shape (data.subscription); the quickstart shows
        # data itself, which the connector reads too.
        return {
            "data": {"subscription": dict(subscription)},
            "meta": {"total_subscriptions": len(subscriptions)},
        }

    def _x_activity_list(self, params):
        subscriptions = self.onboarding["x_activity"]
        try:
            size = min(max(int(params.get("max_results") or 100), 1), 1000)
            start = int(params.get("pagination_token") or "0", 16)
        except ValueError as error:
            raise _x_problem(400, "Invalid max_results or pagination_token.") from error
        page = subscriptions[start : start + size]
        meta = {"total_subscriptions": len(subscriptions)}
        if start + size < len(subscriptions):
            meta["next_token"] = f"{start + size:016x}"
        return {"data": [dict(s) for s in page], "meta": meta}

    def x_activity_subscribed(self, event_type, user_id):
        """The subscription that has X deliver ``event_type`` of ``user_id`` to
        a registered webhook, or None."""
        hooks = {hook["id"] for hook in self.onboarding["x_webhooks"]}
        return next(
            (
                s
                for s in self.onboarding["x_activity"]
                if s["event_type"] == event_type
                and s["filter"].get("user_id") == user_id
                and s.get("webhook_id") in hooks
            ),
            None,
        )

    # ------------------------------------------------------------------
    # Meta: Facebook Login tokens, Pages, app subscriptions
    # ------------------------------------------------------------------

    def meta_onboarding_api(self, method, parts, args):
        """``(status, body)`` for the Graph calls handled here, else None."""
        cfg = self.config
        node, edge = (parts[0] if parts else ""), "/".join(parts[1:])
        try:
            # Meta documents a GET; the OAuth 2.0 POST keeps the secret out of URLs.
            if (node, edge) == ("oauth", "access_token") and method in ("GET", "POST"):
                return 200, self._meta_token(args)
            if (node, edge, method) == ("me", "accounts", "GET"):
                self._meta_require_token(args)
                return 200, self._meta_pages()
            if node == cfg.page_id and edge == "subscribed_apps" and method == "POST":
                self._meta_require_token(args)
                self.onboarding["meta_page_fields"] = (
                    args.get("subscribed_fields") or ""
                ).split(",")
                self._onboarding_save()
                return 200, {"success": True}
            if node == META_APP_ID and edge == "subscriptions" and method == "POST":
                return 200, self._meta_app_subscription(args)
        except OnboardingError as error:
            return error.status, error.body
        return None

    def _meta_require_token(self, args):
        if not args.get("access_token"):
            raise _graph_problem(
                "An active access token must be used to query information about "
                "the current user.",
                code=2500,
            )

    def _meta_token(self, args):
        if args.get("client_id") != META_APP_ID or (
            args.get("client_secret") != self.config.meta_secret
        ):
            raise _graph_problem(
                "Error validating client secret.", code=1, kind="OAuthException"
            )
        if args.get("grant_type") == "fb_exchange_token":
            if not (args.get("fb_exchange_token") or "").startswith("simulator-meta"):
                raise _graph_problem("Invalid OAuth access token.", code=190)
            token = f"simulator-meta-user-long-{secrets.token_hex(8)}"
            return {
                "access_token": token,
                "token_type": "bearer",
                "expires_in": 5183944,
            }
        with self.onboarding["lock"]:
            grant = self.onboarding["codes"].pop(args.get("code") or "", None)
        if (
            not grant
            or grant["network"] != "meta"
            or grant["redirect_uri"] != args.get("redirect_uri")
        ):
            raise _graph_problem(
                "Invalid verification code format.", code=100, kind="OAuthException"
            )
        return _user_token(f"simulator-meta-user-{secrets.token_hex(8)}")

    def _meta_pages(self):
        cfg = self.config
        return {
            "data": [
                {
                    "id": cfg.page_id,
                    "name": cfg.page_name,
                    "category": "Bicycle shop",
                    "access_token": f"simulator-meta-page-{secrets.token_hex(8)}",
                    "tasks": [
                        "ADVERTISE",
                        "ANALYZE",
                        "CREATE_CONTENT",
                        "MESSAGING",
                        "MODERATE",
                        "MANAGE",
                    ],
                    "instagram_business_account": {
                        "id": cfg.ig_id,
                        "username": cfg.ig_username,
                    },
                }
            ],
            "paging": {"cursors": {"before": "QVFI", "after": "QVFI"}},
        }

    def _meta_app_subscription(self, args):
        if args.get("access_token") != f"{META_APP_ID}|{self.config.meta_secret}":
            raise _graph_problem(
                "Invalid OAuth access token: use the app access token "
                "(App ID|App secret).",
                code=190,
            )
        obj = args.get("object")
        if obj not in ("page", "instagram", "user", "permissions"):
            raise _graph_problem(f"(#100) Invalid object: {obj}")
        url = args.get("callback_url") or ""
        token = args.get("verify_token") or ""
        challenge = str(secrets.randbelow(10**9))
        problem = self._check_url(
            url,
            {
                "hub.mode": "subscribe",
                "hub.challenge": challenge,
                "hub.verify_token": token,
            },
            lambda body: body.strip() == challenge,
        )
        if problem:
            raise _graph_problem(
                "(#2200) callback verification failed with the following errors: "
                f"{problem}",
                code=2200,
                kind="GraphMethodException",
            )
        with self.onboarding["lock"]:
            self.onboarding["meta_subscriptions"][obj] = {
                "callback_url": url,
                "fields": (args.get("fields") or "").split(","),
                "active": True,
            }
            self._learn_target("meta", url)
            self._onboarding_save()
        return {"success": True}


def _user_token(token):
    """A Facebook Login user token answer (about 60 days, as Meta's)."""
    return {"access_token": token, "token_type": "bearer", "expires_in": 5183944}


def _now_iso():
    from .core import _iso, _now

    return _iso(_now())


def render_portal(simulator):
    """The page's "developer portal" box: the keys and what Odoo registered."""
    state = simulator.onboarding
    rows = []
    for network, title in (("x", "X app"), ("meta", "Meta app")):
        keys = "".join(
            f"<tr><td>{html.escape(label)}</td><td><code>{html.escape(value)}</code>"
            "</td></tr>"
            for label, value in simulator.credentials()[network].items()
        )
        rows.append(f"<h3>{title}</h3><table class='keys'>{keys}</table>")
    webhooks = state["x_webhooks"]
    x_hook = (
        f"registered: {html.escape(webhooks[0]['url'])}"
        + (" · account subscribed" if state["x_subscribed"] else "")
        + (
            f" · X Activity subscriptions: {len(state['x_activity'])}"
            if state["x_activity_mode"]
            else ""
        )
        if webhooks
        else "not registered yet (Odoo: Register webhook on the X app)"
    )
    meta = state["meta_subscriptions"]
    meta_hook = (
        "subscribed ("
        + ", ".join(sorted(meta))
        + f"): {html.escape(next(iter(meta.values()))['callback_url'])}"
        if meta
        else "not registered yet (Odoo: Register webhook on the Meta app)"
    )
    return (
        "<div class='portal'><h2>Developer portal (simulated)</h2>"
        "<p class='meta'>Copy these into a new app in Odoo (Helpdesk › Social "
        "Care › Apps). They are fake: nothing leaves this machine.</p>"
        f"{''.join(rows)}<p class='meta'>X webhook: {x_hook}<br>"
        f"Meta webhook: {meta_hook}</p></div>"
    )
