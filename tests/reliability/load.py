"""A sustained stream of signed deliveries, and the state it must leave behind.

``build_plan`` makes conversations on every channel (X posts and DMs, Facebook
comments, Messenger, Instagram comments and DMs) with the simulator's own
builders, adds edits and deletes (some arriving before the message they
change, some deletes followed by a late edit), then exact redeliveries (20%
of what is sent). Every delivery is one platform-shaped webhook POST, signed
with the connectors' own signing code (``simulator.addon_tools``).

``send`` plays the plan with N concurrent senders at a target rate and keeps
every acknowledgement's status and latency. ``check`` compares what the
database holds (read-only SQL) with the plan's ground truth.

The final state does not depend on the arrival order, by construction:
- a message's final text is its edit's when it has one, else its own;
- a message with a delete ends deleted, whatever came before or after;
- a conversation's first message is never deleted, so every conversation
  has exactly one ticket (threads are keyed by the platforms' ids);
- every text carries a unique token, so a chatter message posted twice shows.
"""

import copy
import http.client
import json
import random
import re
import secrets
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from simulator import addon_tools
from simulator.core import NETWORK

CHANNELS = (
    "x_public",
    "x_dm",
    "facebook_comment",
    "messenger",
    "instagram_comment",
    "instagram_dm",
)
# What each channel's platform can send besides a new message.
CHANGES = {
    "x_public": ("edit", "delete"),
    "x_dm": (),
    "facebook_comment": ("edit", "delete"),
    "messenger": ("edit",),
    "instagram_comment": ("edit", "delete"),
    "instagram_dm": ("edit", "delete"),
}
# How the changes of a follow-up message arrive (a conversation's first
# message is only ever edited, never deleted).
PATTERNS = (
    ("create",),
    ("create",),
    ("create",),
    ("create", "edit"),
    ("edit", "create"),  # the edit overtakes the message
    ("create", "delete"),
    ("delete", "create"),  # the delete overtakes the message: a tombstone
    ("create", "delete", "edit"),  # a late edit after the delete
    ("delete", "edit", "create"),
)
ROOT_PATTERNS = (("create",), ("create",), ("create", "edit"), ("edit", "create"))
TOKEN_RE = re.compile(r"\[L[0-9a-f]{6}-[0-9]+[ce]\]")


@dataclass
class Delivery:
    app: str  # "x" or "meta"
    body: bytes
    label: str  # channel and action, for reports
    number: int  # position among the unique deliveries


@dataclass
class Expected:
    """The final state of one message, whatever order its events came in."""

    channel: str
    account: str  # "x", "facebook", "instagram"
    external_id: str
    conversation: int
    text: str
    edited: bool = False
    deleted: bool = False
    tokens: tuple = ()


@dataclass
class Plan:
    run: str
    unique: list  # Delivery, each once
    queues: list  # per sender: the deliveries in sending order (with redeliveries)
    messages: dict  # (account, external_id) -> Expected
    conversations: int
    redeliveries: int
    patterns: Counter  # how each message's events arrive, e.g. "delete,create"

    @property
    def total(self):
        return sum(len(queue) for queue in self.queues)


@dataclass
class Ack:
    delivery: Delivery
    status: int
    seconds: float
    answer: str = ""


@dataclass
class SendResult:
    acks: list = field(default_factory=list)
    started: float = 0.0
    finished: float = 0.0

    @property
    def rate(self):
        return len(self.acks) / max(self.finished - self.started, 1e-9)

    def latencies_ms(self):
        return sorted(
            ack.seconds * 1000 for ack in self.acks if 200 <= ack.status < 300
        )

    def statuses(self):
        return Counter(ack.status for ack in self.acks)

    def failed(self):
        """Deliveries whose last answer was not 2xx: the platform sends them again."""
        last = {}
        for ack in self.acks:
            last[ack.delivery.number] = ack
        return [ack.delivery for ack in last.values() if not 200 <= ack.status < 300]


def percentile(values, fraction):
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


