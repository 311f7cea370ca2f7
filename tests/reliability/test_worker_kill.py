"""Odoo killed mid-batch: the cron worker alone, then the whole server.

Before the kill, agents' replies are queued on DM tickets and the simulator
answers reply calls slowly, so that one reply is caught in 'sending' (the
platform has received it, Odoo has not recorded the answer). A load runs;
while the inbox cron is working through it, the processes are killed with
SIGKILL. Afterwards: nothing lost, no message or ticket doubled, every reply
text reached the platform exactly once, and the reply caught in 'sending'
ends 'failed' with a reason that says to check the platform (it is never
resent blindly). That happens once the row is older than the send cron's
stale limit (15 minutes): the test ages the row in the database instead of
waiting.
"""

import json
import os
import signal
import subprocess
import threading
import time

import pytest

from .faults import (
    BackgroundLoad,
    admin_view,
    log_summary,
    processing_underway,
    running_crons,
)
from .infra import LOGS, wait_until
from .load import (
    assert_consistent,
    baseline,
    build_plan,
    check,
    inbox_counts,
    redeliver,
    wait_drained,
)

# Faster than the inbox cron processes, so that a backlog forms to fail in.
EVENTS = int(os.environ.get("SOCIAL_CARE_FAULT_EVENTS", "1000"))
RATE = float(os.environ.get("SOCIAL_CARE_FAULT_RATE", "100"))
SENDERS = 16
DRAIN_TIMEOUT = 400
SLOW_REPLY = 8  # seconds the simulator holds a reply call before answering
REPLIES = 4
DM_ACCOUNTS = {"x_dm": "x", "messenger": "facebook", "instagram_dm": "instagram"}
STALE_REASON = "Sending was interrupted"


class SlowReplies:
    """The simulator holds reply calls (POSTs carrying ``marker``) for a while."""

    def __init__(self, simulator, marker):
        self.simulator, self.marker = simulator, marker
        self.original = simulator.handle_api
        self.active = threading.Event()
        self.active.set()

    def __call__(self, method, path, query, headers, body, *extra):
        if (
            self.active.is_set()
            and method == "POST"
            and self.marker.encode() in (body or b"")
        ):
            time.sleep(SLOW_REPLY)
        return self.original(method, path, query, headers, body, *extra)

    def __enter__(self):
        self.simulator.handle_api = self
        return self

    def __exit__(self, *exc):
        self.active.clear()
        self.simulator.handle_api = self.original


def dm_tickets(infra, world, count):
    """DM conversations of their own, received and turned into tickets."""
    plan = build_plan(world, events=60, senders=1, duplicate_share=0)
    since = baseline(infra.db)
    from .load import send

    send(world, plan.queues, rate=50)
    wait_drained(infra.db, world, since, len(plan.unique), timeout=120)
    wanted = [
        (world.accounts[account], outcome.external_id)
        for (account, _id), outcome in plan.messages.items()
        if outcome.channel in DM_ACCOUNTS and not outcome.deleted
    ]
    tickets = []
    for account, external_id in wanted:
        ticket = infra.db.value(
            """SELECT ticket_id FROM social_care_message
                WHERE account_id = %s AND external_id = %s""",
            (account, external_id),
        )
        if ticket and ticket not in tickets:
            tickets.append(ticket)
    assert len(tickets) >= count, f"only {len(tickets)} DM tickets to answer"
    return tickets[:count]


def cron_workers(server):
    """The cron worker processes: odoo-bin's children that lowered their priority."""
    out = subprocess.run(
        ["ps", "-o", "pid=,ni=", "--ppid", str(server.process.pid)],
        capture_output=True,
        text=True,
    ).stdout
    return [
        int(pid)
        for pid, nice in (line.split() for line in out.splitlines())
        if nice == "10"
    ]


def sending(db, marker):
    """Ids of the replies in 'sending' now."""
    return [
        row[0]
        for row in db.rows(
            """SELECT id FROM social_care_message
                WHERE state = 'sending' AND text LIKE %s""",
            (f"%{marker}%",),
        )
    ]


def reply_calls(world, marker):
    with world.lock:
        return [
            json.dumps(call.get("body"))
            for call in world.calls
            if marker in json.dumps(call.get("body"))
        ]


