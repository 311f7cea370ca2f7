"""Hostile customer text and payloads against the pure helpers; print timings.

What the security review (issue 11) sent, and its neighbours: a 63k-character
visitor post of address characters without "@" (the contact hints), a run of
"<" (the reply text), catastrophic routing-rule patterns, and deeply nested
JSON (the webhook body and the parsers). Each case prints the time of the
current code and, where the code changed, of the pattern it replaced, so the
figures in docs/RELIABILITY.md ("Secrets and personal data") can be redone:

    .venv/bin/python benchmarks/hostile_text.py
"""

import importlib
import json
import pathlib
import re
import sys
import time

REPO = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
importlib.import_module("simulator.addon_tools")  # exposes odoo.addons.*.tools
from odoo.addons.social_care.tools import (  # noqa: E402
    extract_contact_hints,
    html_to_text,
    pattern_problem,
)
from odoo.addons.social_care.tools.rule_pattern import TEXT_LIMIT  # noqa: E402
from odoo.addons.social_care.tools.textutil import EMAIL_RE  # noqa: E402
from odoo.addons.social_care_meta.tools import meta_webhook  # noqa: E402
from odoo.addons.social_care_twitter.tools import x_webhook  # noqa: E402

# The patterns the code used before issue 11, to compare with.
OLD_EMAIL_RE = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
OLD_TAG_RE = re.compile(r"<[^>]+>")
NEW_TAG_RE = re.compile(r"<[^<>]+>")


def timed(function, *args):
    started = time.perf_counter()
    try:
        outcome = function(*args)
    except (RecursionError, ValueError) as error:
        outcome = type(error).__name__
    return time.perf_counter() - started, outcome


def row(label, seconds, note=""):
    print(f"{label:<58} {seconds * 1000:>10.1f} ms  {note}")


def contact_hints():
    print("\nContact hints (e-mail pattern), 63,000 characters")
    cases = {
        "address characters, no @": "a" * 63_000,
        "dotted run, no @": "b." * 31_500,
        "one @ after a long run": "c" * 63_000 + "@example.com",
        "many @": "a@" * 31_500,
    }
    for name, text in cases.items():
        new, found = timed(lambda t: EMAIL_RE.findall(t), text)
        old, old_found = timed(lambda t: OLD_EMAIL_RE.findall(t), text)
        row(f"  {name}: now", new, f"{len(found)} address(es)")
        row(f"  {name}: before", old, f"{len(old_found)} address(es)")
    normal = (
        "Hi, my order S00042 has not arrived. Write to mario.rossi@example.com "
        "or call +39 347 123 4567. Thanks! "
    ) * 10
    seconds, _hints = timed(
        lambda: [extract_contact_hints(normal) for _ in range(1000)]
    )
    row("  1,000 normal messages (1,050 characters each), all hints", seconds)


def reply_text():
    print("\nReply text (tags stripped), 63,000 characters")
    text = "<" * 63_000
    new, _ = timed(lambda: NEW_TAG_RE.sub("", text))
    old, _ = timed(lambda: OLD_TAG_RE.sub("", text))
    row('  "<" run: now', new)
    row('  "<" run: before', old)
    seconds, _ = timed(html_to_text, "<p>" + "x" * 63_000 + "</p>")
    row("  html_to_text, one 63,000-character paragraph", seconds)


def rule_patterns():
    print("\nRouting-rule patterns")
    for size in (18, 20, 22):
        text = "a" * size + "!"
        seconds, _ = timed(lambda t: re.search(r"(a+)+$", t), text)
        row(f"  (a+)+$ on {size} 'a' and '!' (refused on save now)", seconds)
    print(
        f"  (a+)+$ -> {pattern_problem(r'(a+)+$')}; a.*b.*c -> "
        f"{pattern_problem('a.*b.*c')}; refund.*order -> "
        f"{pattern_problem('refund.*order')}"
    )
    hostile = "refund " * 9_000  # 63,000 characters, no "order"
    capped, _ = timed(lambda: re.search(r"refund.*order", hostile[:TEXT_LIMIT], re.I))
    whole, _ = timed(lambda: re.search(r"refund.*order", hostile, re.I))
    row(f"  refund.*order on the first {TEXT_LIMIT} characters (now)", capped)
    row("  refund.*order on all 63,000 characters (before)", whole)


def deep_json():
    print("\nDeeply nested JSON")
    body = "[" * 500_000 + "]" * 500_000  # about 1 MiB, the webhook's limit
    seconds, outcome = timed(json.loads, body)
    row("  json.loads of 1 MiB of nesting", seconds, outcome)
    nested = "x"
    for _ in range(900):
        nested = {"a": nested}
    meta = {"object": "page", "entry": [{"id": "1", "time": 1, "messaging": [nested]}]}
    seconds, outcome = timed(meta_webhook.split_delivery, meta)
    row("  Meta split_delivery, 900 levels", seconds, _outcome(outcome))
    x = {"for_user_id": "1", "tweet_create_events": [nested]}
    seconds, outcome = timed(x_webhook.split_delivery, x)
    row("  X split_delivery, 900 levels", seconds, _outcome(outcome))


def _outcome(outcome):
    return outcome if isinstance(outcome, str) else f"{len(outcome)} unit(s)"


if __name__ == "__main__":
    contact_hints()
    reply_text()
    rule_patterns()
    deep_json()