class _Builder:
    """Platform payloads from the simulator's builders, plus edits and deletes."""

    def __init__(self, simulator, run, rng):
        self.sim, self.run, self.rng = simulator, run, rng
        self.cfg = simulator.config
        self.people_made = 0
        self.prefix = str(rng.randrange(100000, 999999))

    def person(self, network):
        """A new customer: DM threads are per customer, so each thread gets one."""
        self.people_made += 1
        number = f"{self.prefix}{self.people_made:08d}"
        person = {
            "x": {
                "id": f"19{number}",
                "name": f"Load X {number}",
                "handle": f"ld{number}",
            },
            "facebook": {"id": f"72{number}", "name": f"Load Fb {number}"},
            "instagram": {
                "id": f"179{number}",
                "name": f"Load Ig {number}",
                "handle": f"ld.{number}",
            },
        }[network]
        # The simulator answers Graph profile look-ups for the people it knows.
        with self.sim.lock:
            self.cfg.people.setdefault(network, []).append(person)
        return person

    def create(self, channel, conversation, person, text):
        builder = getattr(self.sim, f"_build_{channel}")
        payload, message, conversation = builder(conversation, person, text)
        if channel == "x_public":
            text = message["text"]  # X writes the handle first
        if conversation is not None and not conversation["messages"]:
            # Replies answer the first message: only it is ever a parent.
            conversation["messages"].append({**message, "direction": "in"})
        return payload, message, conversation, text

    def edit(self, channel, created, text):
        payload = copy.deepcopy(created["payload"])
        if channel == "x_public":
            tweet = payload["tweet_create_events"][0]
            original = tweet["id_str"]
            new_id = self.sim._x_id()
            text = f"@{self.cfg.x_handle} {text}"
            tweet.update(
                id=int(new_id),
                id_str=new_id,
                text=text,
                edit_history={
                    "initial_tweet_id": original,
                    "edit_tweet_ids": [original, new_id],
                },
            )
        elif channel in ("facebook_comment", "instagram_comment"):
            value = payload["entry"][0]["changes"][0]["value"]
            value["verb"] = "edited"
            value["message" if channel == "facebook_comment" else "text"] = text
        else:  # messenger, instagram_dm
            event = payload["entry"][0]["messaging"][0]
            mid = event.pop("message")["mid"]
            event["message_edit"] = {"mid": mid, "text": text, "num_edit": 1}
        return payload, text

    def delete(self, channel, created):
        payload = copy.deepcopy(created["payload"])
        if channel == "x_public":
            tweet = payload.pop("tweet_create_events")[0]
            payload["tweet_delete_events"] = [
                {
                    "status": {
                        "id": tweet["id_str"],
                        "user_id": tweet["user"]["id_str"],
                    },
                    "timestamp_ms": str(int(time.time() * 1000)),
                }
            ]
        elif channel in ("facebook_comment", "instagram_comment"):
            value = payload["entry"][0]["changes"][0]["value"]
            value["verb"] = "remove"
            value.pop("message", None)
            value.pop("text", None)
        else:  # instagram_dm
            event = payload["entry"][0]["messaging"][0]
            event["message"] = {"mid": event["message"]["mid"], "is_deleted": True}
        return payload


def build_plan(simulator, events=1000, senders=8, duplicate_share=0.2, seed=None):
    """``events`` deliveries in all, ``duplicate_share`` of them exact redeliveries."""
    rng = random.Random(seed if seed is not None else secrets.randbits(32))
    run = secrets.token_hex(3)
    builder = _Builder(simulator, run, rng)
    unique_target = max(len(CHANNELS), round(events * (1 - duplicate_share)))
    unique, scripts, expected, patterns = [], [], {}, Counter()
    counter = iter(range(10**9))

    def add(script, app, payload, label):
        delivery = Delivery(app, json.dumps(payload).encode(), label, len(unique))
        unique.append(delivery)
        script.append(delivery)

    number = 0
    while len(unique) < unique_target:
        channel = CHANNELS[number % len(CHANNELS)]
        account = NETWORK[channel]
        app = "x" if account == "x" else "meta"
        person = builder.person(account)
        conversation, script = None, []
        follow_ups = rng.choice((0, 1, 1, 2, 3))
        for position in range(1 + follow_ups):
            n = next(counter)
            create_text = f"load message [L{run}-{n}c] on {channel}"
            edit_text = f"edited message [L{run}-{n}e] on {channel}"
            payload, message, conversation, create_text = builder.create(
                channel, conversation, person, create_text
            )
            choices = ROOT_PATTERNS if position == 0 else PATTERNS
            pattern = rng.choice(
                [p for p in choices if set(p) <= {"create", *CHANGES[channel]}]
            )
            patterns[",".join(pattern)] += 1
            created = {"payload": payload}
            outcome = Expected(
                channel,
                account,
                message["id"],
                number,
                create_text,
                tokens=(f"[L{run}-{n}c]",),
            )
            edit_payload = None
            if "edit" in pattern:
                edit_payload, edit_text = builder.edit(channel, created, edit_text)
                outcome.tokens += (f"[L{run}-{n}e]",)
                if "delete" not in pattern[: pattern.index("edit")]:
                    outcome.text, outcome.edited = edit_text, True
            if "delete" in pattern:
                outcome.deleted = True
            for action in pattern:
                if action == "create":
                    add(script, app, payload, f"{channel} create")
                elif action == "edit":
                    add(script, app, edit_payload, f"{channel} edit")
                else:
                    add(
                        script,
                        app,
                        builder.delete(channel, created),
                        f"{channel} delete",
                    )
            expected[(account, outcome.external_id)] = outcome
        scripts.append(script)
        number += 1

    # Each conversation goes to one sender, so its out-of-order script is
    # played as written; a sender interleaves its conversations at random.
    queues = [[] for _ in range(senders)]
    per_sender = defaultdict(list)
    for index, script in enumerate(scripts):
        per_sender[index % senders].append(list(script))
    for sender, owned in per_sender.items():
        while owned:
            script = rng.choice(owned)
            queues[sender].append(script.pop(0))
            if not script:
                owned.remove(script)
    # Exact redeliveries: after the original on its sender, or anywhere on another.
    redeliveries = events - len(unique)
    position_of = {
        delivery.number: (sender, index)
        for sender, queue in enumerate(queues)
        for index, delivery in enumerate(queue)
    }
    for delivery in rng.choices(unique, k=max(redeliveries, 0)):
        sender, index = position_of[delivery.number]
        if rng.random() < 0.5:
            queue = queues[sender]
            queue.insert(rng.randint(index + 1, len(queue)), delivery)
        else:
            queue = queues[rng.randrange(senders)]
            queue.insert(rng.randint(0, len(queue)), delivery)
    return Plan(run, unique, queues, expected, number, max(redeliveries, 0), patterns)


