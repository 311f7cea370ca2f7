"""Text helpers for customer messages: plain text, and contact hints in it."""

import re
from html import unescape

# An address as RFC 5321 bounds it: a local part of at most 64 characters that
# starts where a run of such characters starts, a domain of at most 253. Each
# "@" is tried from one start only and every quantifier is bounded, so the
# search is linear in the text (unbounded, a 63k-character run took seconds).
EMAIL_RE = re.compile(
    r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,63}"
)
# A phone number: optional +, then 8 to 15 digits with usual separators.
PHONE_RE = re.compile(r"(?<![\w+])\+?\d[\d ().-]{6,18}\d(?!\w)")
# A reference the customer quotes: order S00042, ticket HT00012, INV/2026/0001...
REFERENCE_RE = re.compile(r"\b(?:[A-Z]{1,5}[/-]?\d{4}[/-]\d{2,6}|[A-Z]{1,4}\d{4,8})\b")


def html_to_text(html):
    """The text of a chatter message: line breaks kept, tags dropped, entities decoded.

    Inline tags (the links and emoji the composer adds) leave nothing behind, so
    an agent's reply goes out as typed, and its length is what the composer
    counted. (Odoo's html2plaintext adds link references and spaces.)
    """
    text = re.sub(r"<br\s*/?>|</p>", "\n", html or "", flags=re.I)
    # A tag cannot hold "<": a run of "<" without ">" is scanned once, not once
    # per "<".
    text = re.sub(r"<[^<>]+>", "", text)
    text = unescape(text).replace("\xa0", " ")
    return re.sub(r"[ \t]+", " ", text).strip()


def extract_contact_hints(text):
    """Emails, phone numbers and references written in a message, in order."""
    text = text or ""
    emails = list(dict.fromkeys(m.lower() for m in EMAIL_RE.findall(text)))
    stripped = EMAIL_RE.sub(" ", text)
    phones = []
    for match in PHONE_RE.findall(stripped):
        digits = re.sub(r"\D", "", match)
        if 8 <= len(digits) <= 15 and digits not in phones:
            phones.append(digits)
    refs = list(dict.fromkeys(REFERENCE_RE.findall(stripped)))
    return {"emails": emails, "phones": phones, "references": refs}
