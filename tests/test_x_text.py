"""X's weighted length: the examples of PLATFORM-APIS.md and twitter-text's own."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from odoo.addons.social_care_twitter.tools import x_text
from odoo.addons.social_care_twitter.tools.x_text import (
    MAX_WEIGHTED_LENGTH,
    parse_text,
    remaining,
    weighted_length,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # the table in PLATFORM-APIS.md §3
        ("Hello, world! 👋", 16),
        ("こんにちは", 10),
        ("한국어 테스트", 13),
        ("Привет мир", 10),
        ("café — “quoted” …", 18),
        ("", 0),
    ],
)
def test_documented_examples(text, expected):
    assert weighted_length(text) == expected


def test_fixture_mention_text(fixture_json):
    tweet = fixture_json("x/aaa_tweet_create_mention.json")["tweet_create_events"][0]
    assert weighted_length(tweet["text"]) == 86  # PLATFORM-APIS.md §3


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # from twitter-text's conformance/validate.yml (config v3)
        ("H🐱☺👨‍👩‍👧‍👦", 7),
        ("😷👾😡🔥💩", 10),
        ("🙋🏽👨‍🎤", 4),
        ("1⃣", 2),
        ("Unicode 10.0 emoji: 🤪; 🧕; 🧕🏾; 🏴󠁧󠁢󠁥󠁮󠁧󠁿", 34),
        ("Unicode 9.0 emoji: 🤠; 💃; 💃🏾", 29),
        ("ABC\u202a\uffffABC\ufffe", 12),
        ("\u2066\u202ahttp://foobar.پاکستان/\u202c\u2069", 31),
        ("Hi http://test.co", 26),
        ("http://test.co", 23),
        ("randomurlrandomurlrandomurlrandomurlrandomurlrandomurlrandomurls.com", 68),
        ("👨‍👩‍👧‍👦" * 140, 280),
        ("故人西辞黄鹤楼。烟花三月下扬州。" * 10, 320),
    ],
)
def test_twitter_text_conformance(text, expected):
    assert weighted_length(text) == expected


def test_idn_host_longer_than_63_punycode_characters_is_not_a_url():
    prefix = "あいうえおかきくけこ" * 12 + " http://"
    long_host = prefix + "あいうえおかきくけこ" * 5 + "あいう.com"
    short_host = prefix + "あいうえおかきくけこ" * 5 + "あい.com"
    assert weighted_length(long_host) == 358
    assert weighted_length(short_host) == 264


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("🇮🇹", 2),  # a flag is one emoji
        ("#️⃣", 2),  # keycap with variation selector
        ("©", 1),  # text presentation: a Latin-1 character
        ("©️", 2),  # emoji presentation
        ("❤️‍🔥", 2),  # ZWJ sequence of text-default symbols
        ("e\u0301", 1),  # NFC makes it one "é"
        ("“x”", 3),  # curly quotes are light
        ("…", 2),  # the ellipsis is not
    ],
)
def test_emoji_and_normalization(text, expected):
    assert weighted_length(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("see example.com/help", 4 + 23),
        ("see www.acme.example.co.uk", 4 + 23),
        ("see https://acme.com/help.", 4 + 23 + 1),  # the full stop is not in it
        ("(https://en.wikipedia.org/wiki/Foo_(bar))", 1 + 23 + 1),
        ("https://x.com/a?b=1&c=2#top!", 23 + 1),
        ("mail jane.doe@example.org", 5 + 20),  # an email address is not a URL
        ("version 1.2.3 and file.txt", 26),  # neither are these
        ("a.b@c.com", 9),
        ("$AAPL.com #tag.com", 18),  # cashtags and hashtags are not URLs
        ("これは日本語です。example.com中国語", 9 * 2 + 23 + 3 * 2),
        ("ftp://example.com/file", 22),  # only http(s) makes a URL
    ],
)
def test_urls_count_23(text, expected):
    assert weighted_length(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Where the count departed from twitter-text's (issue 12, item 12); the
        # rules are its extractUrlsWithIndices, the TLDs its tld_lib.yml.
        ("node.js", 7),  # .js is no country's domain
        ("see example.ninja", 4 + 23),  # a generic TLD outside the short list
        ("http://foobar.भारत/x", 23),  # an Indic TLD with combining marks
        ("see http://example.comабв", 4 + 23 + 3),  # the host ends at the TLD
        ("http://xn--みんな.com", 7 + 4 + 2 * 3 + 4),  # punycode is ASCII only
        ("http://192.168.0.1/index.html", 29),  # no TLD: X links no IP host
        ("http://example.com:123456/x", 23),  # any port number
        ("http://t.co/abc/def", 23 + 4),  # a t.co link takes no path after its slug
        ("http://t.co/" + "a" * 41, 12 + 41),  # a t.co slug has 40 characters at most
        ("see https://acme.example/help.", 30),  # .example is not a TLD
    ],
)
def test_urls_as_twitter_text_extracts_them(text, expected):
    assert weighted_length(text) == expected


@pytest.mark.parametrize("char", ["\ufffe", "\ufeff", "\uffff"])
def test_characters_x_refuses_make_the_text_invalid(char):
    """twitter-text's invalidChars: X refuses the post, whatever its length."""
    assert parse_text(f"Thanks{char}, we are on it").valid is False
    assert parse_text("Thanks, we are on it").valid is True


def test_empty_or_over_280_is_invalid():
    assert parse_text("").valid is False
    assert parse_text("x" * 280) == (280, True)
    assert parse_text("x" * 281) == (281, False)


def test_remaining():
    assert remaining("") == MAX_WEIGHTED_LENGTH == 280
    assert remaining("x" * 280) == 0
    assert remaining("こ" * 141) == -2
    assert remaining(None) == 280


@given(st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)))
def test_cjk_counts_two(text):
    assert weighted_length(text) == 2 * len(text)


@given(st.text(alphabet="abcdefghij ,;!?"))
def test_plain_latin_counts_one(text):
    assert weighted_length(text) == len(text)


@given(st.text())
def test_any_text_gives_a_count(text):
    assert weighted_length(text) >= 0
    assert remaining(text) == MAX_WEIGHTED_LENGTH - weighted_length(text)


# Pieces that make and break chains of domain labels.
_URL_PIECES = st.sampled_from(
    ["a", "co", "com", "jp", "js", "한국", "भारत", "xn--", "http://", "https://",
     ".", "-", "_", "/", ":", "@", "#", " ", "é", "😷", "\u202a", "t.co/", "?", "=",
     "(", ")", "a_b"]
)  # fmt: skip


@given(st.lists(_URL_PIECES, max_size=30).map("".join))
def test_url_search_tries_every_start_that_can_match(text):
    """Skipping the starts with no TLD ahead finds what the plain search finds."""
    found = [(m.start(), m.end()) for m in x_text._url_matches(text)]
    assert found == [
        (m.start(), m.end()) for m in x_text._EXTRACT_URL_RE.finditer(text)
    ]