# ----------------------------------------------------------------------
# Sending
# ----------------------------------------------------------------------


def _signed(simulator, delivery):
    cfg = simulator.config
    if delivery.app == "x":
        return (
            cfg.x_app_id,
            addon_tools.X_SIGNATURE_HEADER,
            addon_tools.sign_x(cfg.x_secret, delivery.body),
        )
    return (
        cfg.meta_app_id,
        addon_tools.META_SIGNATURE_HEADER,
        addon_tools.sign_meta(cfg.meta_secret, delivery.body),
    )


def post(simulator, delivery, timeout=30):
    """POST one delivery as the platform does; ``(status, seconds, answer)``.

    Status 0 means no HTTP answer at all (connection refused or reset).
    """
    url = urlsplit(simulator.config.odoo_url)
    app_id, header, signature = _signed(simulator, delivery)
    started = time.perf_counter()
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=timeout)
    try:
        connection.request(
            "POST",
            f"/social_care/webhook/{app_id}",
            body=delivery.body,
            headers={"Content-Type": "application/json", header: signature},
        )
        response = connection.getresponse()
        answer = response.read(300).decode(errors="replace")
        status = response.status
    except (OSError, http.client.HTTPException) as error:
        status, answer = 0, f"no answer: {error}"
    finally:
        connection.close()
    return status, time.perf_counter() - started, answer


def send(simulator, queues, rate, stop=None):
    """Play the queues with one thread each, ``rate`` deliveries/s in all.

    Slots are shared: each delivery waits for the next slot of the schedule,
    so the stream is steady whatever the number of senders; a sender late on
    its slot sends at once. ``stop`` (an Event) ends the stream early.
    """
    result = SendResult()
    lock = threading.Lock()
    slots = iter(range(10**9))
    result.started = time.perf_counter()

    def sender(queue):
        for delivery in queue:
            if stop is not None and stop.is_set():
                return
            with lock:
                slot = next(slots)
            delay = result.started + slot / rate - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            status, seconds, answer = post(simulator, delivery)
            with lock:
                result.acks.append(Ack(delivery, status, seconds, answer))

    threads = [threading.Thread(target=sender, args=(queue,)) for queue in queues]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.finished = time.perf_counter()
    return result


def redeliver(simulator, result, attempts=10, pause=1.0):
    """Send again what was not acknowledged with a 2xx, as the platforms do."""
    for _attempt in range(attempts):
        failed = result.failed()
        if not failed:
            return 0
        for delivery in failed:
            status, seconds, answer = post(simulator, delivery)
            result.acks.append(Ack(delivery, status, seconds, answer))
        time.sleep(pause)
    return len(result.failed())


# ----------------------------------------------------------------------
# Checking the database against the plan
# ----------------------------------------------------------------------


@dataclass
class Baseline:
    """Row ids before the run: the checks only look at rows made after."""

    event: int
    message: int
    ticket: int
    mail: int


def baseline(db):
    def top(table):
        return db.value(f"SELECT coalesce(max(id), 0) FROM {table}")  # noqa: S608

    return Baseline(
        top("social_care_event"),
        top("social_care_message"),
        top("helpdesk_ticket"),
        top("mail_message"),
    )


def inbox_counts(db, simulator, since):
    cfg = simulator.config
    return dict(
        db.rows(
            """SELECT state, count(*) FROM social_care_event
                WHERE app_id IN %s AND id > %s GROUP BY state""",
            ((cfg.x_app_id, cfg.meta_app_id), since.event),
        )
    )


