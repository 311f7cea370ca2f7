import logging
import time
from datetime import timedelta

from odoo import _, api, fields, models

from ..tools import PayloadError
from .transaction import commit

_logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
BATCH_SIZE = 100
CRON_TIME_BUDGET = 120  # seconds; the cron triggers itself again for the rest


class SocialCareEvent(models.Model):
    """The inbox: every webhook delivery unit and poll page, stored first.

    Rows are unique per (app, account, delivery key), enforced by the
    database, so a redelivery or an overlapping poll is dropped on insert.
    Processing happens in a cron, never in the webhook request.
    """

    _name = "social.care.event"
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
    attempts = fields.Integer(readonly=True)
    next_attempt_at = fields.Datetime(readonly=True)
    processed_at = fields.Datetime(readonly=True)
    error = fields.Text(readonly=True)
    message_ids = fields.Many2many(
        "social.care.message", string="Messages", readonly=True
    )

    def init(self):
        self.env.cr.execute(
            """
            CREATE UNIQUE INDEX IF NOT EXISTS social_care_event_delivery_uniq
                ON social_care_event (app_id, account_ref, delivery_key);
            CREATE INDEX IF NOT EXISTS social_care_event_pending_idx
                ON social_care_event (id) WHERE state = 'pending';
            """
        )

    @api.model
    def _insert_rows(self, rows):
        """Insert inbox rows; the database drops duplicates. Returns the new count."""
        if not rows:
            return 0
        uid = self.env.uid
        values = []
        for row in rows:
            values.extend(
                [
                    row["app_id"],
                    row["account_id"],
                    row["company_id"],
                    row["account_ref"],
                    row["delivery_key"],
                    row["event_type"],
                    row["payload"],
                    row["state"],
                    row["error"] or None,
                    uid,
                    uid,
                ]
            )
        placeholders = ", ".join(
            [
                "(%s, %s, %s, %s, %s, %s, %s::jsonb, %s, %s, 0, %s, %s,"
                " now() at time zone 'utc', now() at time zone 'utc')"
            ]
            * len(rows)
        )
        self.env.cr.execute(
            f"""
            INSERT INTO social_care_event
                (app_id, account_id, company_id, account_ref, delivery_key, event_type,
                 payload, state, error, attempts,
                 create_uid, write_uid, create_date, write_date)
            VALUES {placeholders}
            ON CONFLICT (app_id, account_ref, delivery_key) DO NOTHING
            RETURNING id, state
            """,  # noqa: S608 - only placeholders are interpolated
            values,
        )
        inserted = self.env.cr.fetchall()
        if any(state == "pending" for _id, state in inserted):
            self.env.ref("social_care.ir_cron_process_events")._trigger()
        account_ids = {row["account_id"] for row in rows if row["account_id"]}
        if inserted and account_ids:
            self.env.cr.execute(
                "UPDATE social_care_account"
                " SET last_event_at = now() at time zone 'utc'"
                " "
                "WHERE id = ANY(%s)",
                [list(account_ids)],
            )
        return len(inserted)

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
        started = time.monotonic()
        while time.monotonic() - started < CRON_TIME_BUDGET:
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
            self.browse(ids)._process()
            commit(self.env)
        self.env.ref("social_care.ir_cron_process_events")._trigger()

    def _process(self):
        """Turn events into messages and tickets; a failure stays on its event."""
        messages = self.env["social.care.message"]
        now = fields.Datetime.now()
        for event in self:
            account = event.account_id or event._social_find_account()
            if not account or account.state == "disabled":
                event.write(
                    {
                        "state": "ignored",
                        "processed_at": now,
                        "error": _("The account is not connected."),
                    }
                )
                continue
            try:
                with self.env.cr.savepoint():
                    parsed = account._social_parse_event(event)
                    created = messages._social_ingest(account, parsed.messages)
                    for signal in parsed.signals:
                        account._social_handle_signal(signal)
                    handled = created or parsed.messages or parsed.signals
                    event.write(
                        {
                            "state": "done" if handled else "ignored",
                            "processed_at": now,
                            "error": "; ".join(parsed.ignored) or False,
                            "message_ids": [(6, 0, created.ids)],
                        }
                    )
            except PayloadError as error:
                # A payload we cannot read will not improve by waiting.
                event.write(
                    {
                        "state": "error",
                        "attempts": event.attempts + 1,
                        "error": _("Unreadable payload: %s", error),
                        "processed_at": now,
                    }
                )
            except Exception as error:  # noqa: BLE001 - kept on the event, never lost
                _logger.exception("social care event %s failed", event.id)
                attempts = event.attempts + 1
                final = attempts >= MAX_ATTEMPTS
                event.write(
                    {
                        "state": "error" if final else "pending",
                        "attempts": attempts,
                        "next_attempt_at": False
                        if final
                        else now + timedelta(minutes=2**attempts),
                        "error": f"{type(error).__name__}: {error}",
                    }
                )

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

    def action_retry(self):
        self.filtered(lambda e: e.state in ("error", "ignored")).write(
            {"state": "pending", "next_attempt_at": False, "error": False}
        )
        self.env.ref("social_care.ir_cron_process_events")._trigger()

    def action_ignore(self):
        self.filtered(lambda e: e.state in ("pending", "error")).write(
            {"state": "ignored"}
        )

    def action_process_now(self):
        """Process the selected pending events at once (admins, for a stuck event)."""
        self.filtered(lambda e: e.state == "pending")._process()
