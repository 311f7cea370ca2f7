"""X Activity API (XAA) subscriptions of an X account.

X documents the subscription endpoints in its API reference and quickstart
(https://docs.x.com/x-api/activity/quickstart , "Subscription management";
the OpenAPI of https://github.com/xdevplatform/docs , openapi.json,
operations createActivitySubscription, getActivitySubscriptions and
deleteActivitySubscription, as of 2026-08-22):

- ``POST /2/activity/subscriptions`` ``{"event_type", "filter": {"user_id"},
  "tag"?, "webhook_id"?}``: private events (DMs, mentions, replies) need the
  user's own token, so this call signs as the account;
- ``GET /2/activity/subscriptions?max_results=&pagination_token=`` lists every
  subscription of the app (``data`` items: ``subscription_id``,
  ``event_type``, ``filter``, ``created_at``, ``updated_at``, ``tag``,
  ``webhook_id``); ``DELETE /2/activity/subscriptions/:id`` answers
  ``{"data": {"deleted": true}}``. Both take the app bearer token.

Without ``webhook_id`` X delivers only to the app's stream, never to Odoo.
"""

import logging

import requests
import tweepy

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

from odoo.addons.social_care.tools import SendError

from .social_care_account import XSession, _moment

_logger = logging.getLogger(__name__)

SUBSCRIPTIONS_ROUTE = "/2/activity/subscriptions"
# What makes tickets: mentions, direct replies to the account's posts, and
# direct messages both ways (our own, sent from X's app, join their ticket).
XAA_EVENT_TYPES = ("post.mention.create", "post.reply.create", "dm.received", "dm.sent")
XAA_TAG = "social-care"
LIST_PAGE_SIZE = 1000  # the most X lists per page
MAX_LIST_PAGES = 75  # 75,000 subscriptions: the Enterprise limit


