# Pure Python logic of the Meta connector (webhooks, payloads, limits, errors):
# no Odoo or facebook-sdk imports, so it is unit-tested in milliseconds.
from .graph_version import (
    DEFAULT_VERSION,
    VERSIONS,
    days_until_end_of_life,
    is_near_end_of_life,
    normalize_version,
)
from .graph_ids import graph_path, is_graph_id, is_graph_path
from .meta_errors import MetaError, classify_error, parse_usage_headers
from .meta_limits import (
    Window,
    check_length,
    messaging_window,
    private_reply_allowed,
)
from .meta_parse import parse_event, private_reply_thread_key, split_ig_media
from .meta_signed_request import make_signed_request, parse_signed_request
from .meta_webhook import (
    is_dashboard_test,
    sign,
    split_delivery,
    verify_challenge,
    verify_signature,
)
