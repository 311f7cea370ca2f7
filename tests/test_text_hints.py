"""Contact hints in customer text: the same on normal text, bounded on hostile text.

The addresses are written as RFC 5321 allows them (local part up to 64
characters, domain up to 253); the hostile strings are the security review's
(a 63k-character visitor post made of address characters without an "@").
"""

import pytest

from odoo.addons.social_care.tools import extract_contact_hints
from odoo.addons.social_care.tools.textutil import EMAIL_RE


@pytest.mark.parametrize(
    ("text", "emails"),
    [
        ("Write to Mario.Rossi@Example.com please", ["mario.rossi@example.com"]),
        (
            "mail:anna+shop@mail.example.co.uk, or call",
            ["anna+shop@mail.example.co.uk"],
        ),
        ("two: a@x.io b_c@y.org a@x.io", ["a@x.io", "b_c@y.org"]),
        ("(luca.bianchi@example.it)", ["luca.bianchi@example.it"]),
        ("no address here, just @handle and a.b", []),
        ("user@localhost is not an address", []),
        (f"{'l' * 64}@example.com", [f"{'l' * 64}@example.com"]),
    ],
)
def test_emails_in_normal_text(text, emails):
    assert extract_contact_hints(text)["emails"] == emails


def test_phones_and_references_unchanged_beside_an_address():
    hints = extract_contact_hints(
        "Order S00042, ticket HT00012: reach me at +39 347 123 4567 or m@ex.com"
    )
    assert hints == {
        "emails": ["m@ex.com"],
        "phones": ["393471234567"],
        "references": ["S00042", "HT00012"],
    }


def test_a_local_part_longer_than_rfc_5321_is_no_address():
    # Before, the whole run was taken as the local part.
    assert extract_contact_hints(f"{'l' * 65}@example.com")["emails"] == []


def test_a_long_run_without_at_sign_gives_nothing_and_bounded_matches():
    hostile = "a" * 63_000
    assert extract_contact_hints(hostile)["emails"] == []
    # After the run, a real address is still found, and each match is bounded.
    text = hostile + " " + "b." * 30_000 + "c@d." + "e" * 10_000 + " ok@example.com"
    found = [m.group() for m in EMAIL_RE.finditer(text)]
    assert "ok@example.com" in found
    assert all(len(m) <= 64 + 1 + 253 + 1 + 63 for m in found)


def test_the_search_starts_once_per_run():
    # The start of a match must not follow an address character: in a run,
    # only its first position can start one.
    text = "x" * 100 + "@example.com"
    starts = [m.start() for m in EMAIL_RE.finditer(text)]
    assert starts == []
    assert EMAIL_RE.pattern.startswith("(?<![")
