"""UTM parameters (``utm_campaign``, ``utm_source``, ``utm_medium``) in links.

A post's text or address may carry the campaign it belongs to in its links'
query strings; this finds them, so the post can be matched to Odoo's UTM
records. Pure: no Odoo import.
"""

import re
from urllib.parse import parse_qsl, urlsplit

UTM_KEYS = ("campaign", "source", "medium")
URL_RE = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)
# A UTM name is short; longer values are not names worth matching.
MAX_NAME_LENGTH = 100


def utm_parameters(*texts):
    """``{"campaign": name, ...}`` from the first link of ``texts`` that has each.

    Values are stripped; empty or overlong ones are left out.
    """
    found = {}
    for text in texts:
        for url in URL_RE.findall(text or ""):
            query = urlsplit(url.rstrip(".,;:!?)]")).query
            for key, value in parse_qsl(query):
                name = key.lower().removeprefix("utm_")
                value = value.strip()
                if (
                    key.lower().startswith("utm_")
                    and name in UTM_KEYS
                    and value
                    and len(value) <= MAX_NAME_LENGTH
                ):
                    found.setdefault(name, value)
    return found
