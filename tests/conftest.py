"""Pytest set-up for the suite that runs outside Odoo's test runner.

The addons' ``tools/`` packages import nothing from Odoo, so they are loaded
here as ``odoo.addons.<addon>.tools`` without executing the addons' own
``__init__`` (which would import the ORM layer).
"""

import json
import pathlib
import sys

import pytest

REPO = pathlib.Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures"


sys.path.insert(0, str(REPO))
# Exposes odoo.addons.<addon>.tools without running the addons' __init__.
import simulator.addon_tools  # noqa: E402, F401
from simulator import Config, Simulator, serve_in_thread  # noqa: E402


def load_fixture(relative):
    """A JSON payload from tests/fixtures, e.g. ``load_fixture("x/mention.json")``."""
    return json.loads((FIXTURES / relative).read_text())


@pytest.fixture
def fixture_json():
    return load_fixture


@pytest.fixture
def simulator():
    """The simulator with its default configuration, served on a free port."""
    simulator = Simulator(Config())
    server = serve_in_thread(simulator)
    simulator.base_url = f"http://127.0.0.1:{server.server_port}"
    yield simulator
    server.shutdown()
    server.server_close()
