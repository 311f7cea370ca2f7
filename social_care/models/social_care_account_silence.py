from datetime import timedelta

from odoo import _, api, fields, models

# The usual gap is learned from the webhook deliveries of the last days.
HISTORY_DAYS = 14
# Before alarming, the account needs this many deliveries over this span.
MIN_DELIVERIES = 20
MIN_HISTORY_SPAN = timedelta(days=1)
# 95% of the gaps between two deliveries are at most the usual gap.
GAP_PERCENTILE = 0.95
# Silent for longer than the usual gap times this, and than the floor: alarm.
GAP_FACTOR = 3
SILENCE_FLOOR = timedelta(minutes=30)
# While silent, the account is polled at least this often (minutes).
SILENT_POLL_INTERVAL = 5


class SocialCareAccount(models.Model):
    """A silent channel is an alarm.

    Webhooks fail quietly: a platform that stops pushing (subscription lost,
    app disabled after errors, a certificate) sends nothing to say so. An
    account that normally receives deliveries and gets none for much longer
    than its own usual gap is flagged, its admins get an activity, and polling
    takes over until the deliveries resume.
    """

    _inherit = "social.care.account"

    webhook_silent_since = fields.Datetime(
        "Webhook silent since",
        readonly=True,
        copy=False,
        help="Set when no webhook delivery came for much longer than usual: the "
        "time of the last one. Cleared when deliveries resume.",
    )
    webhook_silence_gap = fields.Integer(
        "Usual gap when the silence began (minutes)", readonly=True, copy=False
    )
    webhook_silence_warning = fields.Char(compute="_compute_webhook_silence_warning")
    webhook_usual_gap = fields.Integer(
        "Usual gap between deliveries (minutes)",
        compute="_compute_webhook_usual_gap",
        help="Learned from the account's own webhook deliveries of the last 14 "
        "days: 95% of the gaps between two deliveries are at most this long. The "
        "account is flagged as silent after 3 times this, and never before 30 "
        "minutes. It needs at least 20 deliveries spread over a day or more "
        "first: until then this is 0 and nothing is flagged.",
    )
    webhook_silence_activity_id = fields.Many2one(
        "mail.activity", readonly=True, copy=False, ondelete="set null"
    )
    webhook_silence_saved_poll = fields.Json(
        readonly=True,
        copy=False,
        help="The polling setting before the silence, restored when it ends.",
    )

    @api.depends("webhook_silent_since", "webhook_silence_gap", "provider")
    def _compute_webhook_silence_warning(self):
        for account in self:
            account.webhook_silence_warning = (
                account._social_silence_note()
                if account.webhook_silent_since
                else False
            )

    def _social_silence_note(self):
        """The silence in words: the banner's and the admins' activity's text."""
        self.ensure_one()
        values = {
            "last": fields.Datetime.to_string(self.webhook_silent_since),
            "gap": self.webhook_silence_gap,
        }
        if self._social_can_poll():
            return _(
                "No webhook delivery since %(last)s UTC, while one usually "
                "comes at least every %(gap)s minutes. Polling takes over "
                "until deliveries resume: check the webhook subscription "
                "on the platform.",
                **values,
            )
        return _(
            "No webhook delivery since %(last)s UTC, while one usually "
            "comes at least every %(gap)s minutes. This platform cannot "
            "be polled: messages sent meanwhile may be missing. Check the "
            "webhook on the platform's side.",
            **values,
        )

    def _compute_webhook_usual_gap(self):
        pace = self._social_webhook_pace(fields.Datetime.now())
        for account in self:
            account.webhook_usual_gap = int(
                account._social_usual_gap(pace.get(account.id)).total_seconds() // 60
            )

    def _social_webhook_pace(self, now):
        """Each account's webhook deliveries of the last days, in one query.

        Returns ``{account id: (deliveries, first, last, gap percentile in
        seconds)}``. Units stored by one POST share its time: they count once.
        """
        ids = [account_id for account_id in self.ids if account_id]
        if not ids:
            return {}
        self.env["social.care.event"].flush_model(
            ["account_id", "create_date", "via_webhook"]
        )
        self.env.cr.execute(
            """
            WITH delivery AS (
                SELECT DISTINCT account_id, create_date
                  FROM social_care_event
                 WHERE via_webhook
                   AND account_id = ANY(%(ids)s)
                   AND create_date >= %(since)s
            ), gap AS (
                SELECT account_id, create_date,
                       extract(epoch FROM create_date - lag(create_date)
                               OVER (PARTITION BY account_id ORDER BY create_date))
                           AS seconds
                  FROM delivery
            )
            SELECT account_id, count(*), min(create_date), max(create_date),
                   percentile_cont(%(percentile)s) WITHIN GROUP (ORDER BY seconds)
              FROM gap
             GROUP BY account_id
            """,
            {
                "ids": ids,
                "since": now - timedelta(days=HISTORY_DAYS),
                "percentile": GAP_PERCENTILE,
            },
        )
        return {row[0]: row[1:] for row in self.env.cr.fetchall()}

    @api.model
    def _social_usual_gap(self, pace):
        """The learned gap, or zero without enough history to learn it."""
        if not pace:
            return timedelta(0)
        deliveries, first, last, percentile = pace
        if deliveries < MIN_DELIVERIES or last - first < MIN_HISTORY_SPAN:
            return timedelta(0)
        return timedelta(seconds=percentile or 0)

    def _social_can_poll(self):
        """Whether the provider can be asked for what is new; connectors override."""
        self.ensure_one()
        return False

    # ------------------------------------------------------------------

    @api.model
    def _cron_check_webhook_silence(self):
        """Flag the accounts whose webhook went silent; clear those it came back to."""
        accounts = self.search(
            [
                "|",
                ("state", "=", "connected"),
                ("webhook_silent_since", "!=", False),
            ]
        )
        now = fields.Datetime.now()
        pace = accounts._social_webhook_pace(now)
        silent, resumed = {}, self.browse()
        for account in accounts:
            stats = pace.get(account.id)
            last = stats and stats[2]
            if account.webhook_silent_since:
                if last and last > account.webhook_silent_since:
                    resumed |= account
                continue
            gap = self._social_usual_gap(stats)
            if (
                account.state == "connected"
                and gap
                and now - last > max(gap * GAP_FACTOR, SILENCE_FLOOR)
            ):
                silent[account] = (last, gap)
        if silent:
            self._social_raise_silence(silent, now)
        if resumed:
            resumed._social_clear_silence()

    @api.model
    def _social_raise_silence(self, silent, now):
        """Warn, tell one admin per account, and let polling take over."""
        admins = self.env.ref("base.group_system").users
        activity_type = self.env.ref("mail.mail_activity_data_warning")
        model_id = self.env["ir.model"]._get_id(self._name)
        activity_values, with_activity = [], self.browse()
        for account, (last, gap) in silent.items():
            values = {
                "webhook_silent_since": last,
                "webhook_silence_gap": max(1, round(gap.total_seconds() / 60)),
            }
            if account._social_can_poll():
                values.update(
                    webhook_silence_saved_poll={
                        "poll_enabled": account.poll_enabled,
                        "poll_interval": account.poll_interval,
                    },
                    poll_enabled=True,
                    poll_interval=min(
                        account.poll_interval or SILENT_POLL_INTERVAL,
                        SILENT_POLL_INTERVAL,
                    ),
                    next_poll_at=now,
                )
            account.write(values)
            admin = admins.filtered(
                lambda user, account=account: account.company_id in user.company_ids
            )[:1]
            if admin:
                with_activity |= account
                activity_values.append(
                    {
                        "res_model_id": model_id,
                        "res_id": account.id,
                        "activity_type_id": activity_type.id,
                        "summary": _("Webhook silent: no deliveries"),
                        "note": account._social_silence_note(),
                        "user_id": admin.id,
                        "date_deadline": fields.Date.context_today(self),
                    }
                )
        # In the admins' activities, without one e-mail per account: a platform
        # outage silences many accounts at once.
        activities = (
            self.env["mail.activity"]
            .with_context(mail_activity_quick_update=True)
            .create(activity_values)
        )
        for account, activity in zip(with_activity, activities, strict=True):
            account.webhook_silence_activity_id = activity
        self.env.ref("social_care.ir_cron_poll_accounts")._trigger()

    def _social_clear_silence(self):
        """Deliveries resumed: clear the warning, close the activity, poll as before."""
        activities = self.webhook_silence_activity_id
        for account in self:
            values = {
                "webhook_silent_since": False,
                "webhook_silence_gap": 0,
                "webhook_silence_activity_id": False,
                "webhook_silence_saved_poll": False,
            }
            saved = account.webhook_silence_saved_poll
            if isinstance(saved, dict):
                values.update(
                    poll_enabled=bool(saved.get("poll_enabled")),
                    poll_interval=saved.get("poll_interval") or account.poll_interval,
                )
            account.write(values)
        if activities:
            activities.action_feedback(
                feedback=_(
                    "Webhook deliveries resumed: the warning is cleared and polling "
                    "is back to its previous setting."
                )
            )
