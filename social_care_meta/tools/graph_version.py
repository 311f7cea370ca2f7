"""Graph API versions and their end of life (PLATFORM-APIS.md §10).

Each version lives at least two years; an account pinned to a version close
to its end must be moved before calls start failing.
"""

import re
from datetime import date

# version -> (released, available until; None while Meta has not said)
VERSIONS = {
    "v26.0": (date(2026, 7, 29), None),
    "v25.0": (date(2026, 2, 18), date(2028, 7, 29)),
    "v24.0": (date(2025, 10, 8), date(2028, 2, 18)),
    "v23.0": (date(2025, 5, 29), date(2027, 10, 8)),
    "v22.0": (date(2025, 1, 21), date(2027, 5, 20)),
    "v21.0": (date(2024, 10, 2), date(2027, 1, 21)),
    "v20.0": (date(2024, 5, 21), date(2026, 9, 24)),
}
DEFAULT_VERSION = "v26.0"
VERSION_RE = re.compile(r"v?(\d{1,3})(?:\.(\d{1,2}))?", re.ASCII)


def _number(version):
    major, _dot, minor = version[1:].partition(".")
    return int(major), int(minor)


def normalize_version(value):
    """``"26"``, ``"26.0"``, ``"v26.0"`` or ``26`` -> ``"v26.0"``, else ValueError."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    match = (
        VERSION_RE.fullmatch(value.strip().lower()) if isinstance(value, str) else None
    )
    if not match:
        raise ValueError(f"{value!r:.40} is not a Graph API version such as v26.0")
    return f"v{int(match[1])}.{int(match[2] or 0)}"


def days_until_end_of_life(version, today):
    """Days before ``version`` stops working (negative once past); None if unknown.

    A version older than the table cannot outlive the oldest one listed, so
    that date is used for it; a newer one has no announced end yet.
    """
    version = normalize_version(version)
    if version in VERSIONS:
        end = VERSIONS[version][1]
    else:
        oldest = min(VERSIONS, key=_number)
        if _number(version) > _number(oldest):
            return None
        end = VERSIONS[oldest][1]
    return None if end is None else (end - today).days


def is_near_end_of_life(version, today, days=90):
    """Whether ``version`` ends within ``days`` (or already has): time to upgrade."""
    remaining = days_until_end_of_life(version, today)
    return remaining is not None and remaining <= days
