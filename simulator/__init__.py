"""Social Care API simulator: a local stand-in for X and Meta, never a real network.

It fakes the X API v2 and Graph API calls the connectors make (the apps'
``api_base_url`` points them here), records the agents' replies, and plays
customers: their posts, comments and messages reach Odoo as signed webhook
deliveries through the real route ``/social_care/webhook/<app id>``.

Run it with ``python -m simulator`` (``scripts/run`` does); the end-to-end
tests in ``tests/e2e`` use it in-process.
"""

from .core import LABEL, Config, Simulator, wait_for_http
from .server import make_server, serve_in_thread
