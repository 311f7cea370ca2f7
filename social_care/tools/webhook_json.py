"""A signed webhook body read as JSON, or a clear ValueError.

Whatever a platform signs must be stored, readable or not: every way the
reading can fail (bad JSON, NaN, nesting deep enough to exhaust the stack)
ends as a ValueError the controller turns into an unreadable event.
"""

import json

# Real deliveries nest about ten levels (Meta's feed changes, X's quoted posts);
# the limit keeps every later reader (jsonb, json.dumps, the parsers) far from
# Python's recursion limit.
MAX_DEPTH = 64


def _not_json(constant):
    """NaN and Infinity: Python reads them, PostgreSQL's jsonb does not."""
    raise ValueError(f"{constant} is not JSON")


def _deeper_than(value, limit):
    """Whether ``value`` nests more than ``limit`` levels (without recursing)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


def load_body(body, max_depth=MAX_DEPTH):
    """The JSON value of ``body`` (bytes); ValueError when it is not usable."""
    try:
        value = json.loads(body, parse_constant=_not_json)
    except RecursionError as error:
        raise ValueError(f"JSON nested deeper than {max_depth} levels") from error
    if _deeper_than(value, max_depth):
        raise ValueError(f"JSON nested deeper than {max_depth} levels")
    return value
