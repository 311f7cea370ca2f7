"""Reliability set-up: a prefork Odoo this suite controls, and the simulator.

``SOCIAL_CARE_E2E_DB`` names a database with the three addons installed. The
suite copies it into a private PostgreSQL cluster of its own (so restarting
PostgreSQL hurts nobody else) and runs odoo-bin on the copy in prefork mode
(``--workers``, ``--max-cron-threads``), as in production; the tests kill and
restart that Odoo and that PostgreSQL. Where no private cluster can be made
(or with ``SOCIAL_CARE_RELIABILITY_SHARED_PG=1``), the database itself is used
and a PostgreSQL restart is simulated by terminating its connections (said
in the output).

Without ``SOCIAL_CARE_E2E_DB`` the tests are skipped, except under
``CI=true`` where they fail. The simulator, apps and accounts come from the
end-to-end suite's ``world`` fixture.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .infra import REPO, Database, OdooServer, PrivateCluster

if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from tests.e2e.conftest import Odoo, world  # noqa: E402, F401 (world: a fixture)

WORKERS = int(os.environ.get("SOCIAL_CARE_RELIABILITY_WORKERS", "2"))
CRON_WORKERS = int(os.environ.get("SOCIAL_CARE_RELIABILITY_CRON_WORKERS", "2"))


class Infrastructure:
    """The database under test, its PostgreSQL, and the Odoo serving it."""

    def __init__(self, db):
        self.name = db
        self.cluster = PrivateCluster()
        self.why_shared = self.cluster.why_not()
        if os.environ.get("SOCIAL_CARE_RELIABILITY_SHARED_PG") == "1":
            self.why_shared = "SOCIAL_CARE_RELIABILITY_SHARED_PG=1"
        self.server = None
        self.db = None

    @property
    def private(self):
        return self.why_shared is None

    def setup(self):
        if self.private:
            self.cluster.create()
            self.cluster.copy_database(self.name)
            self.db = Database(self.name, self.cluster.host, self.cluster.port)
            self.server = OdooServer(
                self.name, self.cluster.host, self.cluster.port, WORKERS, CRON_WORKERS
            )
        else:
            print(
                f"reliability: no private PostgreSQL cluster ({self.why_shared}); "
                f"using {self.name} on the shared server"
            )
            self.db = Database(self.name)
            self.server = OdooServer(
                self.name, workers=WORKERS, cron_workers=CRON_WORKERS
            )
        filestore = Path.home() / ".local/share/Odoo/filestore" / self.name
        if filestore.is_dir():
            shutil.copytree(
                filestore, Path(self.server.data_dir) / "filestore" / self.name
            )
        self.server.start()

    def restart_postgres(self, outage):
        """PostgreSQL goes away for ``outage`` seconds, then comes back.

        On the private cluster: a real stop (fast: connections are cut) and
        start. On the shared server: the database's connections are
        terminated, which Odoo sees the same way mid-transaction, without
        an outage window.
        """
        import time

        if self.private:
            self.cluster.stop("fast")
            time.sleep(outage)
            self.cluster.start()
            return "private cluster stopped and started (pg_ctl stop -m fast, start)"
        self.db.admin(
            """SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                WHERE datname = %s AND pid != pg_backend_pid()""",
            (self.name,),
        )
        return (
            "shared server: PostgreSQL was NOT restarted; the database's "
            "connections were terminated (pg_terminate_backend) instead"
        )

    def teardown(self):
        if self.server is not None:
            self.server.cleanup()
        if self.private:
            self.cluster.destroy()


@pytest.fixture(scope="session")
def infra():
    db = os.environ.get("SOCIAL_CARE_E2E_DB")
    if not db:
        reason = (
            "reliability tests need SOCIAL_CARE_E2E_DB: a database with the three "
            "addons installed (scripts/test sets it)"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    if not shutil.which("pg_dump") or not shutil.which("pgrep"):
        pytest.fail("reliability tests need pg_dump, pg_restore and pgrep on the PATH")
    infrastructure = Infrastructure(db)
    try:
        infrastructure.setup()
    except (subprocess.CalledProcessError, RuntimeError, OSError) as error:
        detail = (getattr(error, "stderr", b"") or b"").decode(errors="replace")
        infrastructure.teardown()
        pytest.fail(f"reliability set-up failed: {error} {detail[-500:]}")
    try:
        yield infrastructure
    finally:
        infrastructure.teardown()


@pytest.fixture(scope="session")
def odoo(infra):
    """Admin over XML-RPC on the Odoo this suite runs (named as world expects).

    ``world``'s end searches the server's log for the database's credentials.
    """
    instance = Odoo(infra.server.url, infra.name)
    instance.log_paths, instance.sql_rows = [infra.server.log_path], infra.db.rows
    return instance
