"""Routing-rule patterns an admin types, checked before they meet customer text.

Python's ``re`` has no timeout: a pattern that backtracks without end would
hold the inbox cron on one hostile message. Patterns are refused on save when
they repeat a repeat or an alternation (``(a+)+``, ``(a|aa)+``: exponential)
or hold more than one unbounded
repeat (``a.*b.*c``, polynomial); the text a pattern sees is capped too.
"""

import re
from re import _constants as sre
from re import _parser as sre_parse

PATTERN_MAX_LENGTH = 300
# The first characters of a message a pattern sees (Messenger allows 2,000,
# a Facebook comment 8,000; a visitor post can be 63,000).
TEXT_LIMIT = 4000
# A repeat whose maximum is above this counts as unbounded.
BOUNDED_MAX = 100
REPEATS = (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT)


def _walk(items, inside_repeat, counts):
    """Count unbounded repeats; return True on a repeat nested in another."""
    for op, av in items:
        if op in REPEATS:
            low, high, body = av
            repeats = high == sre.MAXREPEAT or high > 1
            if repeats and inside_repeat:
                return True
            if high == sre.MAXREPEAT or high > BOUNDED_MAX:
                counts["unbounded"] += 1
            if _walk(body, inside_repeat or repeats, counts):
                return True
        elif op == sre.SUBPATTERN:
            if _walk(av[-1], inside_repeat, counts):
                return True
        elif op == sre.BRANCH:
            if inside_repeat:  # (a|aa)+ backtracks like (a+)+
                return True
            if any(_walk(branch, inside_repeat, counts) for branch in av[1]):
                return True
        elif op in (sre.ASSERT, sre.ASSERT_NOT):
            if _walk(av[1], inside_repeat, counts):
                return True
        elif op == sre.GROUPREF_EXISTS:
            for branch in av[1:]:
                if branch and _walk(branch, inside_repeat, counts):
                    return True
    return False


def pattern_problem(pattern):
    """None for a safe pattern, else a code: too_long, invalid, nested, unbounded."""
    if len(pattern) > PATTERN_MAX_LENGTH:
        return "too_long"
    try:
        re.compile(pattern)
        parsed = sre_parse.parse(pattern)
    except (re.error, RecursionError, OverflowError):
        return "invalid"
    counts = {"unbounded": 0}
    if _walk(parsed, False, counts):
        return "nested"
    if counts["unbounded"] > 1:
        return "unbounded"
    return None
