"""Load: a sustained stream of signed deliveries on every channel.

Size and pace from the environment: ``SOCIAL_CARE_LOAD_EVENTS`` (1000),
``SOCIAL_CARE_LOAD_RATE`` (deliveries/s, 40), ``SOCIAL_CARE_LOAD_SENDERS`` (8).
The figures are printed and written to ``var/test-logs/reliability-load.json``
(``benchmarks/reliability.py`` runs this test with 10,000 events).
"""

import json
import os

from .faults import log_summary
from .infra import LOGS
from .load import (
    assert_consistent,
    baseline,
    build_plan,
    check,
    percentile,
    send,
    wait_drained,
)

EVENTS = int(os.environ.get("SOCIAL_CARE_LOAD_EVENTS", "1000"))
RATE = float(os.environ.get("SOCIAL_CARE_LOAD_RATE", "40"))
SENDERS = int(os.environ.get("SOCIAL_CARE_LOAD_SENDERS", "8"))
DRAIN_TIMEOUT = float(os.environ.get("SOCIAL_CARE_LOAD_DRAIN_TIMEOUT", "600"))


def test_sustained_load(infra, world):
    plan = build_plan(world, events=EVENTS, senders=SENDERS)
    since = baseline(infra.db)
    log_offset = infra.server.log_path.stat().st_size
    result = send(world, plan.queues, RATE)
    statuses = result.statuses()
    drain = wait_drained(
        infra.db, world, since, len(plan.unique), timeout=DRAIN_TIMEOUT
    )
    report = check(infra.db, world, plan, since)
    latencies = result.latencies_ms()
    figures = {
        "events_sent": len(result.acks),
        "unique_deliveries": len(plan.unique),
        "redeliveries": plan.redeliveries,
        "arrival_patterns": dict(plan.patterns),
        "senders": SENDERS,
        "target_rate": RATE,
        "achieved_rate": round(result.rate, 1),
        "send_seconds": round(result.finished - result.started, 1),
        "drain_seconds_after_last_send": round(drain, 1),
        "events_per_second_end_to_end": round(
            len(plan.unique) / (result.finished - result.started + drain), 1
        ),
        "ack_p50_ms": round(percentile(latencies, 0.5), 1),
        "ack_p99_ms": round(percentile(latencies, 0.99), 1),
        "ack_max_ms": round(max(latencies, default=0), 1),
        "statuses": {str(k): v for k, v in statuses.items()},
        "postgres": "private cluster" if infra.private else "shared server",
        "odoo_log": log_summary(infra.server.log_path, log_offset),
        **{k: v for k, v in report.items() if k not in ("problems", "lost_sample")},
        "problems": report["problems"],
    }
    LOGS.mkdir(parents=True, exist_ok=True)
    (LOGS / "reliability-load.json").write_text(
        json.dumps(figures, indent=2, default=str)
    )
    print("\nreliability load:", json.dumps(figures, default=str))
    assert statuses == {200: len(result.acks)}, f"non-200 acknowledgements: {statuses}"
    assert_consistent(report)
    errors = [line for line in figures["odoo_log"] if not line.startswith("WARNING")]
    assert not errors, f"Odoo logged errors under load: {errors}"