class SocialCareAccountXaa(models.Model):
    _inherit = "social.care.account"  # pylint: disable=consider-merging-classes-inherited

    twitter_webhook_api = fields.Selection(related="app_id.twitter_webhook_api")
    twitter_subscription_ids = fields.One2many(
        "social.care.twitter.subscription",
        "account_id",
        "X Activity subscriptions",
        readonly=True,
    )

    # ------------------------------------------------------------------
    # Actions (administrators only: rights are checked before any call)
    # ------------------------------------------------------------------

    def _twitter_xaa_check_rights(self):
        """Only administrators manage subscriptions, and only of accounts they
        may edit: checked before X is called, so nobody else makes X bill."""
        if not self.env.su and not self.env.user.has_group("base.group_system"):
            raise AccessError(
                _("Only administrators manage the X Activity subscriptions.")
            )
        self.check_access("write")

    def action_twitter_xaa_subscribe(self):
        """Subscribe the account to the X Activity events that make tickets."""
        self._twitter_xaa_check_rights()
        self.ensure_one()
        problem = self._twitter_xaa_problem()
        if problem:
            raise UserError(problem)
        try:
            created = self._twitter_xaa_subscribe()
        except SendError as error:
            return self._social_notify(
                _(
                    "X did not subscribe the account: %(reason)s",
                    reason=error.message,
                ),
                "danger",
            )
        return self._social_notify(
            _(
                "@%(handle)s is subscribed to %(events)s (%(count)s new): its "
                "messages now reach Odoo within seconds.",
                handle=self.handle,
                events=", ".join(XAA_EVENT_TYPES),
                count=created,
            ),
            "success",
        )

    def action_twitter_xaa_refresh(self):
        """Read the account's subscriptions from X again."""
        self._twitter_xaa_check_rights()
        self.ensure_one()
        problem = self._twitter_xaa_problem(for_create=False)
        if problem:
            raise UserError(problem)
        try:
            self._twitter_xaa_sync()
        except SendError as error:
            return self._social_notify(
                _("X did not list the subscriptions: %(reason)s", reason=error.message),
                "danger",
            )
        return True

    # ------------------------------------------------------------------
    # AAA or XAA: the app decides
    # ------------------------------------------------------------------

    def _twitter_subscribe_webhook(self):
        """Apps on the X Activity API subscribe per event type instead."""
        if self.app_id.twitter_webhook_api != "activity":
            return super()._twitter_subscribe_webhook()
        problem = self._twitter_xaa_problem()
        if problem:
            raise SendError("permanent", problem)
        self._twitter_xaa_subscribe()

    def write(self, vals):
        """An archived or disabled account leaves X: its subscriptions go.

        After the write, so that only who may write the account gets here.
        """
        leaving = self.browse()
        if ("active" in vals and not vals["active"]) or vals.get("state") == "disabled":
            leaving = self.filtered("twitter_subscription_ids")
        result = super().write(vals)
        for account in leaving:
            account._twitter_xaa_unsubscribe_or_note()
        return result

    @api.ondelete(at_uninstall=False)
    def _unlink_twitter_xaa_subscriptions(self):
        """A deleted account leaves X too (after Odoo checked the unlink right)."""
        for account in self.filtered("twitter_subscription_ids"):
            problems = account._twitter_xaa_unsubscribe()
            if problems:
                _logger.warning(
                    "X account %s deleted; X kept its XAA subscriptions %s: %s",
                    account.id,
                    account.sudo().twitter_subscription_ids.mapped("subscription_ref"),
                    "; ".join(problems),
                )

    # ------------------------------------------------------------------
    # Calls to X
    # ------------------------------------------------------------------

    def _twitter_xaa_problem(self, for_create=True):
        """Why the account cannot manage XAA subscriptions now (a sentence), or None."""
        app = self.app_id.sudo()
        if not app.twitter_bearer_token:
            return _(
                "Enter the app bearer token first: X lists and deletes the "
                "subscriptions with it."
            )
        if for_create and not app.twitter_webhook_id:
            return _("Register the webhook on the app first (button Register webhook).")
        if for_create and (self.state != "connected" or not self.external_ref):
            return _("Connect the account to X first.")
        return None

    def _twitter_app_request(self, endpoint, method, route, **kwargs):
        """A call with the app bearer token, counted and mapped by _twitter_call."""
        app = self.app_id.sudo()
        client = tweepy.Client(
            bearer_token=app.twitter_bearer_token,
            return_type=requests.Response,
            wait_on_rate_limit=False,
        )
        client.session = XSession(app.api_base_url)
        return self._twitter_call(
            endpoint,
            lambda _client, _oauth1: client.request(method, route, **kwargs),
            refresh=False,
        )

    def _twitter_xaa_list(self):
        """Every XAA subscription of the app, as X lists them (all pages)."""
        items, token = [], None
        for _page in range(MAX_LIST_PAGES):
            params = {"max_results": LIST_PAGE_SIZE}
            if token:
                params["pagination_token"] = token
            page = self._twitter_app_request(
                "GET /2/activity/subscriptions",
                "GET",
                SUBSCRIPTIONS_ROUTE,
                params=params,
            )
            items += [item for item in page.get("data") or [] if isinstance(item, dict)]
            token = (page.get("meta") or {}).get("next_token")
            if not token:
                break
        return items

    @api.model
    def _twitter_xaa_values(self, item):
        """A subscription line's values from one of X's subscription objects."""
        return {
            "subscription_ref": str(item["subscription_id"]),
            "event_type": item.get("event_type") or "?",
            "filter_user_id": (item.get("filter") or {}).get("user_id") or False,
            "webhook_ref": item.get("webhook_id") or False,
            "tag": item.get("tag") or False,
            "x_created_at": _created_at(item.get("created_at")),
            "state": "active",
        }

    def _twitter_xaa_sync(self):
        """Mirror X's list: the account's subscriptions (filter ``user_id``)."""
        self.ensure_one()
        mine = [
            item
            for item in self._twitter_xaa_list()
            if item.get("subscription_id")
            and str((item.get("filter") or {}).get("user_id")) == self.external_ref
        ]
        self._twitter_xaa_store(mine, complete=True)

    def _twitter_xaa_store(self, items, complete=False):
        """Create or update the lines of ``items``; with ``complete``, the
        lines X did not list are marked so."""
        lines = self.sudo().twitter_subscription_ids
        by_ref = {line.subscription_ref: line for line in lines}
        new = []
        for item in items:
            values = self._twitter_xaa_values(item)
            line = by_ref.pop(values["subscription_ref"], None)
            if line:
                line.write(values)
            else:
                new.append(dict(values, account_id=self.id))
        if new:
            lines.create(new)
        if complete:
            lines.browse([line.id for line in by_ref.values()]).write(
                {"state": "missing"}
            )

    def _twitter_xaa_subscribe(self):
        """Create the subscriptions the account lacks; returns how many."""
        self.ensure_one()
        self._twitter_xaa_sync()
        webhook = self.app_id.twitter_webhook_id
        active = self.sudo().twitter_subscription_ids.filtered(
            lambda line: line.state == "active" and line.webhook_ref == webhook
        )
        missing = [t for t in XAA_EVENT_TYPES if t not in active.mapped("event_type")]
        for event_type in missing:
            body = {
                "event_type": event_type,
                "filter": {"user_id": self.external_ref},
                "tag": XAA_TAG,
                "webhook_id": webhook,
            }
            answer = self._twitter_call(
                "POST /2/activity/subscriptions",
                lambda client, oauth1, body=body: client.request(
                    "POST", SUBSCRIPTIONS_ROUTE, json=body, user_auth=oauth1
                ),
            )
            item = self._twitter_xaa_created(answer)
            if not item:
                raise SendError(
                    "permanent",
                    _("X answered without the subscription's id: refresh the list."),
                )
            self._twitter_xaa_store([item])
        self.sudo().twitter_subscription_ids.filtered(
            lambda line: line.state == "missing" and line.event_type in XAA_EVENT_TYPES
        ).unlink()
        self.twitter_webhook_subscribed = True
        return len(missing)

    @staticmethod
    def _twitter_xaa_created(answer):
        """The new subscription of a create answer.

        The API reference has ``data.subscription``; the quickstart shows
        ``data`` itself, or a list of one: all three are read.
        """
        data = answer.get("data")
        if isinstance(data, list):
            data = data[0] if data else {}
        if not isinstance(data, dict):
            return None
        item = data.get("subscription") if "subscription" in data else data
        if not isinstance(item, dict) or not item.get("subscription_id"):
            return None
        return item

    def _twitter_xaa_delete(self, line):
        """Delete one subscription on X, then its line."""
        self.ensure_one()
        if line.state == "active":
            answer = self._twitter_app_request(
                "DELETE /2/activity/subscriptions/:id",
                "DELETE",
                f"{SUBSCRIPTIONS_ROUTE}/{line.subscription_ref}",
            )
            if not (answer.get("data") or {}).get("deleted"):
                raise SendError("permanent", _("X did not confirm the deletion."))
        line.sudo().unlink()
        if not self.sudo().twitter_subscription_ids.filtered(
            lambda rest: rest.state == "active"
        ):
            self.twitter_webhook_subscribed = False

    def _twitter_xaa_unsubscribe(self):
        """Delete every subscription of the account; what X refused, in words."""
        if not self.sudo().app_id.twitter_bearer_token:
            return [self._twitter_xaa_problem(for_create=False)]
        problems = []
        for line in self.sudo().twitter_subscription_ids:
            try:
                self._twitter_xaa_delete(line)
            except SendError as error:
                problems.append(f"{line.event_type}: {error.message}")
        return problems

    def _twitter_xaa_unsubscribe_or_note(self):
        """Unsubscribe; say in the chatter what X refused (never fails: the
        archive or disable stands)."""
        problems = self._twitter_xaa_unsubscribe()
        if problems:
            self.message_post(
                body=_(
                    "X did not delete the account's X Activity subscriptions "
                    "(%(problems)s): X may still deliver and bill its events; "
                    "delete them on the X tab.",
                    problems="; ".join(problems),
                )
            )


def _created_at(value):
    """X's ISO date as a naive UTC datetime; False when X sent none or garbage."""
    try:
        return _moment(value) if isinstance(value, str) else False
    except ValueError:
        return False