@pytest.mark.parametrize("victim", ["cron_workers", "whole_server"])
def test_odoo_killed_mid_batch(infra, world, odoo, victim):
    marker = f"[R{os.getpid()}-{victim}]"
    tickets = dm_tickets(infra, world, REPLIES)
    plan = build_plan(world, events=EVENTS, senders=SENDERS)
    since = baseline(infra.db)
    log_offset = infra.server.log_path.stat().st_size
    texts = [f"Agent reply {n} {marker}" for n in range(len(tickets))]
    slow = SlowReplies(world, marker)
    with slow, BackgroundLoad(world, plan.queues, RATE) as load:
        for ticket, text in zip(tickets, texts, strict=False):
            odoo.post_in_chatter(ticket, text)
        wait_until(
            lambda: processing_underway(infra.db, world, since)
            and infra.db.value(
                """SELECT count(*) FROM social_care_message
                    WHERE state = 'sending' AND text LIKE %s""",
                (f"%{marker}%",),
            ),
            120,
            "the inbox cron mid-batch and a reply in 'sending'",
            seen=lambda: {
                "inbox": inbox_counts(infra.db, world, since),
                "crons running": running_crons(infra.db),
                "replies": infra.db.rows(
                    """SELECT state, error FROM social_care_message
                        WHERE text LIKE %s""",
                    (f"%{marker}%",),
                ),
            },
        )
        workers = cron_workers(infra.server)
        assert workers, "no cron worker found among odoo-bin's children"
        before = running_crons(infra.db)
        inbox_at_kill = inbox_counts(infra.db, world, since)
        caught = sending(infra.db, marker)
        if victim == "cron_workers":
            for pid in workers:
                os.kill(pid, signal.SIGKILL)
        else:
            infra.server.kill()
        slow.active.clear()  # the platform answers at once from now on
        if victim == "whole_server":
            time.sleep(2)
            infra.server.start()
    result = load.result
    statuses = result.statuses()
    left_over = redeliver(world, result)
    drain = wait_drained(infra.db, world, since, len(plan.unique), DRAIN_TIMEOUT)
    report = check(infra.db, world, plan, since)

    # The other replies go out once the send cron runs again.
    wait_until(
        lambda: not infra.db.value(
            """SELECT count(*) FROM social_care_message
                WHERE text LIKE %s AND state NOT IN ('sent', 'failed')
                  AND NOT id = ANY(%s)""",
            (f"%{marker}%", caught),
        ),
        180,
        "the replies queued behind the interrupted one sent",
    )
    # The reply caught in 'sending': as the send cron sees it 15 minutes later.
    infra.db.admin(
        """UPDATE social_care_message
              SET write_date = write_date - interval '16 minutes'
            WHERE id = ANY(%s) AND state = 'sending'""",
        (caught,),
    )
    send_cron = odoo.ref("social_care.ir_cron_send_messages")
    odoo.call("ir.cron", "method_direct_trigger", [send_cron])
    replies = wait_until(
        lambda: (
            rows := odoo.call(
                "social.care.message",
                "search_read",
                [("direction", "=", "out"), ("text", "like", marker)],
                fields=["text", "state", "error", "ticket_id"],
            )
        )
        and all(row["state"] in ("sent", "failed") for row in rows)
        and rows,
        180,
        "every reply sent or failed",
    )
    calls = reply_calls(world, marker)
    per_text = {text: sum(text in call for call in calls) for text in texts}
    failed = [row for row in replies if row["state"] == "failed"]
    replies_by_id = {row["id"]: row for row in replies}
    activities = (
        odoo.call(
            "mail.activity",
            "search_count",
            [
                ("res_model", "=", "helpdesk.ticket"),
                ("res_id", "in", [r["ticket_id"][0] for r in failed]),
                ("summary", "=", "Social reply not sent"),
            ],
        )
        if failed
        else 0
    )
    figures = {
        "victim": victim,
        "killed": workers
        if victim == "cron_workers"
        else "odoo-bin and all its workers",
        "crons_running_at_kill": before,
        "replies_in_sending_at_kill": len(caught),
        "inbox_at_kill": inbox_at_kill,
        "statuses_during_load": {str(k): v for k, v in statuses.items()},
        "redelivered": len(
            {ack.delivery.number for ack in result.acks if not 200 <= ack.status < 300}
        ),
        "drain_seconds_after_redelivery": round(drain, 1),
        "replies": {row["text"]: [row["state"], row["error"]] for row in replies},
        "reply_calls_per_text": per_text,
        "activities_for_failed_replies": activities,
        "admin": admin_view(infra.db, world, since),
        "odoo_log": log_summary(infra.server.log_path, log_offset),
        **report,
    }
    LOGS.mkdir(parents=True, exist_ok=True)
    (LOGS / f"reliability-kill-{victim}.json").write_text(
        json.dumps(figures, indent=2, default=str)
    )
    print(f"\nreliability kill {victim}:", json.dumps(figures, default=str))
    assert left_over == 0, "redelivered deliveries still refused after the restart"
    assert_consistent(report)
    assert not figures["admin"]["events_in_error"], figures["admin"]
    assert all(
        count == 1 for count in per_text.values()
    ), f"reply calls per text: {per_text}"
    assert len(replies) == len(texts), replies
    assert caught, "no reply was caught in 'sending' by the kill"
    assert sorted(row["id"] for row in failed) == sorted(caught), replies_by_id
    assert all(STALE_REASON in (row["error"] or "") for row in failed), failed
    assert activities == len(
        failed
    ), "the agents were not told about the failed replies"
