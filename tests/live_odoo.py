"""odoo-bin serving one database on a free port, for the suites that drive a live Odoo.

Shared by ``tests/e2e`` and ``tests/walkthrough``: Odoo comes from
``ODOO_PATH`` (else ``~/odoo-18.0``) with this repository on its addons path.
"""

import contextlib
import os
import pathlib
import socket
import subprocess
import sys

import pytest

REPO = pathlib.Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from simulator import wait_for_http  # noqa: E402

LOGS = REPO / "var" / "test-logs"
START_TIMEOUT = 180  # seconds for odoo-bin to serve the database


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def odoo_command(db, *args):
    """odoo-bin's command line for ``db``, with the addons of this repository."""
    odoo_path = pathlib.Path(
        os.environ.get("ODOO_PATH") or pathlib.Path.home() / "odoo-18.0"
    )
    return [
        sys.executable,
        str(odoo_path / "odoo-bin"),
        f"--addons-path={odoo_path / 'odoo' / 'addons'},{REPO}",
        "-d",
        db,
        *args,
    ]


@contextlib.contextmanager
def served(db, log):
    """The URL of odoo-bin serving ``db``; its output goes to the open file ``log``."""
    port = free_port()
    process = subprocess.Popen(
        odoo_command(
            db,
            f"--db-filter=^{db}$",
            f"--http-port={port}",
            "--http-interface=127.0.0.1",
            "--log-level=warn",
        ),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        if not wait_for_http(
            f"{url}/web/health", START_TIMEOUT, alive=lambda: process.poll() is None
        ):
            pytest.fail(f"odoo-bin did not serve {db} (log: {log.name})")
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
