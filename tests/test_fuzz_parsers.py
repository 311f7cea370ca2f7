"""The X and Meta webhook splitters and event parsers, fuzzed at scale.

Payloads are the real fixtures of ``tests/fixtures/{x,meta}`` broken in
structured ways (a field dropped, retyped, replaced by a huge or exotic
string, nested deeper, a list emptied or doubled, several at once) plus
arbitrary JSON. Whatever comes in, a splitter or parser may only answer with
well-formed output or the clean rejection, ``PayloadError``.

Profiles (``HYPOTHESIS_PROFILE``): ``ci`` (default; 1,000 examples per
property, 6,000 in all, about 30 s) and ``large`` (``FUZZ_EXAMPLES`` per
property, 100,000 by default; ``benchmarks/fuzz_parsers.py`` runs it and
reports the figures).
"""

import json
import os
from datetime import datetime

from conftest import FIXTURES, load_fixture
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from odoo.addons.social_care.tools.normalized import (
    CHANNELS,
    AccountSignal,
    Attachment,
    Author,
    ParsedDelivery,
    ParsedEvent,
    PayloadError,
    SocialMessage,
)
from odoo.addons.social_care_meta.tools import meta_parse, meta_webhook
from odoo.addons.social_care_twitter.tools import x_parse, x_webhook

settings.register_profile(
    "ci",
    max_examples=1000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,
)
settings.register_profile(
    "large",
    max_examples=int(os.environ.get("FUZZ_EXAMPLES") or 100_000),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,
)
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")
FUZZ = settings(settings.get_profile(PROFILE if PROFILE == "large" else "ci"))

X_ACCOUNT = "1500000000000000001"
META_ACCOUNT = "722000000000001"
HUGE = "𝕏" * 200_000  # 800 kB of 4-byte characters, made once
EXOTIC = [
    "",
    " ",
    "\x00",
    "\u202e\u200b",
    "<script>alert(1)</script>",
    "ñ€𝄞🙂",
    "9" * 400,
    "-1",
    "1e309",
    "NaN",
    "null",
    "2026-02-30T25:61:00Z",
    "Thu Feb 30 25:61:00 +0000 2026",
]

# Strict JSON (what a webhook body or a stored payload can hold).
LEAVES = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30)
    | st.sampled_from(EXOTIC)
)
JSON = st.recursive(
    LEAVES,
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=20,
)


def _fixtures(network):
    return {
        path.stem: load_fixture(f"{network}/{path.name}")
        for path in sorted((FIXTURES / network).glob("*.json"))
    }


X_FIXTURES = _fixtures("x")
META_FIXTURES = _fixtures("meta")
X_POLLS = {"poll_mentions": "poll.mentions", "poll_dm": "poll.dm_events"}
META_POLLS = {
    "poll_fb_comments": "poll.fb_comments",
    "poll_conversations": "poll.conversations",
}
# Graph media pages the poll splits into one unit per comment.
META_MEDIA_PAGES = ("poll_ig_media",)


def _poll_type(name, polls):
    return next(
        (kind for prefix, kind in polls.items() if name.startswith(prefix)), None
    )


def _units(fixtures, polls, split, media_pages=()):
    """(event type, payload) of every fixture: split webhook units and poll pages."""
    units = []
    for name, body in fixtures.items():
        kind = _poll_type(name, polls)
        if kind:
            units.append((kind, body))
        elif name in media_pages:
            units += [
                ("poll.ig_comments", payload)
                for media in body["data"]
                for _key, payload in meta_parse.split_ig_media(media)
            ]
        else:
            units += [(u.event_type, u.payload) for u in split(body)]
    return units


X_UNITS = _units(X_FIXTURES, X_POLLS, x_webhook.split_delivery)
META_UNITS = _units(
    META_FIXTURES, META_POLLS, meta_webhook.split_delivery, META_MEDIA_PAGES
)
X_TYPES = sorted(x_parse._PARSERS)
META_TYPES = sorted(meta_parse.PARSERS)


# ----------------------------------------------------------------------
# Structured mutations of a real payload
# ----------------------------------------------------------------------


def _paths(value, prefix=()):
    """Every place in a JSON tree, as a tuple of keys and indexes."""
    yield prefix
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _paths(child, (*prefix, index))


def _get(value, path):
    for step in path:
        value = value[step]
    return value


def _retyped(value):
    """The same information in the wrong JSON type."""
    if isinstance(value, dict):
        return list(value.values())
    if isinstance(value, list):
        return {str(i): v for i, v in enumerate(value)}
    if isinstance(value, str):
        return int(value) if value.isdigit() else [value]
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float):
        return str(value)
    return {}


OPERATIONS = ("drop", "replace", "retype", "huge", "nest", "empty", "double")


@st.composite
def mutated(draw, units):
    """A real unit with one to three structured mutations."""
    event_type, payload = draw(st.sampled_from(units))
    payload = json.loads(json.dumps(payload))  # a private deep copy
    for _ in range(draw(st.integers(1, 3))):
        paths = list(_paths(payload))
        path = draw(st.sampled_from(paths))
        operation = draw(st.sampled_from(OPERATIONS))
        if not path:  # the root itself
            payload = draw(JSON) if operation == "replace" else payload
            continue
        parent, step = _get(payload, path[:-1]), path[-1]
        value = parent[step]
        if operation == "drop":
            del parent[step]
        elif operation == "replace":
            parent[step] = draw(LEAVES | JSON)
        elif operation == "retype":
            parent[step] = _retyped(value)
        elif operation == "huge":
            parent[step] = HUGE
        elif operation == "nest":
            depth = draw(st.integers(1, 60))
            for _level in range(depth):
                value = draw(st.sampled_from([[value], {"data": value}]))
            parent[step] = value
        elif operation == "empty":
            parent[step] = type(value)() if isinstance(value, list | dict) else None
        else:  # double: the same item twice, as a redelivery inside a batch
            parent[step] = [value, value] if not isinstance(value, list) else value * 2
    return event_type, payload


