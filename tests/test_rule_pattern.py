"""Which routing-rule patterns are safe to run on customer text (pure check)."""

import pytest

from odoo.addons.social_care.tools import pattern_problem


@pytest.mark.parametrize(
    ("pattern", "problem"),
    [
        (r"free\s+followers", None),
        (r"(free followers|crypto giveaway)", None),
        (r"refund.{0,50}order", None),
        (r"^(?=.*win)", None),
        (r"(\d{3})-\1", None),
        (r"(a+)+b", "nested"),
        (r"(a{1,5}){1,5}", "nested"),
        (r"(a|aa)+b", "nested"),
        (r"(?:x(?:y+))*", "nested"),
        (r"a.*b.*c", "unbounded"),
        (r"a.{0,1000}b.*c", "unbounded"),
        (r"(", "invalid"),
        ("x" * 301, "too_long"),
    ],
)
def test_pattern_problem(pattern, problem):
    assert pattern_problem(pattern) == problem
