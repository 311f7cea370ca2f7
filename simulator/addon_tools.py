"""The connectors' pure signing functions, imported without Odoo's ORM.

The addons' ``tools/`` packages import nothing from Odoo but live under
``odoo.addons.<addon>``. This exposes each addon as a bare package (its
``__init__``, which loads the models, is not run), so the simulator signs
deliveries with the very code that verifies them, and the pytest suite
(``tests/conftest.py``) tests that code without Odoo's ORM.
"""

import importlib
import pathlib
import sys
import types

REPO = pathlib.Path(__file__).resolve().parent.parent
ADDONS = ("social_care", "social_care_twitter", "social_care_meta")


def _bare_package(name, path=None):
    module = sys.modules.get(name)
    if module is None:
        module = types.ModuleType(name)
        module.__path__ = [str(path)] if path else []
        sys.modules[name] = module
    return module


def _expose_addons():
    try:
        addons = importlib.import_module("odoo.addons")
    except ImportError:  # no Odoo on this interpreter: the tools need none
        _bare_package("odoo")
        addons = _bare_package("odoo.addons")
    for addon in ADDONS:
        qualified = f"odoo.addons.{addon}"
        if qualified not in sys.modules:
            setattr(addons, addon, _bare_package(qualified, REPO / addon))


_expose_addons()
x_webhook = importlib.import_module("odoo.addons.social_care_twitter.tools.x_webhook")
meta_webhook = importlib.import_module(
    "odoo.addons.social_care_meta.tools.meta_webhook"
)
X_SIGNATURE_HEADER = x_webhook.SIGNATURE_HEADER
META_SIGNATURE_HEADER = "X-Hub-Signature-256"


def sign_x(consumer_secret, body):
    """``x-twitter-webhooks-signature`` for ``body``, as X computes it."""
    return x_webhook.sign(consumer_secret, body)


def sign_meta(app_secret, body):
    """``X-Hub-Signature-256`` for ``body``, as Meta computes it."""
    return meta_webhook.sign(app_secret, body)
