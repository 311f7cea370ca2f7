"""X's weighted character count and text validity (twitter-text config v3),
checked before queueing a post.

X rejects a post over 280 *weighted* characters, and one holding a character it
refuses (U+FFFE, U+FEFF, U+FFFF): most scripts outside Latin, Greek, Cyrillic
and the like count 2, an emoji sequence counts 2 whatever its code points, and a
URL counts 23 whatever its length (t.co wraps it).

The URL extraction and the count are a port of twitter-text's JavaScript
(js/src/parseTweet.js, extractUrlsWithIndices.js, lib/idna.js and the regexes of
js/src/regexp/), https://github.com/twitter/twitter-text, Copyright 2018
Twitter, Inc., Apache License 2.0 (tests/data/twitter-text/LICENSE). Its
top-level domain lists are generated into x_tlds.py. The emoji rule is ours (an
approximation of twemoji-parser's sequences). social_care/static/src/
reply_length.js is the same port for the composer; both pass twitter-text's
conformance suite (tests/test_x_text_conformance.py, scripts/x_text_conformance.mjs).
"""

import bisect
import re
import unicodedata
from typing import NamedTuple

from .x_tlds import COUNTRY_TLDS, GENERIC_TLDS

# twitter-text's config/v3.json: the one X uses.
CONFIG_V3 = {
    "version": 3,
    "maxWeightedTweetLength": 280,
    "scale": 100,
    "defaultWeight": 200,
    "emojiParsingEnabled": True,
    "transformedURLLength": 23,
    "ranges": [
        {"start": 0, "end": 4351, "weight": 100},
        {"start": 8192, "end": 8205, "weight": 100},
        {"start": 8208, "end": 8223, "weight": 100},
        {"start": 8242, "end": 8247, "weight": 100},
    ],
}
MAX_WEIGHTED_LENGTH = CONFIG_V3["maxWeightedTweetLength"]
URL_LENGTH = CONFIG_V3["transformedURLLength"]
EMOJI_LENGTH = 2

# A superset of Extended_Pictographic outside the light ranges: a symbol there
# counts 2 alone anyway, so matching too much only merges a sequence into one 2.
_PICTOGRAPH = (
    r"[\u203c\u2049\u2122\u2139\u2194-\u21ff\u2300-\u23ff\u24c2\u25a0-\u27bf"
    r"\u2900-\u297f\u2b00-\u2bff\u3030\u303d\u3297\u3299\U0001f000-\U0001faff]"
)
# © and ® default to text: they are emoji only with the emoji variation selector.
_ELEMENT = (
    rf"(?:{_PICTOGRAPH}\ufe0f?[\U0001f3fb-\U0001f3ff]?"
    r"(?:[\U000e0020-\U000e007e]+\U000e007f)?|[\u00a9\u00ae]\ufe0f)"
)
_EMOJI_RE = re.compile(
    r"[\U0001f1e6-\U0001f1ff]{2}"  # flags: a pair of regional indicators
    r"|[0-9#*]\ufe0f?\u20e3"  # keycaps
    rf"|{_ELEMENT}(?:\u200d{_ELEMENT})*"  # ZWJ sequences, skin tones, tag flags
    r"|\ufe0f"  # a stray variation selector, as twitter-text counts it
)

# twitter-text's js/src/regexp/, by the same names (character-class contents).
_INVALID_CHARS = "\ufffe\ufeff\uffff"
_DIRECTIONAL_MARKERS = "\u202a-\u202e\u061c\u200e\u200f\u2066\u2067\u2068\u2069"
_SPACES = "\x09-\x0d\x20\x85\xa0\u1680\u180e\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_PUNCT = r"!'#%&()*+,\\\-./:;<=>?@\[\]^_{|}~$"
_LATIN_ACCENTS = (
    "\xc0-\xd6\xd8-\xf6\xf8-\xff\u0100-\u024f\u0253\u0254\u0256\u0257\u0259"
    "\u025b\u0263\u0268\u026f\u0272\u0289\u028b\u02bb\u0300-\u036f\u1e00-\u1eff"
)
_CYRILLIC = "\u0400-\u04ff"