def wait_drained(db, simulator, since, expected_events, timeout, interval=1.0):
    """Until every expected event is stored and none is pending; seconds waited."""
    started = time.monotonic()
    while True:
        counts = inbox_counts(db, simulator, since)
        if sum(counts.values()) >= expected_events and not counts.get("pending"):
            return time.monotonic() - started
        if time.monotonic() - started > timeout:
            raise AssertionError(
                f"the inbox did not drain within {timeout} s: {counts} "
                f"(expected {expected_events} events)"
            )
        time.sleep(interval)


def check(db, simulator, plan, since):
    """What the database holds against the plan; a dict of figures and problems."""
    accounts = simulator.accounts
    account_names = {account_id: name for name, account_id in accounts.items()}
    events = inbox_counts(db, simulator, since)
    rows = db.rows(
        """SELECT account_id, external_id, text, is_edited, is_deleted, ticket_id,
                  mail_message_id
             FROM social_care_message
            WHERE account_id IN %s AND direction = 'in' AND id > %s""",
        (tuple(accounts.values()), since.message),
    )
    problems = []
    found = Counter((account_names[row[0]], row[1]) for row in rows)
    by_key = {(account_names[row[0]], row[1]): row for row in rows}
    duplicates = sum(count - 1 for count in found.values() if count > 1)
    lost = [key for key in plan.messages if key not in by_key]
    unexpected = [key for key in by_key if key not in plan.messages]
    tickets_of = defaultdict(set)
    for key, outcome in plan.messages.items():
        row = by_key.get(key)
        if row is None:
            continue
        _account, _external, text, edited, deleted, ticket, _mail = row
        if bool(deleted) != outcome.deleted:
            problems.append(f"{key}: deleted={deleted}, expected {outcome.deleted}")
        if not outcome.deleted and (
            text != outcome.text or bool(edited) != outcome.edited
        ):
            problems.append(
                f"{key}: text {text!r} edited={edited}, expected {outcome.text!r}"
            )
        if ticket:
            tickets_of[outcome.conversation].add(ticket)
    split = {c: t for c, t in tickets_of.items() if len(t) > 1}
    if split:
        problems.append(f"{len(split)} conversations spread over several tickets")
    ticket_ids = [t for tickets in tickets_of.values() for t in tickets]
    shared = len(ticket_ids) - len(set(ticket_ids))
    if shared:
        problems.append(f"{shared} tickets shared by several conversations")
    without_ticket = plan.conversations - len(tickets_of)
    if without_ticket:
        problems.append(f"{without_ticket} conversations without a ticket")
    new_tickets = db.value(
        "SELECT count(*) FROM helpdesk_ticket WHERE id > %s AND id = ANY(%s)",
        (since.ticket, list(set(ticket_ids)) or [0]),
    )
    # Chatter: each text (its token) posted at most once.
    bodies = db.rows(
        """SELECT body FROM mail_message
            WHERE model = 'helpdesk.ticket' AND res_id = ANY(%s) AND id > %s""",
        (list(set(ticket_ids)) or [0], since.mail),
    )
    posted = Counter(
        token for (body,) in bodies for token in set(TOKEN_RE.findall(body or ""))
    )
    chatter_duplicates = sum(count - 1 for count in posted.values() if count > 1)
    unposted = [
        key
        for key, outcome in plan.messages.items()
        if key in by_key
        and by_key[key][5]
        and not any(posted.get(token) for token in outcome.tokens)
    ]
    if unposted:
        problems.append(
            f"{len(unposted)} messages with a ticket but not in its chatter"
        )
    return {
        "events_expected": len(plan.unique),
        "events_stored": sum(events.values()),
        "events_by_state": events,
        "messages_expected": len(plan.messages),
        "messages_stored": len(rows),
        "tickets_expected": plan.conversations,
        "tickets": len(set(ticket_ids)),
        "tickets_new": new_tickets,
        "duplicates": duplicates + chatter_duplicates,
        "lost": len(lost),
        "unexpected": len(unexpected),
        "problems": problems[:20]
        + ([f"... {len(problems) - 20} more"] if len(problems) > 20 else []),
        "lost_sample": lost[:5],
    }


def assert_consistent(report):
    """Fail with the figures unless nothing was lost, doubled, or left undone."""
    assert report["events_stored"] == report["events_expected"], report
    assert report["events_by_state"] == {"done": report["events_expected"]}, report
    assert report["lost"] == 0, report
    assert report["duplicates"] == 0, report
    assert report["unexpected"] == 0, report
    assert report["messages_stored"] == report["messages_expected"], report
    assert (
        report["tickets"] == report["tickets_expected"] == report["tickets_new"]
    ), report
    assert not report["problems"], report
