# Pure Python logic of the X connector (text length, webhooks, payloads, errors):
# no Odoo or tweepy imports, so it is unit-tested in milliseconds and reused by
# the ORM layer, the webhook controller and the simulator.
from .x_errors import XError, classify_error
from .x_parse import parse_event
from .x_text import (
    MAX_WEIGHTED_LENGTH,
    contains_url,
    parse_text,
    remaining,
    weighted_length,
)
from .x_webhook import crc_response, sign, split_delivery, verify_signature

__all__ = [
    "MAX_WEIGHTED_LENGTH",
    "XError",
    "classify_error",
    "contains_url",
    "crc_response",
    "parse_event",
    "parse_text",
    "remaining",
    "sign",
    "split_delivery",
    "verify_signature",
    "weighted_length",
]