def _trie(names):
    """The alternation of ``names`` as a prefix tree, longest name first.

    Python's re tries an alternation's branches one by one: 1,574 of them at
    every label made a long dotted text take minutes. Longest first is the
    lists' own order wherever two names can both match (嘉里大酒店 before 嘉里,
    भारतम् before भारत), so the match is twitter-text's.
    """
    tree = {}
    for name in names:
        node = tree
        for char in name:
            node = node.setdefault(char, {})
        node[""] = {}

    def pattern(node):
        branches = [
            re.escape(char) + pattern(child) for char, child in node.items() if char
        ]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else f"(?:{'|'.join(branches)})"
        return f"(?:{body})?" if "" in node else body

    return pattern(tree)


_TLD_END = "(?=[^0-9a-zA-Z@+-]|$)"
_GTLD = f"(?:{_trie(GENERIC_TLDS)}{_TLD_END})"
_CCTLD = f"(?:{_trie(COUNTRY_TLDS)}{_TLD_END})"
_PUNYCODE = "(?:xn--[-0-9a-z]+)"
_DOMAIN_CHAR = f"[^{_PUNCT}{_SPACES}{_INVALID_CHARS}{_DIRECTIONAL_MARKERS}]"
_SUBDOMAIN = f"(?:(?:{_DOMAIN_CHAR}(?:[_-]|{_DOMAIN_CHAR})*)?{_DOMAIN_CHAR}\\.)"
_DOMAIN_NAME = f"(?:(?:{_DOMAIN_CHAR}(?:-|{_DOMAIN_CHAR})*)?{_DOMAIN_CHAR}\\.)"
_DOMAIN = f"(?:{_SUBDOMAIN}*{_DOMAIN_NAME}(?:{_GTLD}|{_CCTLD}|{_PUNYCODE}))"
_PATH_CHAR = f"[a-z{_CYRILLIC}0-9!*';:=+,.$/%#\\[\\]\\-\u2013_~@|&{_LATIN_ACCENTS}]"
# Up to two nested levels of balanced parentheses (Wikipedia's /Primer_(film)).
_BALANCED_PARENS = (
    f"\\((?:{_PATH_CHAR}+|(?:{_PATH_CHAR}*\\({_PATH_CHAR}+\\){_PATH_CHAR}*))\\)"
)
# So that /foo. does not take the full stop.
_PATH_END = f"[+\\-a-z{_CYRILLIC}0-9=_#/{_LATIN_ACCENTS}]|(?:{_BALANCED_PARENS})"
_PATH = (
    f"(?:(?:{_PATH_CHAR}*(?:{_BALANCED_PARENS}{_PATH_CHAR}*)*{_PATH_END})"
    f"|(?:@{_PATH_CHAR}+/))"
)
_QUERY_CHAR = r"[a-z0-9!?*'@();:&=+$/%#\[\]\-_.,~|]"
_QUERY_END = r"[a-z0-9\-_&=#/]"
_PRECEDING = f"(?:[^A-Za-z0-9@＠$#＃{_INVALID_CHARS}]|[{_DIRECTIONAL_MARKERS}]|^)"
_EXTRACT_URL_RE = re.compile(
    f"(?P<before>{_PRECEDING})"
    "(?P<url>"
    "(?P<protocol>https?://)?"
    f"(?P<domain>{_DOMAIN})"
    "(?::[0-9]+)?"
    f"(?P<path>/{_PATH}*)?"
    f"(?:\\?{_QUERY_CHAR}*{_QUERY_END})?"
    ")",
    re.IGNORECASE,
)
_ASCII_DOMAIN_RE = re.compile(
    f"(?:(?:[-a-z0-9{_LATIN_ACCENTS}]+)\\.)+(?:{_GTLD}|{_CCTLD}|{_PUNYCODE})",
    re.IGNORECASE,
)
_TCO_URL_RE = re.compile(
    f"https?://t\\.co/([a-z0-9]+)(?:\\?{_QUERY_CHAR}*{_QUERY_END})?", re.IGNORECASE
)
_TLD_RE = re.compile(f"(?:{_GTLD}|{_CCTLD}|{_PUNYCODE})", re.IGNORECASE)
_PROTOCOL_RE = re.compile("https?://", re.IGNORECASE)
# Where a chain of domain labels cannot run on: a character no label holds, an
# empty label, a label starting or ending with "-" or "_".
_CHAIN_BREAK_RE = re.compile(f"(?=\\.[._-]|[_-]\\.|(?!{_DOMAIN_CHAR})[^._-])")
_LABEL_CHAR_RE = re.compile(f"{_DOMAIN_CHAR}|[_-]")
_INVALID_CHARS_RE = re.compile(f"[{_INVALID_CHARS}]")
# Separators punycode.toASCII splits a label on (besides ".").
_LABEL_SEPARATORS_RE = re.compile("[\u3002\uff0e\uff61]")

