import hashlib
import hmac
import json
import logging
import time
from datetime import datetime, timezone

import facebook
import requests

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from odoo.addons.social_care.tools import (
    Author,
    ParsedDelivery,
    PayloadError,
    SendError,
    SendResult,
    request_never_sent,
)

from ..tools import (
    check_length,
    classify_error,
    graph_path,
    is_graph_id,
    is_graph_path,
    messaging_window,
    parse_event,
    parse_usage_headers,
    private_reply_allowed,
    private_reply_thread_key,
    split_ig_media,
)
from ..tools.meta_limits import HUMAN_AGENT_WINDOW, PRIVATE_REPLY_WINDOW, TEXT_LIMITS
from .social_care_app import (
    INSTAGRAM_PERMISSIONS,
    PAGE_PERMISSIONS,
    PAGE_WEBHOOK_FIELDS,
    RATINGS_FIELD,
)

_logger = logging.getLogger(__name__)

GRAPH_TIMEOUT = 20  # seconds
# Above this usage percentage (X-App-Usage, X-Business-Use-Case-Usage), calls
# pause until Meta's estimate of regained access, before Meta blocks them.
USAGE_BACKOFF_PERCENT = 90
MEDIA_HOSTS = ("fbcdn.net", "fbsbx.com", "cdninstagram.com")
DM_CHANNELS = ("messenger", "instagram_dm")
# Signals of the Meta parser handled here; the base handles the others.
META_SIGNALS = ("restricted", "hidden", "unhidden")
# Recommendations are answered by a comment on their story, never privately.
RECOMMENDATION_KINDS = ("recommendation", "negative_recommendation")
COMMENT_CHANNELS = ("facebook_comment", "instagram_comment")
COMMENT_FIELDS = "id,message,from,created_time,parent{id},permalink_url,attachment"
MESSAGE_FIELDS = "id,message,from,to,created_time,attachments"
POLL_POSTS = 10
# The post's author and text: the origin post of its comments, for the reports;
# a visitor post's, its own message.
POLL_POST_FIELDS = "id,permalink_url,created_time,updated_time,message,from"
POLL_CONVERSATIONS = 10
# Instagram media have no update time: the poll reads the newest media with
# their newest comments and replies, and keeps the threads active in the window.
POLL_IG_MEDIA_FIELDS = (
    "id,caption,permalink,timestamp,media_product_type,comments_count,"
    "comments.limit(50){id,text,timestamp,username,from,parent_id,"
    "replies{id,text,timestamp,username,from,parent_id}}"
)
POLL_FIRST_LOOKBACK = 24 * 3600  # seconds looked back by an account's first poll
POLL_OVERLAP = 600  # seconds; the database drops what two polls both see
# Meta's kinds the pipeline acts on as such; the others (permission, window
# closed, user unavailable, duplicate, invalid, policy) cannot be retried.
PIPELINE_KINDS = ("rate_limited", "transient", "auth")


class MetaSendError(SendError):
    """A SendError that remembers Meta's own kind (window_closed, permission...)."""

    def __init__(self, meta_error, retry_at=None):
        kind = meta_error.kind if meta_error.kind in PIPELINE_KINDS else "permanent"
        super().__init__(kind, meta_error.message, retry_at)
        self.meta_kind = meta_error.kind
        self.code = meta_error.code


class GraphSession(requests.Session):
    """The HTTP session under facebook-sdk: the token in a header, optional base URL.

    facebook-sdk would put the access token in the URL's query, which proxies,
    HTTP libraries' debug logs and connection errors print. Graph reads it from
    ``Authorization: Bearer`` as well, so the session sends it there.
    """

    def __init__(self, base_url=None, token=None):
        super().__init__()
        self.base_url = (base_url or "").rstrip("/")
        if token:
            self.headers["Authorization"] = f"Bearer {token}"

    def request(self, method, url, *args, **kwargs):
        if self.base_url and url.startswith(facebook.FACEBOOK_GRAPH_URL):
            url = f"{self.base_url}/{url[len(facebook.FACEBOOK_GRAPH_URL) :]}"
        return super().request(method, url, *args, **kwargs)


