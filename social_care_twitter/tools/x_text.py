"""X's weighted character count (twitter-text config v3), checked before queueing.

X rejects a post over 280 *weighted* characters: most scripts outside Latin,
Greek, Cyrillic and the like count 2, an emoji sequence counts 2 whatever its
code points, and a URL counts 23 whatever its length (t.co wraps it). Without
the twitter-text library, this module reimplements its rules closely enough
for agents to see the same count as X.
"""

import re
import unicodedata

MAX_WEIGHTED_LENGTH = 280
URL_LENGTH = 23
EMOJI_LENGTH = 2

# Code points that count 1; everything else counts 2 (config v3 "ranges").
_LIGHT_RANGES = ((0x0000, 0x10FF), (0x2000, 0x200D), (0x2010, 0x201F), (0x2032, 0x2037))

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

# Top-level domains recognised without a protocol, besides any two-letter ccTLD.
_BARE_TLDS = (
    "com|net|org|edu|gov|mil|int|info|biz|name|pro|mobi|asia|tel|travel|jobs|aero"
    "|coop|museum|app|dev|page|io|ai|xyz|online|site|store|shop|tech|blog|cloud"
    "|news|live|media|email|digital|agency|company|group|global|world"
)
_LATIN = r"a-z0-9\u00c0-\u024f"
_BARE_LABEL = rf"[{_LATIN}](?:[{_LATIN}-]*[{_LATIN}])?"
_PATH_CHAR = rf"[{_LATIN}\u0400-\u04ff!*';:=+,.$/%#\[\]\-\u2013_~@|&?()]"
_URL_RE = re.compile(
    # Not glued to a word, a handle, a cashtag or a hashtag.
    r"(?<![a-z0-9@\uff20$#\uff03])"
    r"(?:https?://"
    # Subdomains may hold underscores, the registered name may not.
    r"(?P<host>(?:[^\W_](?:[\w-]*[^\W_])?\.)*"
    r"[^\W_](?:[^\W_]|-)*(?<!-)\.[^\W\d_]{2,}(?![\w-])"
    r"|(?:[0-9]{1,3}\.){3}[0-9]{1,3})"
    r"|(?<![-_./])"
    rf"(?P<bare>(?:{_BARE_LABEL}\.)+(?:{_BARE_TLDS}|[a-z]{{2}}))"
    # Not the start of a longer name, nor the local part of an email address.
    r"(?![a-z0-9@\uff20_+-]))"
    r"(?::[0-9]{1,5})?"
    rf"(?P<path>[/?#]{_PATH_CHAR}*)?",
    re.IGNORECASE,
)
# What a URL may end with; anything else at its end is the sentence's punctuation.
_URL_END_RE = re.compile(rf"[{_LATIN}\u0400-\u04ff+\-=_#/&)]", re.IGNORECASE)


def _weight(char):
    code = ord(char)
    return 1 if any(low <= code <= high for low, high in _LIGHT_RANGES) else 2


def _valid_label(label):
    """DNS allows 63 characters per label, counted in punycode for IDNs."""
    if not label.isascii():
        label = "xn--" + label.encode("punycode").decode("ascii")
    return len(label) <= 63


def _trim_path(path):
    """Drop trailing punctuation, and closing parentheses the URL did not open."""
    while path:
        last = path[-1]
        if last == ")" and path.count("(") >= path.count(")"):
            break
        if last != ")" and _URL_END_RE.fullmatch(last):
            break
        path = path[:-1]
    return path


def _url_spans(text):
    """Where each URL starts, mapped to where it ends."""
    spans = {}
    for match in _URL_RE.finditer(text):
        host = match.group("host") or match.group("bare")
        if all(_valid_label(label) for label in host.split(".")):
            path = match.group("path") or ""
            spans[match.start()] = match.end() - len(path) + len(_trim_path(path))
    return spans


def contains_url(text: str) -> bool:
    """Whether X sees a link in ``text`` (what makes a post cost the URL price)."""
    return bool(_url_spans(text or ""))


def weighted_length(text: str) -> int:
    """The length X counts against MAX_WEIGHTED_LENGTH."""
    text = unicodedata.normalize("NFC", text or "")
    urls = _url_spans(text)
    emojis = {match.start(): match.end() for match in _EMOJI_RE.finditer(text)}
    total = index = 0
    while index < len(text):
        if index in urls:
            total += URL_LENGTH
            index = urls[index]
        elif index in emojis:
            total += EMOJI_LENGTH
            index = emojis[index]
        else:
            total += _weight(text[index])
            index += 1
    return total


def remaining(text: str) -> int:
    """Weighted characters left before X refuses the post (negative when over)."""
    return MAX_WEIGHTED_LENGTH - weighted_length(text)