_MAX_URL_LENGTH = 4096
_MAX_TCO_SLUG_LENGTH = 40
_MAX_LABEL_LENGTH = 63


class ParsedText(NamedTuple):
    weighted_length: int
    # Not empty, within the limit and without a character X refuses.
    valid: bool


def _utf16_length(text):
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _label_to_ascii(label):
    """What punycode.toASCII makes of a label (no nameprep, as twitter-text)."""
    return ".".join(
        part if part.isascii() else "xn--" + part.encode("punycode").decode("ascii")
        for part in _LABEL_SEPARATORS_RE.split(label)
    )


def _valid_domain(domain):
    """twitter-text's idna.toAscii: every label 1 to 63 characters in punycode."""
    if domain.startswith("xn--") and not _ASCII_DOMAIN_RE.search(domain):
        return False  # a punycode name cannot hold non-ASCII characters
    return all(
        1 <= len(_label_to_ascii(label)) <= _MAX_LABEL_LENGTH
        for label in domain.split(".")
    )


def _valid_url(url, protocol, domain):
    # As twitter-text: the protocol is counted again, lengths in UTF-16 units.
    return (
        _valid_domain(domain)
        and _utf16_length(protocol) + _utf16_length(url) <= _MAX_URL_LENGTH
    )


def _ascii_domains(domain, url_start):
    """The ASCII-only domains inside a domain found without a protocol."""
    found = []
    end = 0
    for match in _ASCII_DOMAIN_RE.finditer(domain):
        start = domain.index(match.group(), end)
        end = start + len(match.group())
        found.append(
            {"url": match.group(), "indices": [url_start + start, url_start + end]}
        )
    return found


def _tld_positions(text):
    """Where a TLD follows a ".": those any label chain can end with, and, for
    the TLDs whose last label holds a "_" (no registered name does), the starts
    after that "_" mapped to the TLD they can reach."""
    anywhere, after_underscore = [], {}
    for dot in re.finditer(r"\.", text):
        tld = dot.end()
        if not _TLD_RE.match(text, tld):
            continue
        index = dot.start() - 1
        while index >= 0 and text[index] != "_" and _LABEL_CHAR_RE.match(text[index]):
            index -= 1
        if index >= 0 and text[index] == "_":
            after_underscore.update(dict.fromkeys(range(index + 1, tld - 1), tld))
        else:
            anywhere.append(tld)
    return anywhere, after_underscore


