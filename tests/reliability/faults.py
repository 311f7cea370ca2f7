"""What the fault tests share: a load running in the background, and what an
admin sees afterwards."""

import re
import threading

from .load import inbox_counts, send

LOG_LINE_RE = re.compile(r"^\S+ \S+ \d+ (ERROR|CRITICAL|WARNING) \S+ ([\w.]+): (.*)$")


class BackgroundLoad:
    """``load.send`` in a thread: the fault happens while it runs."""

    def __init__(self, simulator, queues, rate):
        self.result = None
        self.stop = threading.Event()
        self.thread = threading.Thread(
            target=self._run, args=(simulator, queues, rate), daemon=True
        )

    def _run(self, simulator, queues, rate):
        self.result = send(simulator, queues, rate, stop=self.stop)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        if exc[0] is not None:
            self.stop.set()
        self.thread.join()


def processing_underway(db, simulator, since):
    """The inbox cron is running, with events done and a backlog waiting."""
    counts = inbox_counts(db, simulator, since)
    return (
        counts.get("done", 0) >= 20
        and counts.get("pending", 0) >= 50
        and "ir_cron_process_events" in running_crons(db)
    )


def running_crons(db):
    """The social care crons a worker is running now (their job row is locked)."""
    connection = db.connect()
    connection.set_session(readonly=False, autocommit=False)
    try:
        with connection.cursor() as cr:
            cr.execute(
                """SELECT d.name, c.id FROM ir_cron c
                     JOIN ir_model_data d ON d.model = 'ir.cron' AND d.res_id = c.id
                    WHERE d.module = 'social_care'"""
            )
            crons = dict(cr.fetchall())
            cr.execute(
                "SELECT id FROM ir_cron WHERE id = ANY(%s) FOR UPDATE SKIP LOCKED",
                (list(crons.values()),),
            )
            free = {row[0] for row in cr.fetchall()}
    finally:
        connection.rollback()
        connection.close()
    return sorted(name for name, cron_id in crons.items() if cron_id not in free)


def admin_view(db, simulator, since):
    """What an administrator sees: events in error, the crons' failure counters."""
    cfg = simulator.config
    errors = db.rows(
        """SELECT error, count(*) FROM social_care_event
            WHERE app_id IN %s AND id > %s AND state = 'error' GROUP BY error""",
        ((cfg.x_app_id, cfg.meta_app_id), since.event),
    )
    crons = db.rows(
        """SELECT d.name, c.active, c.failure_count
             FROM ir_cron c
             JOIN ir_model_data d ON d.model = 'ir.cron' AND d.res_id = c.id
            WHERE d.module = 'social_care'"""
    )
    return {
        "events_in_error": {error: count for error, count in errors},
        "crons": {
            name: {"active": active, "failures": count} for name, active, count in crons
        },
    }


def log_summary(path, offset=0):
    """Errors and warnings Odoo logged since ``offset`` bytes, by logger and text."""
    with open(path, "rb") as log:
        log.seek(offset)
        text = log.read().decode(errors="replace")
    seen = {}
    for line in text.splitlines():
        match = LOG_LINE_RE.match(line)
        if match:
            level, logger, message = match.groups()
            key = f"{level} {logger}: {message[:100]}"
            seen[key] = seen.get(key, 0) + 1
    return seen
