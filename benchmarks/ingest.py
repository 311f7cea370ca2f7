"""Social ingestion vs Odoo's email gateway: events/s and SQL queries per event.

Run through ``benchmarks/run`` (it creates and drops a throwaway database).
N synthetic events from a few hundred authors (a third of them existing
contacts), many sharing threads, go through the inbox into tickets. The same
number of equivalent emails (first message of a thread opens a ticket, the
others reply to it) go through ``mail.thread.message_process`` into
``helpdesk.ticket``. The two take turns in rounds, so a change in the
machine's load weighs on both alike.
"""

import argparse
import random
import sys
import time
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

import odoo
from odoo import SUPERUSER_ID, api
from odoo.sql_db import sql_counter  # noqa: F401 - read through the module below


def queries():
    return odoo.sql_db.sql_counter


def synthetic_conversations(count, authors, seed=7):
    """(author index, thread index, text) for ``count`` messages, threads shared."""
    rng = random.Random(seed)
    threads = []
    items = []
    for _n in range(count):
        if threads and rng.random() < 0.6:
            author, thread = rng.choice(threads)
        else:
            author, thread = rng.randrange(authors), len(threads)
            threads.append((author, thread))
        items.append(
            (author, thread, f"Message {len(items)} about order S{10000 + thread}")
        )
    return items


def social_runner(env, items, batch):
    """A generic account fed by webhook deliveries; returns (run, tickets).

    ``run(start, stop)`` ingests items[start:stop] through the inbox into
    tickets and returns (seconds, queries).
    """
    app = env["social.care.app"].create(
        {"name": "Bench", "provider": "generic", "client_secret": "bench"}
    )
    env["social.care.account"].create(
        {
            "name": "Bench",
            "app_id": app.id,
            "external_ref": "bench",
            "state": "connected",
            "poll_enabled": False,
        }
    )
    from odoo.addons.social_care.tools import generic

    payloads = [
        {
            "account": "bench",
            "id": f"s{index}",
            "channel": "facebook_comment",
            "thread": f"thread-{thread}",
            "text": text,
            "author": {
                "id": f"a{author}",
                "name": f"Author {author}",
                "handle": f"author{author}",
            },
        }
        for index, (author, thread, text) in enumerate(items)
    ]

    def run(start, stop):
        env.flush_all()
        began, q0 = time.perf_counter(), queries()
        for offset in range(start, stop, batch):
            chunk = payloads[offset : min(offset + batch, stop)]
            app._social_store_deliveries(generic.split_delivery({"messages": chunk}))
        env["social.care.event"].with_context(
            social_care_no_commit=True
        )._cron_process_events()
        env.flush_all()
        return time.perf_counter() - began, queries() - q0

    def tickets():
        done = env["social.care.event"].search_count(
            [("app_id", "=", app.id), ("state", "=", "done")]
        )
        assert done == len(items), f"{done} of {len(items)} events processed"
        return env["helpdesk.ticket"].search_count(
            [("social_account_id.app_id", "=", app.id)]
        )

    return run, tickets


def email_runner(env, items):
    """Equivalent emails: a thread's first one opens a ticket, the others reply.

    Returns (run, tickets) like ``social_runner``.
    """
    first_ids = {}
    messages = []
    for index, (author, thread, text) in enumerate(items):
        mail = EmailMessage()
        mail["From"] = f"Author {author} <author{author}@example.com>"
        mail["To"] = "support@example.com"
        mail["Subject"] = f"Order S{10000 + thread}"
        mail["Date"] = format_datetime(odoo.fields.Datetime.now())
        message_id = make_msgid(f"bench{index}")
        mail["Message-Id"] = message_id
        if thread in first_ids:
            mail["In-Reply-To"] = first_ids[thread]
            mail["References"] = first_ids[thread]
        else:
            first_ids[thread] = message_id
        mail.set_content(text)
        messages.append(mail.as_string())
    gateway = env["mail.thread"]

    def run(start, stop):
        env.flush_all()
        began, q0 = time.perf_counter(), queries()
        for raw in messages[start:stop]:
            gateway.message_process("helpdesk.ticket", raw)
        env.flush_all()
        return time.perf_counter() - began, queries() - q0

    return run, lambda: len(first_ids)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database", required=True)
    parser.add_argument("--addons-path", required=True)
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--authors", type=int, default=300)
    parser.add_argument(
        "--batch", type=int, default=50, help="messages per webhook delivery"
    )
    parser.add_argument(
        "--rounds", type=int, default=8, help="social and email take turns"
    )
    args = parser.parse_args()
    odoo.tools.config.parse_config(
        ["-d", args.database, "--addons-path", args.addons_path, "--log-level", "warn"]
    )
    registry = odoo.modules.registry.Registry(args.database)
    items = synthetic_conversations(args.events, args.authors)
    with registry.cursor() as cr:
        env = api.Environment(
            cr, SUPERUSER_ID, {"mail_notrack": True, "tracking_disable": True}
        )
        # A third of the authors are existing contacts, known by their handle.
        env["res.partner"].create(
            [
                {
                    "name": f"Existing {a}",
                    "social_handles": f"author{a}",
                    "email": f"author{a}@example.com",
                }
                for a in range(0, args.authors, 3)
            ]
        )
        env = env(context={})
        social, social_tickets = social_runner(env, items, args.batch)
        email, email_tickets = email_runner(env, items)
        # Interleaved rounds: both see the same machine load, whatever it does.
        s_time = s_queries = e_time = e_queries = 0
        size = -(-len(items) // args.rounds)
        for start in range(0, len(items), size):
            spent, used = social(start, start + size)
            s_time, s_queries = s_time + spent, s_queries + used
            spent, used = email(start, start + size)
            e_time, e_queries = e_time + spent, e_queries + used
        s_tickets, e_tickets = social_tickets(), email_tickets()
        cr.rollback()
    social_rate, email_rate = len(items) / s_time, len(items) / e_time
    print(
        f"events: {len(items)} from {args.authors} authors, "
        f"{args.batch} per webhook delivery, {args.rounds} interleaved rounds"
    )
    print(
        f"social: {s_time:.1f} s, {social_rate:.1f} events/s, "
        f"{s_queries / len(items):.1f} queries/event, {s_tickets} tickets"
    )
    print(
        f"email:  {e_time:.1f} s, {email_rate:.1f} emails/s, "
        f"{e_queries / len(items):.1f} queries/email, {e_tickets} tickets"
    )
    print(
        f"ratio:  social is {social_rate / email_rate:.2f}x "
        "the email gateway's throughput"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
