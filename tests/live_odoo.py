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


# ----------------------------------------------------------------------
# No credential in Odoo's log (issue 11): checked at the end of a session
# ----------------------------------------------------------------------

# The columns holding secrets: app secrets, verify tokens, access and refresh
# tokens (the App ID / API key is public: Meta puts it in URLs itself).
CREDENTIAL_COLUMNS = {
    "social_care_app": (
        "client_secret",
        "verify_token",
        "twitter_client_secret",
        "twitter_bearer_token",
    ),
    "social_care_account": ("access_token", "refresh_token", "token_secret"),
    "social_care_twitter_token": ("access_token", "refresh_token"),
}
# Shorter values ("renewed", a test's stand-in) would match ordinary words.
MIN_CREDENTIAL_LENGTH = 8


def sql_rows(db, host=None, port=None):
    """``rows(query, args)`` on ``db``, read-only, for the checks below."""
    import psycopg2

    params = {"dbname": db, **({"host": host, "port": port} if host else {})}

    def rows(query, args=None):
        with psycopg2.connect(**params) as connection, connection.cursor() as cr:
            cr.execute(query, args)
            return cr.fetchall()

    return rows


def configured_credentials(rows):
    """Every credential value in the database, archived records included:
    ``{value: "table.column of #id"}``."""
    found = {}
    for table, columns in CREDENTIAL_COLUMNS.items():
        present = [
            name
            for (name,) in rows(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_name = %s AND column_name = ANY(%s)",
                (table, list(columns)),
            )
        ]
        if not present:
            continue
        for record_id, *values in rows(
            f"SELECT id, {', '.join(present)} FROM {table}"  # names from the list above
        ):
            for name, value in zip(present, values, strict=True):
                if isinstance(value, str) and len(value) >= MIN_CREDENTIAL_LENGTH:
                    found.setdefault(value, f"{table}.{name} of #{record_id}")
    return found


def credential_leaks(log_paths, credentials):
    """Where a credential value appears in the logs: ``["<where> in <log>:<line>"]``.

    The values themselves are never part of the answer (it is printed)."""
    leaks = []
    for path in log_paths:
        path = pathlib.Path(path)
        if not path.exists():
            continue
        text = path.read_text(errors="replace")
        for value, where in credentials.items():
            at = text.find(value)
            if at >= 0:
                leaks.append(f"{where} in {path.name}:{text.count(chr(10), 0, at) + 1}")
    return leaks


def fail_on_credentials_in_logs(rows, log_paths, known=None):
    """Fail the session when a credential of the database (or ``known``) was logged."""
    if not log_paths:
        return
    credentials = {
        value: where
        for value, where in (known or {}).items()
        if len(value) >= MIN_CREDENTIAL_LENGTH
    }
    credentials.update(configured_credentials(rows))
    leaks = credential_leaks(log_paths, credentials)
    if leaks:
        pytest.fail("credentials reached Odoo's log: " + "; ".join(leaks))
