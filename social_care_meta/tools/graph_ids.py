"""The shapes of the Graph API ids the connector puts into paths and queries.

Graph object ids are digits: Pages, Instagram accounts, page- and
account-scoped user ids (PSID, IGSID), Instagram media and comments; Facebook
posts and comments are two such numbers joined by an underscore
(``pageid_postid``, ``postid_commentid``), as in Meta's Page webhook samples.
An id of any other shape (a slash, a ``?``, a dot) would make the call reach
another node or edge than the one meant: it is refused before any call.
"""

import re

GRAPH_ID = re.compile(r"[0-9]+(?:_[0-9]+)?")
# Nodes the connector names itself, not ids it was given.
NAMED_NODES = frozenset({"me", "oauth", "debug_token"})
EDGE = re.compile(r"[a-z_]+")


def is_graph_id(value):
    """Whether ``value`` has the shape of a Graph object id (JSON may give a number)."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    return isinstance(value, str) and GRAPH_ID.fullmatch(value) is not None


def is_graph_path(path):
    """Whether ``path`` is one node (an id or a named node), then at most one edge."""
    if not isinstance(path, str):
        return False
    node, slash, edge = path.partition("/")
    if not (is_graph_id(node) or node in NAMED_NODES):
        return False
    return not slash or EDGE.fullmatch(edge) is not None


def graph_path(node, edge=None):
    """``node/edge`` for a Graph call; ValueError if ``node`` is not an id."""
    if not is_graph_id(node):
        raise ValueError("not a Graph object id")
    return f"{node}/{edge}" if edge else str(node)
