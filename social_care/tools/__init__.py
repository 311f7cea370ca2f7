# Pure Python helpers shared by the connectors: no Odoo imports here, so they
# are unit-tested in milliseconds and reused by the ORM layer.
from .normalized import (
    CHANNELS,
    PRIVATE_CHANNELS,
    AccountSignal,
    Attachment,
    Author,
    OriginPost,
    ParsedDelivery,
    ParsedEvent,
    PayloadError,
    SocialMessage,
)
from .errors import SendError, SendResult, request_never_sent
from .rule_pattern import pattern_problem
from .textutil import extract_contact_hints, html_to_text
from .side_effects import SideEffects
