import logging
import time
from collections import defaultdict
from datetime import timedelta
from urllib.parse import urlparse

from psycopg2 import errors as pg_errors

from odoo import _, api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL, config
from odoo.tools.mimetypes import guess_mimetype

from ..tools import PayloadError, SendError, SideEffects, media_type
from .transaction import commit

_logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
BATCH_SIZE = 100
CRON_TIME_BUDGET = 120  # seconds at most: see _social_time_budget
# Context key of the run's SideEffects (calls outside the database, made once).
SIDE_EFFECTS = "social_care_side_effects"
# Context key of a store made by the webhook route (not a poll): see via_webhook.
VIA_WEBHOOK = "social_care_via_webhook"
# What the platform sent: only the inbox itself (superuser) ever writes these.
PLATFORM_FIELDS = frozenset(
    {"app_id", "account_ref", "delivery_key", "event_type", "payload"}
)


class SocialCareEvent(models.Model):
    """The inbox: every webhook delivery unit and poll page, stored first.

    Rows are unique per (app, account, delivery key), enforced by the
    database, so a redelivery or an overlapping poll is dropped on insert.
    Processing happens in a cron, never in the webhook request.
    """

    _name = "social.care.event"
    _inherit = "social.care.company.mixin"
    _description = "Social Care Event"
    _order = "id desc"
    _rec_name = "delivery_key"

    app_id = fields.Many2one(
        "social.care.app", required=True, ondelete="cascade", index=True
    )
    account_id = fields.Many2one("social.care.account", ondelete="cascade", index=True)
    company_id = fields.Many2one("res.company", required=True, index=True)
    provider = fields.Selection(related="app_id.provider")
    account_ref = fields.Char("Platform account", required=True)
    delivery_key = fields.Char(required=True)
    event_type = fields.Char(required=True)
    payload = fields.Json(required=True)
    state = fields.Selection(
        [
            ("pending", "Pending"),
            ("done", "Done"),
            ("ignored", "Ignored"),
            ("error", "Error"),
        ],
        default="pending",
        required=True,
        index=True,
    )
    via_webhook = fields.Boolean(
        readonly=True,
        help="Pushed by the platform to the webhook route, not fetched by a poll: "
        "the account's usual pace of deliveries is learned from these.",
    )
    attempts = fields.Integer(readonly=True)
    next_attempt_at = fields.Datetime(readonly=True)
    processed_at = fields.Datetime(readonly=True)
    error = fields.Text(readonly=True)
    message_ids = fields.Many2many(
        "social.care.message", string="Messages", readonly=True
    )

    def write(self, vals):
        """What gets processed is what the platform sent: users never rewrite it."""
        if not self.env.su and PLATFORM_FIELDS & set(vals):
            raise AccessError(
                _("What a platform sent is kept as it came: it cannot be edited.")
            )
        return super().write(vals)

    def init(self):
        self.env.cr.execute(
            """
            CREATE UNIQUE INDEX IF NOT EXISTS social_care_event_delivery_uniq
                ON social_care_event (app_id, account_ref, delivery_key);
            CREATE INDEX IF NOT EXISTS social_care_event_pending_idx
                ON social_care_event (id) WHERE state = 'pending';
            CREATE INDEX IF NOT EXISTS social_care_event_webhook_idx
                ON social_care_event (account_id, create_date) WHERE via_webhook;
            """
        )

    @api.model
    def _insert_units(self, app, units):
        """Store inbox rows of ``app`` in one statement; the database drops duplicates.

        ``units`` are dicts: account_ref, delivery_key, event_type, payload
        (JSON text), and optionally state and error. Without a state, the
        account is resolved in the same statement: a unit for an account nobody
        connected, or a disabled one, is stored as ignored with its error; the
        others are pending. Returns the number of new rows; new pending rows
        trigger the processing cron unless a trigger is already waiting (one
        posted before the cron's current run started is not waiting).
        Rows stored under the ``VIA_WEBHOOK`` context key are marked as pushed
        by the platform (``via_webhook``).
        """
        if not units:
            return 0
        self.env.cr.execute(
            """
            WITH unit AS (
                SELECT *
                  FROM unnest(%(refs)s::varchar[], %(keys)s::varchar[],
                              %(types)s::varchar[], %(payloads)s::jsonb[],
                              %(states)s::varchar[], %(errors)s::text[])
                       WITH ORDINALITY
                       AS u(account_ref, delivery_key, event_type, payload,
                            state, error, position)
            ), resolved AS (
                SELECT unit.*, account.id AS account_id,
                       coalesce(account.company_id, app.company_id) AS company_id,
                       coalesce(unit.state,
                                CASE WHEN account.active AND account.state != 'disabled'
                                     THEN 'pending' ELSE 'ignored' END) AS new_state
                  FROM unit
                  JOIN social_care_app app ON app.id = %(app)s
                  LEFT JOIN social_care_account account
                         ON account.app_id = app.id
                        AND account.external_ref = unit.account_ref
            ), inserted AS (
                INSERT INTO social_care_event
                    (app_id, account_id, company_id, account_ref, delivery_key,
                     event_type, payload, state, error, attempts, via_webhook,
                     create_uid, write_uid, create_date, write_date)
                SELECT %(app)s, account_id, company_id, account_ref, delivery_key,
                       event_type, payload, new_state,
                       CASE WHEN new_state = 'pending' THEN NULL ELSE error END, 0,
                       %(via_webhook)s, %(uid)s, %(uid)s, now() at time zone 'utc',
                       now() at time zone 'utc'
                  FROM resolved
                 ORDER BY position
                ON CONFLICT (app_id, account_ref, delivery_key) DO NOTHING
                RETURNING state
            )
            SELECT count(*),
                   count(*) FILTER (WHERE state = 'pending'),
                   -- A due trigger older than the cron's current run is
                   -- deleted when that run ends, and the run may not see
                   -- these rows: only a newer one is still waiting.
                   EXISTS (SELECT 1 FROM ir_cron_trigger
                            WHERE cron_id = %(cron)s
                              AND call_at <= now() at time zone 'utc'
                              AND call_at >= coalesce(
                                  (SELECT create_date FROM ir_cron_progress
                                    WHERE cron_id = %(cron)s
                                    ORDER BY id DESC LIMIT 1),
                                  '-infinity'))
              FROM inserted
            """,
            {
                "app": app.id,
                "uid": self.env.uid,
                "via_webhook": bool(self.env.context.get(VIA_WEBHOOK)),
                "cron": self._social_cron().id,
                "refs": [unit["account_ref"] for unit in units],
                "keys": [unit["delivery_key"] for unit in units],
                "types": [unit["event_type"] for unit in units],
                "payloads": [unit["payload"] for unit in units],
                "states": [unit.get("state") for unit in units],
                "errors": [unit.get("error") or None for unit in units],
            },
            # A redelivery racing its original fails to serialize; Odoo retries
            # the request, which then finds the row: not an error to log.
            log_exceptions=False,
        )
        new, pending, triggered = self.env.cr.fetchone()
        if pending and not triggered:
            self._social_cron()._trigger()
        return new

    @api.model
    def _social_cron(self):
        """The processing cron, without env.ref's existence query."""
        return self.env["ir.cron"].browse(
            self.env["ir.model.data"]._xmlid_to_res_id(
                "social_care.ir_cron_process_events"
            )
        )

    # ------------------------------------------------------------------
    # Processing
    # ------------------------------------------------------------------

    @api.model
    def _cron_process_events(self, shard=0, shards=1, batch_size=BATCH_SIZE):
        """Process pending events; several crons can share the work by shard.

        Each shard owns the accounts whose id modulo ``shards`` is ``shard``,
        so one account's events stay in one worker, in arrival order. Rows are
        taken with SKIP LOCKED, so even overlapping runs never process one
        event twice.
        """
        started, budget = time.monotonic(), self._social_time_budget()
        # A batch taken again after a serialization failure reuses what the
        # platform already answered; once committed, its answers are freed
        # (the media of its failed events are staged in the database).
        effects = SideEffects()
        events = self.with_context(**{SIDE_EFFECTS: effects})
        if shard == 0:  # one worker makes the writes a stopped run left
            events._social_resume_deferred()
            events._social_run_deferred()
            commit(self.env)
        while True:
            self.env.flush_all()  # the SELECT below must see this batch's writes
            self.env.cr.execute(
                """
                SELECT id FROM social_care_event
                 WHERE state = 'pending'
                   AND (next_attempt_at IS NULL
                        OR next_attempt_at <= now() at time zone 'utc')
                   AND mod(coalesce(account_id, 0), %s) = %s
                 ORDER BY id
                 LIMIT %s
                   FOR UPDATE SKIP LOCKED
                """,
                [shards, shard, batch_size],
            )
            ids = [row[0] for row in self.env.cr.fetchall()]
            if not ids:
                return
            try:
                events.browse(ids)._process()
                commit(self.env)
            except pg_errors.SerializationFailure:
                # A poll updated one of these accounts since this transaction
                # began: take the batch again on a fresh snapshot now, rather
                # than leave it to the next run minutes later.
                self.env.cr.rollback()
                effects.drop_deferred()
            else:
                events._social_run_deferred()
                commit(self.env)
                effects.forget_reads()
            if time.monotonic() - started >= budget:
                self._social_cron()._trigger()
                return

    @api.model
    def _social_time_budget(self):
        """Seconds one run may take: at most half the server's limit for a cron.

        In prefork mode the master kills a cron worker busy for longer than
        ``limit_time_real_cron`` (by default ``limit_time_real``, 120 s), so a
        run as long as that limit would be killed mid-batch whenever the inbox
        is backlogged, and its successor waits for its first poll.
        """
        limit = config["limit_time_real_cron"]
        if limit is not None and limit < 0:  # -1: the HTTP workers' limit
            limit = config["limit_time_real"]
        if limit and limit > 0:
            return min(CRON_TIME_BUDGET, limit / 2)
        return CRON_TIME_BUDGET

    def _process(self):
        """Turn events into messages and tickets; a failure stays on its event.

        The batch is tried first in one savepoint, its messages ingested
        together (each look-up made once for all). If anything in it fails,
        it is rolled back and each event is processed alone in its own
        savepoint, so one bad event never blocks the others and its error is
        recorded on it. Outcomes are written at the end, one UPDATE per outcome.

        Calls outside the database go through the run's SideEffects (context
        key ``SIDE_EFFECTS``): reads are made once whatever the attempts, and
        platform writes wait for the caller to commit, then
        ``_social_run_deferred``. Called without one (an admin's "process
        now"), the writes run at the end, in the caller's transaction.
        """
        if SIDE_EFFECTS not in self.env.context:
            events = self.with_context(**{SIDE_EFFECTS: SideEffects()})
            events._process()
            events._social_run_deferred()
            return
        effects = self.env.context[SIDE_EFFECTS]
        self._social_restore_media(effects)
        now = fields.Datetime.now()
        outcomes = {}
        ready = self.browse()
        for event in self:
            account = event.account_id or event._social_find_account()
            if not account or account.state == "disabled":
                outcomes[event] = (
                    {
                        "state": "ignored",
                        "processed_at": now,
                        "error": _("The account is not connected."),
                    },
                    [],
                )
            else:
                ready |= event
        if len(ready) > 1:
            try:
                with effects.attempt(), self.env.cr.savepoint():
                    outcomes.update(ready._social_process_together(now))
                ready = self.browse()
            except Exception as error:  # noqa: BLE001 - each event is retried alone below
                _logger.info(
                    "social care: a batch of %s events failed; "
                    "processing them one by one",
                    len(ready),
                    # A platform's failure is its sentence: no traceback.
                    exc_info=not isinstance(error, SendError),
                )
        staged = {}
        for event in ready:
            with effects.attempt() as keys_read:
                outcomes[event] = event._social_process_alone(now)
            if outcomes[event][0].get("state") == "pending":
                staged[event] = keys_read
        self._social_record_outcomes(outcomes)
        self._social_stage_media(effects, staged, outcomes)

    def _social_run_deferred(self):
        """Run the platform writes of events whose processing is committed.

        Each records its own outcome (a note, a flag); one that fails is
        logged and does not stop the others.
        """
        for write in self.env.context[SIDE_EFFECTS].take_deferred():
            try:
                with self.env.cr.savepoint():
                    write()
            except Exception:  # noqa: BLE001 - the others still run
                _logger.exception("social care: a platform write failed")

    @api.model
    def _social_resume_deferred(self):
        """Defer the platform writes of committed events a stopped run never made.

        Connectors whose writes are recorded in the database override this.
        """

    @api.model
    def _social_defer(self, write):
        """Run ``write`` (a platform write) once the current event is committed.

        Outside the inbox (no run in the context) it runs at once.
        """
        effects = self.env.context.get(SIDE_EFFECTS)
        if effects is None:
            write()
        else:
            effects.defer(write)

    def _social_restore_media(self, effects):
        """Media downloaded by an earlier, failed attempt are not asked again."""
        retried = self.filtered("attempts")
        if not retried:
            return
        for attachment in (
            self.env["ir.attachment"]
            .sudo()
            .search(
                [
                    ("res_model", "=", self._name),
                    ("res_id", "in", retried.ids),
                    ("description", "!=", False),
                ]
            )
        ):
            account = self.browse(attachment.res_id).account_id
            effects.remember(
                ("media", account.id, attachment.description), attachment.raw
            )

    def _social_stage_media(self, effects, staged, outcomes):
        """Keep the media of events that will be retried; drop those of the others.

        ``staged``: the keys each pending event read. Staged media are
        attachments of the event (its URL as description), found by
        ``_social_restore_media`` on the retry.
        """
        values = []
        for event, keys in staged.items():
            media = {key for key in keys if key[0] == "media"}
            for (_kind, _account_id, url), content in effects.results(media).items():
                # Checked as ingestion checks what it stores (by the bytes,
                # markup never kept); the retry checks it against the payload.
                mimetype, refused = media_type.stored_type(
                    guess_mimetype(content), content
                )
                if refused:
                    continue
                values.append(
                    {
                        "name": urlparse(url).path.rsplit("/", 1)[-1][:100] or "media",
                        "description": url,
                        "raw": content,
                        "mimetype": mimetype,
                        "res_model": self._name,
                        "res_id": event.id,
                    }
                )
        attachments = self.env["ir.attachment"].sudo()
        finished = [
            event.id
            for event, (values_, _ids) in outcomes.items()
            if event.attempts and values_.get("state") != "pending"
        ]
        stale_of = finished + [event.id for event in staged]
        if stale_of:
            attachments.search(
                [("res_model", "=", self._name), ("res_id", "in", stale_of)]
            ).unlink()
        if values:
            attachments.create(values)

    def _social_process_together(self, now):
        """Ingest the events' messages per account, in arrival order.

        Returns ``{event: (values, created message ids)}``. Raises if any
        event fails other than by an unreadable payload.
        """
        outcomes, parsed_events = {}, {}
        for event in self:
            try:
                parsed_events[event] = event.account_id._social_parse_event(event)
            except PayloadError as error:
                outcomes[event] = event._social_unreadable(error, now)
        by_account = defaultdict(list)
        for event, parsed in parsed_events.items():
            by_account[event.account_id].extend(parsed.messages)
        created = {}
        messages = self.env["social.care.message"]
        # Accounts in id order: two workers take thread locks in the same order.
        for account in sorted(by_account, key=lambda a: a.id):
            for message in messages._social_ingest(account, by_account[account]):
                created[(account.id, message.external_id)] = message.id
        for event, parsed in parsed_events.items():
            for signal in parsed.signals:
                event.account_id._social_handle_signal(signal)
            # A row belongs to the first event that brought its message.
            mine = [
                created.pop((event.account_id.id, m.external_id))
                for m in parsed.messages
                if (event.account_id.id, m.external_id) in created
            ]
            outcomes[event] = event._social_done(parsed, mine, now)
        return outcomes

    def _social_process_alone(self, now):
        """One event in its own savepoint; returns ``(values, created message ids)``."""
        self.ensure_one()
        try:
            with self.env.cr.savepoint():
                parsed = self.account_id._social_parse_event(self)
                created = self.env["social.care.message"]._social_ingest(
                    self.account_id, parsed.messages
                )
                for signal in parsed.signals:
                    self.account_id._social_handle_signal(signal)
                return self._social_done(parsed, created.ids, now)
        except PayloadError as error:
            return self._social_unreadable(error, now)
        except Exception as error:  # noqa: BLE001 - kept on the event, never lost
            if isinstance(error, SendError) and error.retryable:
                # The platform is down or limiting: a warning, in its own words
                # (no traceback, no URL), and the event waits for a retry.
                _logger.warning(
                    "social care event %s: the platform failed (%s): %s",
                    self.id,
                    error.kind,
                    error.message,
                )
            else:
                _logger.exception("social care event %s failed", self.id)
            attempts = self.attempts + 1
            final = attempts >= MAX_ATTEMPTS
            return (
                {
                    "state": "error" if final else "pending",
                    "attempts": attempts,
                    "next_attempt_at": False
                    if final
                    else now + timedelta(minutes=2**attempts),
                    "error": f"{type(error).__name__}: {error}",
                },
                [],
            )

    def _social_done(self, parsed, message_ids, now):
        handled = message_ids or parsed.messages or parsed.signals
        return (
            {
                "state": "done" if handled else "ignored",
                "processed_at": now,
                "error": "; ".join(parsed.ignored) or False,
            },
            message_ids,
        )

    def _social_unreadable(self, error, now):
        # A payload we cannot read will not improve by waiting.
        return (
            {
                "state": "error",
                "attempts": self.attempts + 1,
                "error": _("Unreadable payload: %s", error),
                "processed_at": now,
            },
            [],
        )

    def _social_record_outcomes(self, outcomes):
        """Write outcomes: one write per distinct outcome, one INSERT for the links.

        The accounts' last event time is kept here, not by the webhook, so a
        delivery costs no account update.
        """
        groups = defaultdict(list)
        for event, (values, _message_ids) in outcomes.items():
            groups[tuple(sorted(values.items()))].append(event.id)
        for values, ids in groups.items():
            self.browse(ids).write(dict(values))
        links = [
            (event.id, message_id)
            for event, (_values, message_ids) in outcomes.items()
            for message_id in message_ids
        ]
        if links:
            field = self._fields["message_ids"]
            self.env.cr.execute(
                SQL(
                    "INSERT INTO %s (%s, %s)"
                    " SELECT * FROM unnest(%s::int[], %s::int[])"
                    " ON CONFLICT DO NOTHING",
                    SQL.identifier(field.relation),
                    SQL.identifier(field.column1),
                    SQL.identifier(field.column2),
                    [event_id for event_id, _message_id in links],
                    [message_id for _event_id, message_id in links],
                )
            )
            self.invalidate_recordset(["message_ids"])
        latest = {}
        for event in self.filtered("account_id"):
            account = event.account_id
            latest[account] = max(
                latest.get(account, event.create_date), event.create_date
            )
        for account, received in latest.items():
            if not account.last_event_at or account.last_event_at < received:
                account.sudo().last_event_at = received

    def _social_find_account(self):
        """An account connected after the event arrived (admin retried it)."""
        account = self.env["social.care.account"].search(
            [("app_id", "=", self.app_id.id), ("external_ref", "=", self.account_ref)],
            limit=1,
        )
        if account:
            self.account_id = account
        return account

    # ------------------------------------------------------------------
    # Admin actions
    # ------------------------------------------------------------------

    def _social_check_manager(self):
        """Managers act on the events of their companies (read access), as the inbox.

        Nobody but the inbox writes events: the buttons check who presses
        them, then change the state only, never what the platform sent.
        """
        self.check_access("read")
        return self.sudo()

    def action_retry(self):
        events = self._social_check_manager()
        events.filtered(lambda e: e.state in ("error", "ignored")).write(
            {"state": "pending", "next_attempt_at": False, "error": False}
        )
        self._social_cron()._trigger()

    def action_ignore(self):
        events = self._social_check_manager()
        ignored = events.filtered(lambda e: e.state in ("pending", "error"))
        ignored.write({"state": "ignored"})
        # Media staged for a retry that will not come.
        self.env["ir.attachment"].sudo().search(
            [("res_model", "=", self._name), ("res_id", "in", ignored.ids)]
        ).unlink()

    def action_process_now(self):
        """Process the selected pending events at once (managers, for a stuck event)."""
        events = self._social_check_manager()
        events.filtered(lambda e: e.state == "pending")._process()
