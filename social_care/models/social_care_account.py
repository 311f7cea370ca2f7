import json
import logging
from datetime import timedelta

import requests

from odoo import _, api, fields, models

from ..tools import (
    SendError,
    SendResult,
    bounded_body,
    generic,
    request_never_sent,
    safe_url,
)
from .social_care_event import SIDE_EFFECTS
from .transaction import commit

_logger = logging.getLogger(__name__)

GENERIC_TIMEOUT = 10
MEDIA_MAX_BYTES = 10 * 1024 * 1024
MEDIA_CHUNK_BYTES = 16 * 1024
MEDIA_TIMEOUT = 10
MEDIA_MAX_REDIRECTS = 3


class SocialCareAccount(models.Model):
    """A connected social account (an X user, a Facebook Page, ...).

    The base defines the pipeline; each connector adds its provider value and
    implements the ``_social_*`` hooks below for it, calling ``super()`` for
    the other providers (as Odoo's payment providers do).
    """

    _name = "social.care.account"
    _description = "Social Care Account"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "sequence, name, id"

    name = fields.Char(required=True, tracking=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    app_id = fields.Many2one(
        "social.care.app",
        required=True,
        ondelete="restrict",
        domain="[('provider', '=', provider)]",
    )
    provider = fields.Selection(related="app_id.provider", store=True, readonly=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    team_id = fields.Many2one(
        "helpdesk.ticket.team",
        string="Default team",
        help="Team of new tickets when no routing rule sets one.",
    )
    state = fields.Selection(
        [
            ("draft", "Not connected"),
            ("connected", "Connected"),
            ("error", "Error"),
            ("disabled", "Disabled"),
        ],
        default="draft",
        required=True,
        tracking=True,
    )
    last_error = fields.Text(readonly=True, help="The last problem, in words.")
    external_ref = fields.Char(
        "Platform ID",
        index=True,
        copy=False,
        help="The platform's id of this account (X user id, Page id, ...): "
        "webhook deliveries name it.",
    )
    handle = fields.Char(help="The account's public name on the platform (@handle).")
    access_token = fields.Char(groups="base.group_system", copy=False)
    refresh_token = fields.Char(groups="base.group_system", copy=False)
    token_secret = fields.Char(groups="base.group_system", copy=False)
    token_expires_at = fields.Datetime(groups="base.group_system", copy=False)
    poll_enabled = fields.Boolean(
        "Poll",
        default=True,
        help="Ask the platform for what is new, as a fallback to webhooks and "
        "for accounts without them.",
    )
    poll_interval = fields.Integer(
        "Poll every (minutes)",
        default=5,
        help="The pace while messages arrive; idle accounts are polled up to "
        "4 times less often.",
    )
    next_poll_at = fields.Datetime(copy=False)
    poll_cursor = fields.Json(
        copy=False, help="Provider-specific position of the last poll."
    )
    last_event_at = fields.Datetime("Last event received", readonly=True, copy=False)
    last_poll_at = fields.Datetime(readonly=True, copy=False)
    generic_outbound_url = fields.Char(
        "Outbound URL",
        help="Generic provider: replies are POSTed as signed JSON to this URL.",
    )
    event_count = fields.Integer(compute="_compute_counts")
    error_event_count = fields.Integer(compute="_compute_counts")
    ticket_count = fields.Integer(compute="_compute_counts")
    open_ticket_count = fields.Integer("Open tickets", compute="_compute_health")
    awaiting_ticket_count = fields.Integer(
        "Awaiting our reply", compute="_compute_health"
    )
    first_response_hours_30d = fields.Float(
        "First response, last 30 days (hours)", compute="_compute_health"
    )
    within_target_30d = fields.Float(
        "Answered within target, last 30 days (%)", compute="_compute_health"
    )

    _sql_constraints = [
        (
            "external_ref_uniq",
            "unique(app_id, external_ref)",
            "This platform account is already connected through this app.",
        ),
    ]

    def _compute_counts(self):
        # Counts only, of accounts the user already sees: agents, who cannot
        # read the event inbox, may know how many events it holds.
        events = (
            self.env["social.care.event"]
            .sudo()
            ._read_group(
                [("account_id", "in", self.ids)], ["account_id", "state"], ["__count"]
            )
        )
        tickets = dict(
            self.env["helpdesk.ticket"]._read_group(
                [("social_account_id", "in", self.ids)],
                ["social_account_id"],
                ["__count"],
            )
        )
        totals, errors = {}, {}
        for account, state, count in events:
            totals[account] = totals.get(account, 0) + count
            if state == "error":
                errors[account] = count
        for account in self:
            account.event_count = totals.get(account, 0)
            account.error_event_count = errors.get(account, 0)
            account.ticket_count = tickets.get(account, 0)

    def _compute_health(self):
        """The overview's figures: today's workload and the last 30 days' pace."""
        open_tickets = self.env["helpdesk.ticket"]._read_group(
            [("social_account_id", "in", self.ids), ("stage_id.closed", "=", False)],
            ["social_account_id", "social_awaiting_reply"],
            ["__count"],
        )
        since = fields.Datetime.now() - timedelta(days=30)
        report = self.env["social.care.ticket.report"]
        pace = {
            account: (response, in_time)
            # Aggregates only, of accounts the user already sees: agents may read them.
            for account, response, in_time in report.sudo()._read_group(
                [("social_account_id", "in", self.ids), ("create_date", ">=", since)],
                ["social_account_id"],
                ["first_response_hours:avg", "answered_within_target:avg"],
            )
        }
        opened, awaiting = {}, {}
        for account, waiting, count in open_tickets:
            opened[account] = opened.get(account, 0) + count
            if waiting:
                awaiting[account] = count
        for account in self:
            response, in_time = pace.get(account, (0.0, 0.0))
            account.open_ticket_count = opened.get(account, 0)
            account.awaiting_ticket_count = awaiting.get(account, 0)
            account.first_response_hours_30d = response or 0.0
            account.within_target_30d = in_time or 0.0

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def _social_check_admin(self):
        """Administrator buttons check who presses them before anything happens.

        Each may call the platform (a billed call) or change the connection;
        an agent calling them over RPC must be stopped before that, not by the
        write that comes after.
        """
        self.check_access("write")

    def action_test_connection(self):
        self.ensure_one()
        self._social_check_admin()
        try:
            result = self._social_test_connection()
        except SendError as error:
            self._social_set_error(error.message)
            return self._social_notify(error.message, "danger")
        self.write({"state": "connected", "last_error": False})
        return self._social_notify(result, "success")

    def action_disable(self):
        self._social_check_admin()
        self.write({"state": "disabled"})

    def action_enable(self):
        self._social_check_admin()
        self.write({"state": "connected", "last_error": False, "next_poll_at": False})

    def action_poll_now(self):
        self.ensure_one()
        self._social_check_admin()
        self._social_poll_once()
        return self._social_notify(
            self.last_error or _("Poll done."),
            "danger" if self.last_error else "success",
        )

    def action_view_events(self):
        return self._social_open("social.care.event", _("Events"))

    def action_view_awaiting_tickets(self):
        action = self.action_view_tickets()
        action["domain"] += [
            ("social_awaiting_reply", "=", True),
            ("stage_id.closed", "=", False),
        ]
        action["name"] = _("Awaiting our reply")
        return action

    def action_view_error_events(self):
        action = self.action_view_events()
        action["domain"] += [("state", "=", "error")]
        return action

    def action_view_tickets(self):
        action = self._social_open(
            "helpdesk.ticket", _("Tickets"), field="social_account_id"
        )
        action["view_mode"] = "list,kanban,form"
        return action

    def _social_open(self, model, name, field="account_id"):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": name,
            "res_model": model,
            "view_mode": "list,form",
            "domain": [(field, "=", self.id)],
            "context": {f"default_{field}": self.id},
        }

    def _social_notify(self, message, kind):
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {"message": message, "type": kind, "sticky": kind == "danger"},
        }

    def write(self, vals):
        result = super().write(vals)
        if vals.get("state") == "connected":
            # Replies queued while the account was in error can go out now.
            self.env.ref("social_care.ir_cron_send_messages")._trigger()
        return result

    def _social_set_error(self, message):
        """Put the account in error and tell its admins with an activity."""
        for account in self:
            account.write({"state": "error", "last_error": message})
            admins = self.env.ref("base.group_system").users.filtered(
                lambda user, account=account: account.company_id in user.company_ids
            )
            activity_type = self.env.ref("mail.mail_activity_data_warning")
            for admin in admins[:1]:
                account.activity_schedule(
                    activity_type_id=activity_type.id,
                    summary=_("Social account needs attention"),
                    note=message,
                    user_id=admin.id,
                )

    # ------------------------------------------------------------------
    # Provider hooks
    # ------------------------------------------------------------------

    def _social_parse_event(self, event):
        """One stored event into a ParsedEvent (raises PayloadError)."""
        self.ensure_one()
        if self.provider == "generic":
            return generic.parse_event(event.payload, self.external_ref)
        raise NotImplementedError(self.provider)

    def _social_once(self, kind, ref, fetch):
        """``fetch()``, made once per inbox run for this account, ``kind`` and ``ref``.

        Ingestion's calls to the platform (media, enrichment reads) go through
        here: a batch redone event by event, or taken again, reuses the answer
        (or the error) instead of asking again. Outside the inbox, it just calls.
        """
        self.ensure_one()
        effects = self.env.context.get(SIDE_EFFECTS)
        if effects is None:
            return fetch()
        return effects.once((kind, self.id, ref), fetch)

    def _social_fetch_media(self, url):
        """Download one media file from the platform's hosts.

        Raises requests.RequestException or ValueError (refused, too large).
        """
        self.ensure_one()
        return self._social_download(url)

    def _social_media_target(self, url):
        """``(Target, None)`` if ``url`` is on the platform's media hosts, else
        ``(None, why)``: see tools/safe_url.py for what is checked.

        An app pointed at a sandbox or simulator (``api_base_url``) also takes
        media from that exact origin, which stands in for the platform.
        """
        self.ensure_one()
        target, code = safe_url.check(
            url,
            self._social_media_hosts(),
            safe_url.origin(self.app_id.api_base_url),
        )
        return target, code and self._social_url_refusal(code)

    @api.model
    def _social_url_refusal(self, code):
        """Why a media address is refused, for the ticket's note."""
        return {
            safe_url.CHARACTERS: _(
                "backslash, space, control or non-ASCII characters in the address"
            ),
            safe_url.UNPARSABLE: _("an address that does not read one way only"),
            safe_url.TOO_LONG: _("an address too long"),
            safe_url.SCHEME: _("not https"),
            safe_url.USERINFO: _("a user name or password in the address"),
            safe_url.IP_ADDRESS: _("an IP address instead of the platform's host name"),
            safe_url.PORT: _("a port other than 443"),
            safe_url.HOST: _("a host that is not the platform's"),
        }[code]

    def _social_media_headers(self, target):
        """Headers for fetching ``target`` (a checked address, each redirect's
        too). Connectors whose media need credentials add them here, deciding
        on ``target.host``: the host the request is actually sent to."""
        self.ensure_one()
        return {}

    def _social_download(self, url):
        """GET a media file, checking its address and every redirect's.

        Each hop is checked before anything is asked of its host, the checked
        (re-serialized) address is the one fetched, and its headers are made
        for that hop's host only. Redirects are followed here, never by
        requests.
        """
        self.ensure_one()
        for hop in range(MEDIA_MAX_REDIRECTS + 1):
            target, problem = self._social_media_target(url)
            if problem and hop:
                raise ValueError(
                    _(
                        "redirected to a host that is not the platform's: "
                        "%(where)s (%(why)s)",
                        where=safe_url.shown_host(url),
                        why=problem,
                    )
                )
            if problem:
                raise ValueError(problem)
            headers = {"Accept-Encoding": "identity"}
            headers.update(self._social_media_headers(target))
            with requests.get(
                target.url,
                headers=headers,
                timeout=MEDIA_TIMEOUT,
                stream=True,
                allow_redirects=False,
            ) as response:
                if response.is_redirect:
                    url = safe_url.redirect_target(
                        target.url, response.headers["Location"]
                    )
                    continue
                response.raise_for_status()
                return self._social_read_limited(response)
        raise ValueError(_("too many redirects"))

    @api.model
    def _social_read_limited(self, response):
        """The body, never more than MEDIA_MAX_BYTES in memory, decoded or not
        (tools/bounded_body.py)."""
        too_large = _("larger than %s MB", MEDIA_MAX_BYTES // 1024 // 1024)
        length = response.headers.get("Content-Length")
        if length and length.isdigit() and int(length) > MEDIA_MAX_BYTES:
            raise ValueError(too_large)
        try:
            return bounded_body.read_capped(
                response.raw.stream(MEDIA_CHUNK_BYTES, decode_content=False),
                response.headers.get("Content-Encoding"),
                MEDIA_MAX_BYTES,
            )
        except bounded_body.BodyRefused as refused:
            if refused.code == bounded_body.TOO_LARGE:
                raise ValueError(too_large) from None
            raise ValueError(
                _(
                    "sent in a content encoding not accepted "
                    "(stacked, unknown or corrupt)"
                )
            ) from None

    def _social_identity_scope(self, parsed):
        """The scope of an author's id: '', or the page for page-scoped ids."""
        self.ensure_one()
        return ""

    def _social_handle_signal(self, signal):
        """Something happened to the account itself (access revoked, ...)."""
        self.ensure_one()
        if signal.kind == "revoked":
            self._social_set_error(
                _(
                    "The platform says this account revoked the app's access: "
                    "reconnect it."
                )
            )

    def _social_poll(self):
        """Ask the platform for what is new since ``poll_cursor``.

        Returns ``(deliveries, new_cursor)``; raises SendError on failure.
        """
        self.ensure_one()
        return [], self.poll_cursor

    def _social_send(self, message):
        """Send one outbound social.care.message; return a SendResult."""
        self.ensure_one()
        if self.provider != "generic":
            raise NotImplementedError(self.provider)
        if not self.generic_outbound_url:
            raise SendError("permanent", _("This account has no outbound URL."))
        body = json.dumps(
            {
                "account": self.external_ref,
                "thread": message.thread_key,
                "private": message.is_private,
                "in_reply_to": message.parent_id.external_id or None,
                "recipient": message.ticket_id.social_identity_id.external_id or None,
                "text": message.text,
                "reference": message.id,
            }
        ).encode()
        # Not the app secret: whoever checks our replies could forge deliveries.
        secret = self.app_id.sudo().generic_outbound_secret
        if not secret:
            raise SendError(
                "permanent",
                _("This account's app has no outbound secret to sign replies with."),
            )
        try:
            response = requests.post(
                self.generic_outbound_url,
                data=body,
                headers={
                    "Content-Type": "application/json",
                    generic.SIGNATURE_HEADER: generic.sign(secret, body),
                },
                timeout=GENERIC_TIMEOUT,
            )
        except requests.RequestException as error:
            if not request_never_sent(error):
                raise SendError(
                    "uncertain",
                    _(
                        "The platform received the reply but did not answer (%s).",
                        type(error).__name__,
                    ),
                ) from error
            raise SendError(
                "transient",
                _("The platform could not be reached (%s).", type(error).__name__),
            ) from error
        return self._social_generic_result(response)

    def _social_generic_result(self, response):
        status = response.status_code
        if status == 429:
            reset = response.headers.get("Retry-After")
            retry_at = fields.Datetime.now() + timedelta(
                seconds=int(reset) if reset and reset.isdigit() else 60
            )
            raise SendError(
                "rate_limited", _("Rate limited by the platform."), retry_at
            )
        if status >= 500:
            raise SendError("transient", _("The platform failed (HTTP %s).", status))
        if status in (401, 403):
            raise SendError("auth", _("The platform refused our credentials."))
        if status >= 400:
            raise SendError(
                "permanent", _("The platform refused the message (HTTP %s).", status)
            )
        try:
            data = response.json()
        except ValueError as error:
            # A success status: the platform took it; resending would post twice.
            raise SendError(
                "uncertain",
                _("The platform accepted the reply with an unreadable answer."),
            ) from error
        return SendResult(
            external_id=str(data.get("id") or ""), permalink=data.get("permalink") or ""
        )

    def _social_test_connection(self):
        """Check the credentials; return a sentence for the admin or raise SendError."""
        self.ensure_one()
        if self.provider == "generic":
            if not self.app_id._social_has_secret():
                raise SendError(
                    "auth", _("The app has no secret: deliveries would be refused.")
                )
            return _(
                "Ready to receive signed deliveries for %s.",
                self.external_ref or self.name,
            )
        raise NotImplementedError(self.provider)

    def _social_outbound_problem(self, ticket, text, private):
        """Why this reply cannot be sent (a sentence), or None; before queueing."""
        self.ensure_one()
        blocked = self._social_send_blocked()
        if blocked:
            return blocked
        if not (text or "").strip() and not self.env.context.get(
            "social_care_with_media"
        ):
            return _("The reply is empty.")
        return None

    def _social_send_blocked(self):
        """Why no reply at all can go out through this account (a sentence), or None.

        Said before an agent writes, not after the send fails out of sight.
        """
        self.ensure_one()
        if self.provider == "generic" and not self.sudo().generic_outbound_url:
            return _(
                "This account has no outbound URL: replies cannot be sent on the "
                "social channel. Reply by e-mail, or ask an administrator to set "
                "the account's outbound URL."
            )
        return None

    def _social_reply_limits(self, ticket, private):
        """What the composer shows: max length, its unit, the messaging-window deadline.

        ``length_unit``: "characters" (code points), "weighted" (X's count) or
        "bytes" (UTF-8), as ``_social_outbound_problem`` counts. ``cost_hint``:
        what the platform bills for the reply, in words, where it bills.
        """
        self.ensure_one()
        return {
            "max_length": 0,
            "length_unit": "characters",
            "window_deadline": False,
            "public_allowed": True,
        }

    def _social_reply_needs_approval(self, ticket, private):
        """Whether an agent's reply must wait for a manager, beyond the team's rule.

        :param ticket: the ticket answered
        :param bool private: whether the reply is a private message
        :return: True when the account holds replies (e.g. over its budget)
        """
        self.ensure_one()
        return False

    def _social_poll_interval(self):
        """Minutes between two polls while messages arrive (idle accounts wait more)."""
        self.ensure_one()
        return self.poll_interval or 5

    def _social_window_deadline(self, ticket):
        """When the platform stops letting agents answer this ticket (or False)."""
        self.ensure_one()
        return False

    def _social_text_length(self, text):
        """Length of a text as the platform counts it."""
        return len(text or "")

    def _social_media_hosts(self):
        """Hosts (suffixes) media may be downloaded from; nothing else is fetched."""
        self.ensure_one()
        return ()

    # ------------------------------------------------------------------
    # Polling
    # ------------------------------------------------------------------

    @api.model
    def _cron_poll_accounts(self, limit=20):
        now = fields.Datetime.now()
        accounts = self.search(
            [
                ("state", "=", "connected"),
                ("poll_enabled", "=", True),
                "|",
                ("next_poll_at", "=", False),
                ("next_poll_at", "<=", now),
            ],
            limit=limit,
            order="next_poll_at asc nulls first, id",
        )
        for account in accounts:
            account._social_poll_once()
            commit(self.env)  # one account's poll never undoes another's

    def _social_poll_once(self):
        self.ensure_one()
        now = fields.Datetime.now()
        try:
            deliveries, cursor = self._social_poll()
        except SendError as error:
            _logger.warning(
                "social care: poll of account %s failed (%s): %s",
                self.id,
                error.kind,
                error.message,
            )
            retry_at = error.retry_at or now + timedelta(
                minutes=self._social_poll_interval()
            )
            if error.kind == "auth":
                self._social_set_error(error.message)
            else:
                self.last_error = error.message
            self.write({"next_poll_at": retry_at, "last_poll_at": now})
            return 0
        new = self.app_id._social_store_deliveries(deliveries) if deliveries else 0
        # Idle accounts are asked less often: 2x, then 4x the interval.
        previous = self.poll_cursor if isinstance(self.poll_cursor, dict) else {}
        idle = 0 if new else previous.get("idle", 0) + 1
        if isinstance(cursor, dict):
            cursor = dict(cursor, idle=idle)
        interval = self._social_poll_interval() * min(4, 2**idle)
        self.write(
            {
                "poll_cursor": cursor,
                "last_poll_at": now,
                "next_poll_at": now + timedelta(minutes=interval),
                "last_error": False,
            }
        )
        return new
