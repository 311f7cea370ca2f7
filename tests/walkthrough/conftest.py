"""A new user's first hour, in a browser: set-up of Odoo, the simulator, Chromium.

``SOCIAL_CARE_WALKTHROUGH=1`` runs it (``scripts/test`` sets it); without it
the walkthrough is skipped, except under ``CI=true`` where it fails. It creates
its own database (``SOCIAL_CARE_WALKTHROUGH_DB``, default
``social_care_walkthrough``) with only ``base``, as a new user's production
database is, serves it with odoo-bin on a free port, and drops it at the end.
Chromium is the system's (``CHROMIUM``, default ``/usr/bin/chromium``),
driven by Playwright without downloading a browser.
"""

import os
import pathlib
import shutil
import subprocess
import sys
import xmlrpc.client

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from simulator import Config, Simulator, serve_in_thread  # noqa: E402
from tests.live_odoo import LOGS, odoo_command, served  # noqa: E402

SHOTS = LOGS / "walkthrough"


def _drop(db):
    subprocess.run(
        ["dropdb", "--if-exists", "--force", db], check=False, capture_output=True
    )
    shutil.rmtree(
        pathlib.Path.home() / ".local" / "share" / "Odoo" / "filestore" / db,
        ignore_errors=True,
    )


class Rpc:
    """XML-RPC as admin, to check what the browser did."""

    def __init__(self, url, db):
        self.db = db
        self.uid = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/common").authenticate(
            db, "admin", "admin", {}
        )
        self.models = xmlrpc.client.ServerProxy(
            f"{url}/xmlrpc/2/object", allow_none=True
        )

    def call(self, model, method, *args, **kwargs):
        return self.models.execute_kw(
            self.db, self.uid, "admin", model, method, list(args), kwargs
        )


@pytest.fixture(scope="session")
def fresh_odoo():
    """odoo-bin serving a database with only ``base``, no demo data."""
    if os.environ.get("SOCIAL_CARE_WALKTHROUGH") != "1":
        reason = "the browser walkthrough needs SOCIAL_CARE_WALKTHROUGH=1"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    db = os.environ.get("SOCIAL_CARE_WALKTHROUGH_DB", "social_care_walkthrough")
    LOGS.mkdir(parents=True, exist_ok=True)
    _drop(db)
    with open(LOGS / "walkthrough-odoo.log", "wb") as log:
        created = subprocess.run(
            odoo_command(
                db, "-i", "base", "--without-demo=all", "--stop-after-init", "--no-http"
            ),
            stdout=log,
            stderr=subprocess.STDOUT,
            check=False,
        )
        if created.returncode:
            pytest.fail(f"could not create {db} (log: {log.name})")
        try:
            with served(db, log) as url:
                yield url, db
        finally:
            if os.environ.get("SOCIAL_CARE_WALKTHROUGH_KEEP_DB") != "1":
                _drop(db)


@pytest.fixture(scope="session")
def simulator(fresh_odoo):
    """The simulator as a new user meets it: it knows no Odoo app id yet."""
    url, _db = fresh_odoo
    sim = Simulator(Config(odoo_url=url))
    server = serve_in_thread(sim)
    try:
        yield sim
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def browser():
    try:
        from playwright import sync_api
    except ImportError:
        pytest.fail("the walkthrough needs Playwright: pip install playwright")
    executable = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()
