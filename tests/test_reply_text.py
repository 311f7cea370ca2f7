"""The text of an agent's reply: what the composer posted, as the agent typed it."""

import pytest

from odoo.addons.social_care.tools import html_to_text


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        # what the mail composer posts (prettifyMessageContent)
        (
            'See <a href="https://example.com/t" target="_blank" '
            'rel="noreferrer noopener">https://example.com/t</a>.',
            "See https://example.com/t.",
        ),
        (
            'more at <a href="http://www.example.org">www.example.org</a>, thanks',
            "more at www.example.org, thanks",
        ),
        ("Line 1<br>Line 2<br/><br/>Line 4", "Line 1\nLine 2\n\nLine 4"),
        ("Fish &amp; chips &lt;3 &quot;now&quot;", 'Fish & chips <3 "now"'),
        ("a&nbsp;b", "a b"),
        ("<p>Hello</p>", "Hello"),
        ("  Ciao 😀  ", "Ciao 😀"),
        ("", ""),
        (None, ""),
    ],
)
def test_html_to_text(html, expected):
    assert html_to_text(html) == expected
