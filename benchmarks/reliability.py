"""Reliability under load: the 10,000-event run of tests/reliability/test_load.py.

The same generator and checks as the test (signed deliveries on every
channel, 20% exact redeliveries, out-of-order edits and deletes, N
concurrent senders at a target rate, against a prefork Odoo on a private
PostgreSQL cluster holding a copy of ``--database``), at benchmark size. Prints
events/s, stored, tickets, duplicates, lost, p50/p99 acknowledgement and the
drain time; the figures go to docs/RELIABILITY.md.
"""

import argparse
import json
import os
import pathlib
import subprocess
import sys

REPO = pathlib.Path(__file__).resolve().parent.parent
FIGURES = REPO / "var" / "test-logs" / "reliability-load.json"
SHOWN = (
    ("events_sent", "deliveries sent"),
    ("unique_deliveries", "unique deliveries"),
    ("redeliveries", "exact redeliveries"),
    ("senders", "concurrent senders"),
    ("target_rate", "target rate (deliveries/s)"),
    ("achieved_rate", "achieved rate (deliveries/s)"),
    ("send_seconds", "sending time (s)"),
    ("drain_seconds_after_last_send", "drain after the last delivery (s)"),
    ("events_per_second_end_to_end", "events stored and processed per second"),
    ("ack_p50_ms", "acknowledgement p50 (ms)"),
    ("ack_p99_ms", "acknowledgement p99 (ms)"),
    ("ack_max_ms", "acknowledgement max (ms)"),
    ("statuses", "HTTP statuses"),
    ("events_stored", "events stored"),
    ("events_by_state", "events by state"),
    ("messages_stored", "messages stored (expected %(messages_expected)s)"),
    ("tickets", "tickets (expected %(tickets_expected)s)"),
    ("duplicates", "duplicates"),
    ("lost", "lost"),
    ("problems", "problems"),
)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--database", required=True, help="a database with the three addons"
    )
    parser.add_argument("--events", type=int, default=10000)
    parser.add_argument(
        "--rate", type=float, default=40.0, help="deliveries per second"
    )
    parser.add_argument("--senders", type=int, default=8)
    args = parser.parse_args()
    FIGURES.unlink(missing_ok=True)
    env = {
        **os.environ,
        "SOCIAL_CARE_E2E_DB": args.database,
        "SOCIAL_CARE_LOAD_EVENTS": str(args.events),
        "SOCIAL_CARE_LOAD_RATE": str(args.rate),
        "SOCIAL_CARE_LOAD_SENDERS": str(args.senders),
        "SOCIAL_CARE_LOAD_DRAIN_TIMEOUT": str(max(600, args.events / 10)),
    }
    test = REPO / "tests" / "reliability" / "test_load.py"
    outcome = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(test)],
        env=env,
        cwd=REPO,
        check=False,
    )
    if not FIGURES.exists():
        print("the load run produced no figures (see the pytest output above)")
        return 1
    figures = json.loads(FIGURES.read_text())
    for key, label in SHOWN:
        print(f"{label % figures:<48} {figures.get(key)}")
    print("checks:", "passed" if outcome.returncode == 0 else "FAILED")
    return outcome.returncode


if __name__ == "__main__":
    sys.exit(main())