def _naive_utc(epoch):
    return datetime.fromtimestamp(epoch, timezone.utc).replace(tzinfo=None)


def _digest(*parts):
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:32]


class SocialCareAccount(models.Model):
    _inherit = "social.care.account"

    meta_surface = fields.Selection(
        [
            ("facebook", "Facebook Page"),
            ("instagram", "Instagram professional account"),
        ],
        "Surface",
        default="facebook",
        help="A Facebook Page (comments, visitor posts, Messenger) or the "
        "Instagram account linked to a Page (comments, mentions, direct messages).",
    )
    meta_page_account_id = fields.Many2one(
        "social.care.account",
        "Facebook Page",
        ondelete="cascade",
        domain="[('provider', '=', 'meta'), ('meta_surface', '=', 'facebook')]",
        help="Instagram accounts are reached through the Page they are linked to.",
    )
    meta_backoff_until = fields.Datetime(
        "Graph calls paused until",
        readonly=True,
        copy=False,
        help="Meta's usage headers neared the rate limit: calls wait until then.",
    )
    meta_backfill_days = fields.Integer(
        "Meta backfill (days)",
        default=7,
        help="How far back to fetch comments and conversations when backfilling.",
    )
    meta_backfill_state = fields.Selection(
        [("none", "Not requested"), ("running", "Running"), ("done", "Done")],
        default="none",
        required=True,
        readonly=True,
        copy=False,
    )
    meta_backfill_progress = fields.Char(readonly=True, copy=False)

    # ------------------------------------------------------------------
    # The one door to the Graph API
    # ------------------------------------------------------------------

    @api.model
    def _meta_graph(self, app, session=None):
        """facebook-sdk's client on the app's version (its constructor refuses >3.1).

        It holds no token: the session sends it in a header (see GraphSession).
        """
        graph = facebook.GraphAPI(timeout=GRAPH_TIMEOUT, session=session)
        graph.version = app._meta_version()
        return graph

    @api.model
    def _meta_path(self, node, edge=None):
        """The Graph path of ``node`` (an id from Meta or a record), then ``edge``.

        An id of another shape would reach another node or edge (the Page's
        token on ``<page>/subscribed_apps``): refused before any call.
        """
        try:
            return graph_path(node, edge)
        except ValueError:
            raise SendError(
                "permanent",
                _("Facebook gave an id Odoo does not expect: nothing was sent."),
            ) from None

    def _meta_request(
        self, method, path, params=None, app=None, token=None, files=None
    ):
        """Call the Graph API; every call of the connector goes through here.

        Uses the account's token (``token`` for the connect flow, False for
        none), sent in the Authorization header, adds ``appsecret_proof``,
        records the usage headers to back off before Meta blocks us, and raises
        MetaSendError for Graph errors. A network failure is raised without its
        cause: requests' message holds the URL, and a traceback would print it.
        """
        if not is_graph_path(path):
            # An id of another shape would reach another node or edge.
            raise SendError(
                "permanent",
                _("Facebook gave an id Odoo does not expect: nothing was sent."),
            )
        app = app or self.app_id
        if token is None:
            self.ensure_one()
            token = self.sudo().access_token
            if not token:
                raise SendError(
                    "auth", _("This account has no access token: connect it again.")
                )
            self._meta_check_backoff()
        params = dict(params or {})
        secret = app.sudo().client_secret
        if token and secret:
            params["appsecret_proof"] = hmac.new(
                secret.encode(), token.encode(), hashlib.sha256
            ).hexdigest()
        responses = []
        session = GraphSession(app.api_base_url, token)
        session.hooks["response"].append(
            lambda response, *args, **kwargs: responses.append(response)
        )
        graph = self._meta_graph(app, session)
        url = f"{graph.version}/{path}"
        try:
            with session:
                if method == "POST":
                    return graph.request(url, post_args=params, files=files)
                return graph.request(url, args=params, method=method)
        except facebook.GraphAPIError as error:
            raise self._meta_error(responses, error.result) from error
        except requests.RequestException as error:
            if method == "POST" and not request_never_sent(error):
                raise SendError(
                    "uncertain",
                    _(
                        "Facebook received the request but did not answer (%s).",
                        type(error).__name__,
                    ),
                ) from None
            raise self._meta_error(responses, None) from None
        finally:
            if responses and self:
                self._meta_record_usage(responses[-1].headers)

    def _meta_error(self, responses, body):
        last = responses[-1] if responses else None
        meta_error = classify_error(
            last.status_code if last is not None else None,
            body if isinstance(body, dict) else {},
            last.headers if last is not None else {},
            time.time(),
        )
        retry_at = _naive_utc(meta_error.retry_at) if meta_error.retry_at else None
        if retry_at and self:
            self.sudo().meta_backoff_until = retry_at
        return MetaSendError(meta_error, retry_at)

    def _meta_record_usage(self, headers):
        usage = parse_usage_headers(headers)
        if usage >= USAGE_BACKOFF_PERCENT:
            # As if limited: the wait Meta estimates, or the default pause.
            retry_at = classify_error(429, {}, headers, time.time()).retry_at
            _logger.info(
                "Meta usage of account %s at %s%%: pausing calls", self.id, usage
            )
            self.sudo().meta_backoff_until = _naive_utc(retry_at)

    def _meta_check_backoff(self):
        until = self.sudo().meta_backoff_until
        if until and until > fields.Datetime.now():
            raise SendError(
                "rate_limited",
                _(
                    "Meta's rate limit is nearly reached: calls resume after "
                    "%(time)s UTC.",
                    time=fields.Datetime.to_string(until),
                ),
                until,
            )

    def _meta_page(self):
        """The Page account whose id and token reach this account's surface."""
        self.ensure_one()
        if self.meta_surface != "instagram":
            return self
        if not self.meta_page_account_id:
            raise SendError(
                "permanent",
                _("This Instagram account is not linked to a Facebook Page."),
            )
        return self.meta_page_account_id

    # ------------------------------------------------------------------
    # Inbound
    # ------------------------------------------------------------------

    def _social_parse_event(self, event):
        if self.provider != "meta":
            return super()._social_parse_event(event)
        parsed = parse_event(event.event_type, event.payload, self.external_ref)
        profiles = {}
        for message in parsed.messages:
            if message.action != "create" or message.from_account:
                continue
            if message.kind == "mention" and message.author is None:
                self._meta_enrich_mention(message, event.payload)
            elif message.channel in DM_CHANNELS and message.author:
                author = message.author
                if not (author.name or author.handle):
                    if author.external_id not in profiles:
                        profiles[author.external_id] = self._meta_profile(
                            message.channel, author.external_id
                        )
                    message.author = profiles[author.external_id] or author
        return parsed

    def _meta_profile(self, channel, user_id):
        """Name and picture of a DM author, fetched once: known people cost no call."""
        known = self.env["social.care.identity"].search_count(
            [
                ("provider", "=", "meta"),
                ("scope", "=", self.external_ref),
                ("external_id", "=", user_id),
                "|",
                ("name", "!=", False),
                ("handle", "!=", False),
            ],
            limit=1,
        )
        if known:
            return None
        fields_ = (
            "name,username,profile_pic"
            if channel == "instagram_dm"
            else "first_name,last_name,profile_pic"
        )
        try:
            data = self._social_once(
                "meta_profile",
                user_id,
                lambda: self._meta_request(
                    "GET", self._meta_path(user_id), {"fields": fields_}
                ),
            )
        except SendError as error:
            # A profile is a nicety: the message is ingested without it.
            _logger.info("Meta profile %s not fetched: %s", user_id, error.message)
            return None
        username = data.get("username") or ""
        name = data.get("name") or " ".join(
            part for part in (data.get("first_name"), data.get("last_name")) if part
        )
        return Author(
            external_id=user_id,
            name=name,
            handle=username,
            avatar_url=data.get("profile_pic") or "",
            profile_url=f"https://www.instagram.com/{username}" if username else "",
        )

    def _meta_enrich_mention(self, message, payload):
        """Mentions arrive as ids only: fetch the text, author and link."""
        value = (payload.get("change") or {}).get("value") or {}
        comment_id = value.get("comment_id")
        target = comment_id or value.get("media_id")
        if comment_id:
            edge = "mentioned_comment"
            query = (
                f"{edge}.comment_id({comment_id})"
                "{id,text,timestamp,username,media{id,permalink}}"
            )
        else:
            edge = "mentioned_media"
            query = (
                f"{edge}.media_id({value.get('media_id')})"
                "{id,caption,timestamp,username,permalink}"
            )
        try:
            if not is_graph_id(target):  # it goes into the fields expansion
                raise SendError(
                    "permanent",
                    _("Facebook gave an id Odoo does not expect: nothing was sent."),
                )
            data = self._social_once(
                "meta_mention",
                query,
                lambda: self._meta_request(
                    "GET", self._meta_path(self.external_ref), {"fields": query}
                ),
            )
        except SendError as error:
            if error.retryable:
                raise  # the event is retried later with backoff
            message.text = _(
                "(A mention whose text could not be fetched: %(error)s)",
                error=error.message,
            )
            return
        found = data.get(edge) or {}
        username = found.get("username") or ""
        message.text = found.get("text") or found.get("caption") or ""
        message.permalink = (
            found.get("permalink") or (found.get("media") or {}).get("permalink") or ""
        )
        if username:
            message.author = Author(
                external_id=f"@{username}",
                handle=username,
                profile_url=f"https://www.instagram.com/{username}",
            )

    def _social_handle_signal(self, signal):
        if self.provider != "meta" or signal.kind not in META_SIGNALS:
            return super()._social_handle_signal(signal)
        if signal.kind == "restricted":
            self._social_set_error(
                _(
                    "Meta restricted this account's messaging (%(detail)s). Messages "
                    "cannot be sent until Meta lifts it: see the Page's quality "
                    "and support inbox in Meta Business Suite.",
                    detail=signal.detail,
                )
            )
            return
        self._meta_record_moderation(signal.target, signal.kind == "hidden", signal.at)

    def _meta_record_moderation(self, external_id, hidden, at):
        """A comment hidden or shown again in Meta's own apps, told on its ticket.

        Our own hides come back the same way: already recorded, nothing to say.
        """
        self.ensure_one()
        message = self.env["social.care.message"].search(
            [("account_id", "=", self.id), ("external_id", "=", external_id)],
            limit=1,
        )
        if not message or message.meta_is_hidden == hidden:
            return
        message.sudo().meta_is_hidden = hidden
        if not message.ticket_id:
            return
        when = fields.Datetime.to_string(at) if at else _("an unknown time")
        message.ticket_id._social_post_note(
            _(
                "The comment was hidden on %(account)s outside the helpdesk (by "
                "someone managing the Page, in Meta's apps) at %(when)s UTC.",
                account=self.name,
                when=when,
            )
            if hidden
            else _(
                "The comment was shown again on %(account)s outside the helpdesk "
                "(by someone managing the Page, in Meta's apps) at %(when)s UTC.",
                account=self.name,
                when=when,
            )
        )

    def _social_identity_scope(self, parsed):
        if self.provider != "meta":
            return super()._social_identity_scope(parsed)
        # Meta's user ids are page-scoped (PSID) or account-scoped (IGSID).
        return self.external_ref or ""

    def _social_media_hosts(self):
        if self.provider != "meta":
            return super()._social_media_hosts()
        return MEDIA_HOSTS

    # ------------------------------------------------------------------
    # Polling and backfill
    # ------------------------------------------------------------------

    def _social_can_poll(self):
        return self.provider == "meta" or super()._social_can_poll()

    def _social_poll(self):
        """Recent comments and conversations, for deliveries the webhook missed.

        Stored like webhook events ("poll.fb_comments", "poll.ig_comments",
        "poll.conversations") with keys derived from their content, so a page
        seen twice is dropped; an Instagram comment has its webhook's key, so
        the database keeps one of the poll's and the webhook's.
        A running backfill pages further back, one page per poll.
        """
        if self.provider != "meta":
            return super()._social_poll()
        position = dict(self.poll_cursor) if isinstance(self.poll_cursor, dict) else {}
        now = int(time.time())
        since = position.get("since") or now - POLL_FIRST_LOOKBACK
        backfill = (
            position.get("backfill") if self.meta_backfill_state == "running" else None
        )
        deliveries = []
        if backfill:
            deliveries = self._meta_backfill_step(backfill)
        else:
            deliveries += self._meta_poll_surface_comments(since)[0]
            deliveries += self._meta_poll_conversations(since)[0]
        if backfill:
            # The regular window resumes from where it was once this is done.
            position["backfill"] = backfill
        else:
            position.pop("backfill", None)
            position["since"] = now - POLL_OVERLAP
        return deliveries, position

    def _meta_poll_surface_comments(self, since, after=None, backfill=False):
        """(deliveries, next page cursor, posts read): the Page's or Instagram's."""
        if self.meta_surface == "instagram":
            return self._meta_poll_ig_comments(since, after, backfill)
        return self._meta_poll_comments(since, after, backfill)

    def _meta_poll_posts(self, edge, fields_, since, after, backfill):
        """A page of the account's posts (``feed``) or media, newest first;
        a backfill asks only for those published since ``since``."""
        params = {"fields": fields_, "limit": POLL_POSTS}
        if backfill:
            params["since"] = since
        if after:
            params["after"] = after
        return self._meta_request(
            "GET", self._meta_path(self.external_ref, edge), params
        )

    def _meta_poll_comments(self, since, after=None, backfill=False):
        """(deliveries, next page cursor, posts read) for recent posts' comments."""
        posts = self._meta_poll_posts("feed", POLL_POST_FIELDS, since, after, backfill)
        deliveries = []
        for post in posts.get("data") or []:
            comments = self._meta_request(
                "GET",
                self._meta_path(post.get("id"), "comments"),
                {
                    "filter": "stream",
                    "order": "reverse_chronological",
                    "since": since,
                    "fields": COMMENT_FIELDS,
                    "limit": 100,
                },
            )
            data = comments.get("data") or []
            if not data:
                continue
            key = _digest([(c.get("id"), c.get("message")) for c in data])
            deliveries.append(
                ParsedDelivery(
                    self.external_ref,
                    f"poll:fbc:{post['id']}:{key}",
                    "poll.fb_comments",
                    {"post": post, "comments": {"data": data}},
                )
            )
        return deliveries, self._meta_next_after(posts), len(posts.get("data") or [])

    def _meta_poll_ig_comments(self, since, after=None, backfill=False):
        """(deliveries, next page cursor, media read) for comments on recent media.

        One delivery per comment, keyed as its webhook is: what both saw is
        stored once. Media Graph sent malformed are stored whole, so the
        parser's error and the data are kept on an event for an admin.
        """
        media_page = self._meta_poll_posts(
            "media", POLL_IG_MEDIA_FIELDS, since, after, backfill
        )
        media_list = media_page.get("data") or []
        deliveries = []
        for media in media_list:
            try:
                units = split_ig_media(media, since)
            except PayloadError:
                units = [(f"poll:igm:{_digest(media)}", {"media": media})]
            deliveries += [
                ParsedDelivery(self.external_ref, key, "poll.ig_comments", payload)
                for key, payload in units
            ]
        return deliveries, self._meta_next_after(media_page), len(media_list)

    def _meta_poll_conversations(self, since, after=None):
        """(deliveries, next page cursor, conversations read) since ``since``."""
        platform = "instagram" if self.meta_surface == "instagram" else "messenger"
        params = {
            "platform": platform,
            "fields": "id,updated_time,participants,"
            f"messages.limit(25){{{MESSAGE_FIELDS}}}",
            "limit": POLL_CONVERSATIONS,
        }
        if after:
            params["after"] = after
        page = self._meta_request(
            "GET",
            self._meta_path(self._meta_page().external_ref, "conversations"),
            params,
        )
        deliveries = []
        conversations = page.get("data") or []
        for conversation in conversations:
            updated = conversation.get("updated_time") or ""
            if updated and self._meta_epoch(updated) < since:
                continue
            messages = (conversation.get("messages") or {}).get("data") or []
            key = _digest([m.get("id") for m in messages])
            deliveries.append(
                ParsedDelivery(
                    self.external_ref,
                    f"poll:conv:{conversation.get('id')}:{key}",
                    "poll.conversations",
                    {"platform": platform, "data": [conversation]},
                )
            )
        return deliveries, self._meta_next_after(page), len(conversations)

    @staticmethod
    def _meta_next_after(page):
        if not (page.get("paging") or {}).get("next"):
            return None
        return ((page.get("paging") or {}).get("cursors") or {}).get("after")

    @staticmethod
    def _meta_epoch(value):
        try:
            moment = datetime.strptime(value, "%Y-%m-%dT%H:%M:%S%z")
        except ValueError:
            return 0
        return int(moment.timestamp())

    def action_meta_backfill(self):
        """Fetch the last N days of comments and conversations, a page per poll."""
        self._social_check_admin()
        if self.filtered(lambda account: not account.poll_enabled):
            raise UserError(_("The backfill runs with polling: enable Poll first."))
        for account in self:
            days = max(1, account.meta_backfill_days or 1)
            position = (
                dict(account.poll_cursor or {})
                if isinstance(account.poll_cursor, dict)
                else {}
            )
            position["backfill"] = {
                "since": int(time.time()) - days * 86400,
                "posts": 0,
                "conversations": 0,
                "posts_done": False,
                "conversations_done": False,
            }
            account.write(
                {
                    "poll_cursor": position,
                    "meta_backfill_state": "running",
                    "meta_backfill_progress": _("Backfill queued."),
                    "next_poll_at": False,
                }
            )
        self.env.ref("social_care.ir_cron_poll_accounts")._trigger()

    def _meta_backfill_step(self, backfill):
        """One page of posts and one of conversations; progress on the account."""
        deliveries = []
        if not backfill["posts_done"]:
            found, after, count = self._meta_poll_surface_comments(
                backfill["since"], backfill.get("posts_after"), backfill=True
            )
            deliveries += found
            backfill.update(posts=backfill["posts"] + count, posts_after=after)
            backfill["posts_done"] = not after
        if not backfill["conversations_done"]:
            found, after, count = self._meta_poll_conversations(
                backfill["since"], backfill.get("conversations_after")
            )
            deliveries += found
            backfill.update(
                conversations=backfill["conversations"] + count,
                conversations_after=after,
            )
            backfill["conversations_done"] = not after or not found
        done = backfill["posts_done"] and backfill["conversations_done"]
        counts = {
            "posts": backfill["posts"],
            "conversations": backfill["conversations"],
        }
        self.write(
            {
                "meta_backfill_state": "done" if done else "running",
                "meta_backfill_progress": _(
                    "Done: %(posts)s posts and %(conversations)s conversations read.",
                    **counts,
                )
                if done
                else _(
                    "Running: %(posts)s posts and %(conversations)s conversations "
                    "read so far.",
                    **counts,
                ),
            }
        )
        return deliveries

    # ------------------------------------------------------------------
    # Outbound
    # ------------------------------------------------------------------

    def _social_send(self, message):
        if self.provider != "meta":
            return super()._social_send(message)
        parent = message.parent_id
        if not message.is_private:
            return self._meta_send_comment_reply(message, parent)
        if parent and not parent.is_private:
            problem = self._meta_private_reply_problem(parent, exclude=message)
            if problem:
                raise SendError("permanent", problem)
            # A visitor's post on the Page is answered by its post id, a
            # comment by its comment id (Private Replies, Messenger Platform).
            target = "post_id" if parent.kind == "visitor_post" else "comment_id"
            recipient = {target: parent.external_id}
            extra = {"messaging_type": "RESPONSE"}
        else:
            ticket = message.ticket_id
            window = messaging_window(
                message.channel,
                ticket.social_last_customer_message_at,
                fields.Datetime.now(),
            )
            if window.state == "closed":
                raise SendError(
                    "permanent", self._meta_window_sentence(ticket, message.channel)
                )
            extra = {"messaging_type": window.messaging_type}
            if window.tag:
                extra["tag"] = window.tag
            person = parent.identity_id or ticket.social_identity_id
            recipient = {"id": person.external_id}
        answer = self._meta_send_message(
            self._meta_page(), message, dict(extra, recipient=json.dumps(recipient))
        )
        return SendResult(
            external_id=str(answer.get("message_id") or ""),
            thread_key=private_reply_thread_key(
                parent.channel, answer.get("recipient_id")
            )
            if {"comment_id", "post_id"} & set(recipient)
            else "",
        )

    def _meta_send_comment_reply(self, message, parent):
        if not parent.external_id or parent.channel not in COMMENT_CHANNELS:
            raise SendError(
                "permanent", _("There is no customer comment to reply to publicly.")
            )
        edge = "replies" if parent.channel == "instagram_comment" else "comments"
        answer = self._meta_request(
            "POST",
            self._meta_path(parent.external_id, edge),
            {"message": message.text} if message.text else {},
            files=self._meta_files(message, "source"),
        )
        return SendResult(
            external_id=str(answer.get("id") or ""),
            permalink=parent.permalink or "",
        )

    def _meta_private_reply_problem(self, comment, exclude=None):
        """Why a private reply to ``comment`` is no longer possible, or None."""
        if comment.kind in RECOMMENDATION_KINDS:
            return _(
                "No private reply to a recommendation: Meta allows private replies "
                "only to comments and posts. Answer publicly, with a comment on it."
            )
        others = self.env["social.care.message"].search_count(
            [
                ("parent_id", "=", comment.id),
                ("direction", "=", "out"),
                ("is_private", "=", True),
                ("state", "!=", "failed"),
                ("id", "not in", exclude.ids if exclude else []),
            ],
            limit=1,
        )
        problem = private_reply_allowed(
            comment.posted_at, fields.Datetime.now(), bool(others)
        )
        if problem:
            return _(
                "No private reply to this comment: %(reason)s "
                "Answer publicly, or ask the customer to write to the account.",
                reason=problem,
            )
        return None

    def _meta_window_sentence(self, ticket, channel):
        label = _("Messenger") if channel == "messenger" else _("Instagram Direct")
        last = ticket.social_last_customer_message_at
        contact = ticket.partner_id
        reach = ", ".join(
            filter(None, [contact.email, contact.phone or contact.mobile])
        )
        sentence = (
            _(
                "The %(channel)s window is closed: the customer last wrote on "
                "%(date)s UTC, and Meta allows replies for 24 hours, or 7 days "
                "with the human agent tag.",
                channel=label,
                date=fields.Datetime.to_string(last),
            )
            if last
            else _(
                "The customer has never written on %(channel)s: Meta does not "
                "allow writing first.",
                channel=label,
            )
        )
        if reach:
            return sentence + " " + _("Reach them at %(contact)s.", contact=reach)
        return (
            sentence
            + " "
            + _("Reach them by email or phone, or wait for them to write again.")
        )

    def _social_outbound_problem(self, ticket, text, private):
        problem = super()._social_outbound_problem(ticket, text, private)
        if problem or self.provider != "meta":
            return problem
        channel = ticket._social_reply_channel(private)
        problem = check_length(channel, text)
        if problem:
            return problem
        parent = ticket._social_reply_parent(private)
        if not private:
            if parent.channel not in COMMENT_CHANNELS:
                return _(
                    "This conversation has no comment of the customer to reply to "
                    "publicly: switch the reply to private."
                )
            return None
        if parent and not parent.is_private:
            return self._meta_private_reply_problem(parent)
        window = messaging_window(
            channel, ticket.social_last_customer_message_at, fields.Datetime.now()
        )
        if window.state == "closed":
            return self._meta_window_sentence(ticket, channel)
        return None

    def _social_window_deadline(self, ticket):
        """A Messenger or Instagram conversation can be answered until 7 days
        after the customer's last message (24 h, then the HUMAN_AGENT tag)."""
        if self.provider != "meta" or ticket.social_channel not in DM_CHANNELS:
            return super()._social_window_deadline(ticket)
        last = ticket.social_last_customer_message_at
        return last + HUMAN_AGENT_WINDOW if last else False

    def _social_reply_limits(self, ticket, private):
        limits = super()._social_reply_limits(ticket, private)
        if self.provider != "meta":
            return limits
        channel = ticket._social_reply_channel(private)
        parent = ticket._social_reply_parent(False)
        limits.update(
            max_length=TEXT_LIMITS[channel][0],
            length_unit=TEXT_LIMITS[channel][1],
            public_allowed=parent.channel in COMMENT_CHANNELS,
        )
        comment = ticket._social_reply_parent(True)
        if private and comment and not comment.is_private:
            limits["window_deadline"] = comment.posted_at + PRIVATE_REPLY_WINDOW
        elif private and channel in DM_CHANNELS:
            window = messaging_window(
                channel, ticket.social_last_customer_message_at, fields.Datetime.now()
            )
            limits["window_deadline"] = window.deadline or False
        return limits

    # ------------------------------------------------------------------
    # Connection and moderation
    # ------------------------------------------------------------------

    def _social_test_connection(self):
        if self.provider != "meta":
            return super()._social_test_connection()
        app = self.app_id.sudo()
        debug = (
            self._meta_request(
                "GET",
                "debug_token",
                {"input_token": self.sudo().access_token},
                token=f"{app.client_key}|{app.client_secret}",
            ).get("data")
            or {}
        )
        if not debug.get("is_valid"):
            raise SendError(
                "auth", _("Facebook says the access token is no longer valid.")
            )
        page = self._meta_page()
        name = self._meta_request(
            "GET", self._meta_path(page.external_ref), {"fields": "name"}
        ).get("name")
        needed = PAGE_PERMISSIONS
        sentence = _("Connected to the Facebook Page %(page)s.", page=name)
        if self.meta_surface == "instagram":
            username = self._meta_request(
                "GET", self._meta_path(self.external_ref), {"fields": "username"}
            ).get("username")
            self.handle = username
            needed += INSTAGRAM_PERMISSIONS
            sentence = _(
                "Connected to the Instagram account @%(username)s through the "
                "Facebook Page %(page)s.",
                username=username,
                page=name,
            )
        missing = [p for p in needed if p not in (debug.get("scopes") or [])]
        if missing:
            raise SendError(
                "permanent",
                _(
                    "%(sentence)s Missing permissions: %(missing)s. Connect the "
                    "Pages again and grant them.",
                    sentence=sentence,
                    missing=", ".join(missing),
                ),
            )
        return sentence

    def _meta_subscribe_page(self):
        """Install the app on the Page for its webhook fields.

        Recommendations (``ratings``) need ``pages_read_user_content``: when
        the Page's token lacks it, the Page is subscribed without them.
        """
        self.ensure_one()
        path = self._meta_path(self.external_ref, "subscribed_apps")
        try:
            self._meta_request(
                "POST",
                path,
                {"subscribed_fields": ",".join((*PAGE_WEBHOOK_FIELDS, RATINGS_FIELD))},
            )
        except MetaSendError as error:
            if error.meta_kind != "permission":
                raise
            _logger.info(
                "Page %s subscribed without recommendations: %s", self.id, error.message
            )
            self._meta_request(
                "POST", path, {"subscribed_fields": ",".join(PAGE_WEBHOOK_FIELDS)}
            )

    def _meta_set_hidden(self, message, hidden):
        """Hide or unhide one comment on Facebook or Instagram."""
        self.ensure_one()
        flag = "true" if hidden else "false"
        param = "hide" if message.channel == "instagram_comment" else "is_hidden"
        self._meta_request("POST", self._meta_path(message.external_id), {param: flag})
        message.sudo().meta_is_hidden = hidden  # agents do not write messages
