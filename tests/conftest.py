"""Pytest set-up for the suite that runs outside Odoo's test runner.

The addons' ``tools/`` packages import nothing from Odoo, so they are loaded
here as ``odoo.addons.<addon>.tools`` without executing the addons' own
``__init__`` (which would import the ORM layer).
"""

import importlib
import json
import pathlib
import sys
import types

import pytest

REPO = pathlib.Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures"
ADDONS = ("social_care", "social_care_twitter", "social_care_meta")


def _bare_package(name, path=None):
    module = sys.modules.get(name)
    if module is None:
        module = types.ModuleType(name)
        module.__path__ = [str(path)] if path else []
        sys.modules[name] = module
    return module


def _expose_addon_tools():
    try:
        addons = importlib.import_module("odoo.addons")
    except ImportError:  # no Odoo on this interpreter: the tools need none
        _bare_package("odoo")
        addons = _bare_package("odoo.addons")
    for addon in ADDONS:
        qualified = f"odoo.addons.{addon}"
        if qualified not in sys.modules:
            package = _bare_package(qualified, REPO / addon)
            setattr(addons, addon, package)


_expose_addon_tools()


def load_fixture(relative):
    """A JSON payload from tests/fixtures, e.g. ``load_fixture("x/mention.json")``."""
    return json.loads((FIXTURES / relative).read_text())


@pytest.fixture
def fixture_json():
    return load_fixture