def _url_matches(text):
    """_EXTRACT_URL_RE.finditer(text), trying only where a domain can start.

    A domain is a chain of labels up to a TLD: a start with no TLD ahead
    before the chain breaks cannot match, and trying it anyway makes the regex
    quadratic on long dotted texts ("a.a.a.…": minutes for 6,000 characters).
    """
    tlds, tld_after_underscore = _tld_positions(text)
    breaks = [match.start() for match in _CHAIN_BREAK_RE.finditer(text)]

    def unbroken(start, tld):
        chain_break = bisect.bisect_left(breaks, start)
        return chain_break == len(breaks) or breaks[chain_break] > tld - 2

    def domain_can_start(index):
        tld = bisect.bisect_right(tlds, index)
        if tld < len(tlds) and unbroken(index, tlds[tld]):
            return True
        return index in tld_after_underscore and unbroken(
            index, tld_after_underscore[index]
        )

    def url_can_start(index):
        protocol = _PROTOCOL_RE.match(text, index)
        return domain_can_start(protocol.end() if protocol else index)

    position = 0
    for index in range(len(text)):
        if index < position:
            continue
        if not (url_can_start(index + 1) or (index == 0 and url_can_start(0))):
            continue
        match = _EXTRACT_URL_RE.match(text, index)
        if match:
            yield match
            position = match.end()


def extract_urls_with_indices(text):
    """The URLs X links (and counts 23), with their [start, end) code-point offsets."""
    urls = []
    if not text or "." not in text:
        return urls
    for match in _url_matches(text):
        url, protocol, domain = match.group("url", "protocol", "domain")
        start, end = match.start("url"), match.end("url")
        if not _valid_url(url, protocol or "https://", domain):
            continue
        if not protocol:
            if match.group("before") in ("-", "_", ".", "/"):
                continue
            found = _ascii_domains(domain, start)
            if not found:
                continue
            if match.group("path"):
                last = found[-1]
                last["url"] = url.replace(domain, last["url"], 1)
                last["indices"][1] = end
            urls.extend(found)
            continue
        tco = _TCO_URL_RE.match(url)
        if tco:
            # A t.co link takes no further path characters.
            if len(tco.group(1)) > _MAX_TCO_SLUG_LENGTH:
                continue
            url = tco.group()
            end = start + len(url)
        urls.append({"url": url, "indices": [start, end]})
    return urls


def _weight(char, config):
    code = ord(char)
    for weighted in config["ranges"]:
        if weighted["start"] <= code <= weighted["end"]:
            return weighted["weight"]
    return config["defaultWeight"]


def has_invalid_characters(text):
    return bool(_INVALID_CHARS_RE.search(text or ""))


def parse_text(text, config=None):
    """twitter-text's parseTweet: weighted length and validity under ``config``
    (a twitter-text config/vN.json; v3 by default)."""
    config = config or CONFIG_V3
    text = unicodedata.normalize("NFC", text or "")
    urls = {
        url["indices"][0]: url["indices"][1] for url in extract_urls_with_indices(text)
    }
    emojis = {}
    if config.get("emojiParsingEnabled"):
        emojis = {match.start(): match.end() for match in _EMOJI_RE.finditer(text)}
    scale = config["scale"]
    total = index = 0
    while index < len(text):
        if index in urls:
            total += config["transformedURLLength"] * scale
            index = urls[index]
        elif index in emojis:
            total += config["defaultWeight"]
            index = emojis[index]
        else:
            total += _weight(text[index], config)
            index += 1
    length = total // scale
    maximum = config["maxWeightedTweetLength"]
    valid = 0 < length <= maximum and not has_invalid_characters(text)
    return ParsedText(length, valid)


def contains_url(text: str) -> bool:
    """Whether X sees a link in ``text`` (what makes a post cost the URL price)."""
    return bool(extract_urls_with_indices(text or ""))


def weighted_length(text: str) -> int:
    """The length X counts against MAX_WEIGHTED_LENGTH."""
    return parse_text(text).weighted_length


def remaining(text: str) -> int:
    """Weighted characters left before X refuses the post (negative when over)."""
    return MAX_WEIGHTED_LENGTH - weighted_length(text)