@st.composite
def mutated_body(draw, fixtures, polls):
    """A whole webhook body (not a poll page) with structured mutations."""
    bodies = [b for n, b in fixtures.items() if not _poll_type(n, polls)]
    _kind, body = draw(mutated([("body", b) for b in bodies]))
    return body


# ----------------------------------------------------------------------
# What well-formed output is
# ----------------------------------------------------------------------


def _text(value, allow_empty=True):
    assert isinstance(value, str), value
    assert allow_empty or value, "empty"


def check_deliveries(deliveries):
    assert isinstance(deliveries, list)
    for unit in deliveries:
        assert isinstance(unit, ParsedDelivery)
        _text(unit.account_ref)  # empty: no account (stored as ignored)
        _text(unit.delivery_key, allow_empty=False)
        _text(unit.event_type, allow_empty=False)
        assert isinstance(unit.payload, dict)
        # Stored as jsonb: it must serialize as strict JSON.
        json.dumps(unit.payload, allow_nan=False)


def check_author(author):
    assert isinstance(author, Author)
    _text(author.external_id, allow_empty=False)
    for name in ("handle", "name", "avatar_url", "profile_url", "email", "phone"):
        _text(getattr(author, name))
    followers = author.followers_count
    assert followers is None or (
        isinstance(followers, int) and not isinstance(followers, bool)
    )


def check_message(message):
    assert isinstance(message, SocialMessage)
    for name in ("account_ref", "external_id", "thread_key"):
        _text(getattr(message, name), allow_empty=False)
    for name in ("kind", "text", "parent_external_id", "permalink", "app_metadata"):
        _text(getattr(message, name))
    assert message.channel in CHANNELS
    assert isinstance(message.from_account, bool)
    if message.author is not None:
        check_author(message.author)
    if message.created_at is not None:
        assert isinstance(message.created_at, datetime)
        assert message.created_at.tzinfo is None, "naive UTC"
    for attachment in message.attachments:
        assert isinstance(attachment, Attachment)
        _text(attachment.url, allow_empty=False)
        _text(attachment.kind)
        _text(attachment.name)
        _text(attachment.mimetype)


def check_event(event):
    assert isinstance(event, ParsedEvent)
    for message in event.messages:
        check_message(message)
    for signal in event.signals:
        assert isinstance(signal, AccountSignal)
        _text(signal.account_ref, allow_empty=False)
        _text(signal.kind, allow_empty=False)
    assert all(isinstance(reason, str) for reason in event.ignored)


def split_or_reject(split, body):
    try:
        deliveries = split(body)
    except PayloadError:
        return None
    check_deliveries(deliveries)
    return deliveries


def parse_or_reject(parse, event_type, payload, account_ref):
    try:
        event = parse(event_type, payload, account_ref)
    except PayloadError:
        return None
    check_event(event)
    return event


# ----------------------------------------------------------------------
# The properties
# ----------------------------------------------------------------------


@FUZZ
@given(mutated(X_UNITS), st.sampled_from([X_ACCOUNT, "", "0"]))
def test_x_parser_on_mutated_fixtures(unit, account_ref):
    parse_or_reject(x_parse.parse_event, *unit, account_ref)


@FUZZ
@given(mutated(META_UNITS), st.sampled_from([META_ACCOUNT, "", "0"]))
def test_meta_parser_on_mutated_fixtures(unit, account_ref):
    parse_or_reject(meta_parse.parse_event, *unit, account_ref)


@FUZZ
@given(mutated_body(X_FIXTURES, X_POLLS) | JSON)
def test_x_splitter_then_parser(body):
    """As the webhook route and the inbox do: split, then parse each unit."""
    for unit in split_or_reject(x_webhook.split_delivery, body) or []:
        parse_or_reject(x_parse.parse_event, unit.event_type, unit.payload, X_ACCOUNT)


@FUZZ
@given(mutated_body(META_FIXTURES, META_POLLS) | JSON)
def test_meta_splitter_then_parser(body):
    for unit in split_or_reject(meta_webhook.split_delivery, body) or []:
        parse_or_reject(
            meta_parse.parse_event, unit.event_type, unit.payload, unit.account_ref
        )


@FUZZ
@given(
    st.sampled_from(X_TYPES) | st.text(max_size=20),
    JSON,
    st.sampled_from([X_ACCOUNT, ""]),
)
def test_x_parser_on_arbitrary_json(event_type, payload, account_ref):
    parse_or_reject(x_parse.parse_event, event_type, payload, account_ref)


@FUZZ
@given(
    st.sampled_from(META_TYPES) | st.text(max_size=20),
    JSON,
    st.sampled_from([META_ACCOUNT, ""]) | LEAVES,
)
def test_meta_parser_on_arbitrary_json(event_type, payload, account_ref):
    parse_or_reject(meta_parse.parse_event, event_type, payload, account_ref)


def test_fixtures_themselves_are_accepted_and_well_formed():
    """The mutations start from payloads the parsers accept, checked the same way."""
    for units, parse, account in (
        (X_UNITS, x_parse.parse_event, X_ACCOUNT),
        (META_UNITS, meta_parse.parse_event, META_ACCOUNT),
    ):
        assert units
        for event_type, payload in units:
            assert parse_or_reject(parse, event_type, payload, account) is not None
