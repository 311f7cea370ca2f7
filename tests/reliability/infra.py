"""The infrastructure the reliability tests control: PostgreSQL and odoo-bin.

The fault tests restart PostgreSQL and kill Odoo processes. So that nothing
else on the machine is hurt, they run on a private PostgreSQL cluster of
their own (``PrivateCluster``: ``initdb`` in a temporary directory, its own
socket and port), holding a copy of the database they are given. Only where
no cluster can be created (no ``initdb``, or running as root without a
``postgres`` account to own it) do they fall back to the shared server, and
there a "restart" is simulated by terminating the database's connections
(``pg_terminate_backend``); the tests say so in their output.

``OdooServer`` runs odoo-bin in prefork mode (HTTP workers and cron workers
in their own processes, as in production) and can stop, kill and restart it
on the same port.
"""

import os
import pathlib
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

import psycopg2

REPO = pathlib.Path(__file__).resolve().parents[2]
LOGS = REPO / "var" / "test-logs"
ODOO_PATH = pathlib.Path(
    os.environ.get("ODOO_PATH") or pathlib.Path.home() / "odoo-18.0"
)
START_TIMEOUT = 180  # seconds for odoo-bin to serve the database


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _pg_bindir():
    try:
        found = subprocess.run(
            ["pg_config", "--bindir"], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        found = ""
    for candidate in (found, os.path.dirname(shutil.which("initdb") or "")):
        if candidate and os.access(os.path.join(candidate, "initdb"), os.X_OK):
            return candidate
    return None


class PrivateCluster:
    """A throwaway PostgreSQL cluster: trust auth, a socket in its own directory.

    As root, the cluster belongs to the ``postgres`` account (PostgreSQL
    refuses to run as root) and its superuser role is named after the
    current user, so clients connect as usual.
    """

    def __init__(self):
        self.bindir = _pg_bindir()
        self.role = os.environ.get("PGUSER") or pwd.getpwuid(os.getuid()).pw_name
        self.owner = None
        if os.getuid() == 0:
            try:
                self.owner = pwd.getpwnam("postgres")
            except KeyError:
                self.owner = None
        self.root = self.data = self.port = None

    def why_not(self):
        """Why no private cluster can be made here, or None."""
        if not self.bindir:
            return "no initdb found (pg_config --bindir, PATH)"
        if os.getuid() == 0 and self.owner is None:
            return "running as root without a 'postgres' account to own a cluster"
        return None

    def _run(self, *args, **kwargs):
        command = [os.path.join(self.bindir, args[0]), *args[1:]]
        if self.owner is not None:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, check=True, capture_output=True, **kwargs)

    def create(self):
        self.root = tempfile.mkdtemp(prefix="social_care_pg_")
        self.data = os.path.join(self.root, "data")
        self.port = free_port()
        if self.owner is not None:
            os.chown(self.root, self.owner.pw_uid, self.owner.pw_gid)
        self._run(
            "initdb",
            "-D",
            self.data,
            "-U",
            self.role,
            "--auth=trust",
            "--no-sync",
            "-E",
            "UTF8",
            "--locale=C",
        )
        self.start()

    @property
    def host(self):
        return self.root  # the socket directory

    def start(self):
        options = f"-p {self.port} -k {self.root} -c listen_addresses=''"
        self._run(
            "pg_ctl",
            "-D",
            self.data,
            "-o",
            options,
            "-l",
            os.path.join(self.root, "postgresql.log"),
            "-w",
            "start",
        )

    def stop(self, mode="fast"):
        self._run("pg_ctl", "-D", self.data, "-m", mode, "-w", "stop")

    def destroy(self):
        if self.data and os.path.isdir(self.data):
            try:
                self.stop("immediate")
            except subprocess.CalledProcessError:
                pass
        if self.root:
            shutil.rmtree(self.root, ignore_errors=True)

    def env(self):
        """Environment for libpq clients (psql, pg_restore) of this cluster."""
        return {**os.environ, "PGHOST": self.host, "PGPORT": str(self.port)}

    def copy_database(self, db):
        """Copy ``db`` of the default server here, under the same name."""
        subprocess.run(["createdb", db], env=self.env(), check=True)
        dump = subprocess.Popen(
            ["pg_dump", "--no-owner", "--format=custom", db], stdout=subprocess.PIPE
        )
        subprocess.run(
            ["pg_restore", "--no-owner", "--exit-on-error", "-d", db],
            stdin=dump.stdout,
            env=self.env(),
            check=True,
            capture_output=True,
        )
        dump.stdout.close()
        if dump.wait() != 0:
            raise RuntimeError(f"pg_dump {db} failed")


class Database:
    """Read-only SQL on the database under test, for checks against ground truth."""

    def __init__(self, db, host=None, port=None):
        self.params = {"dbname": db}
        if host:
            self.params.update(host=host, port=port)

    def connect(self):
        connection = psycopg2.connect(**self.params)
        connection.set_session(readonly=True, autocommit=True)
        return connection

    def rows(self, query, args=None):
        with self.connect() as connection, connection.cursor() as cr:
            cr.execute(query, args)
            return cr.fetchall()

    def value(self, query, args=None):
        return self.rows(query, args)[0][0]

    def admin(self, query, args=None):
        """A write outside Odoo, for fault injection only (age a row, kill backends)."""
        connection = psycopg2.connect(**self.params)
        connection.autocommit = True
        try:
            with connection.cursor() as cr:
                cr.execute(query, args)
                return cr.fetchall() if cr.description else None
        finally:
            connection.close()

    def reachable(self):
        try:
            self.value("SELECT 1")
            return True
        except psycopg2.OperationalError:
            return False


class OdooServer:
    """odoo-bin in prefork mode on a fixed port, started, killed and restarted."""

    def __init__(
        self,
        db,
        host=None,
        port=None,
        workers=2,
        cron_workers=2,
        log_name="reliability-odoo",
    ):
        self.db, self.db_host, self.db_port = db, host, port
        self.workers, self.cron_workers = workers, cron_workers
        self.http_port = free_port()
        self.url = f"http://127.0.0.1:{self.http_port}"
        self.data_dir = tempfile.mkdtemp(prefix="social_care_odoo_")
        LOGS.mkdir(parents=True, exist_ok=True)
        self.log_path = LOGS / f"{log_name}.log"
        self.log_path.write_bytes(b"")
        self.process = None

    def command(self):
        command = [
            sys.executable,
            str(ODOO_PATH / "odoo-bin"),
            f"--addons-path={ODOO_PATH / 'odoo' / 'addons'},{REPO}",
            "-d",
            self.db,
            f"--db-filter=^{self.db}$",
            f"--http-port={self.http_port}",
            "--http-interface=127.0.0.1",
            f"--workers={self.workers}",
            f"--max-cron-threads={self.cron_workers}",
            f"--data-dir={self.data_dir}",
            "--log-level=warn",
        ]
        if self.db_host:
            command += [f"--db_host={self.db_host}", f"--db_port={self.db_port}"]
        return command

    def start(self):
        from simulator import wait_for_http

        with open(self.log_path, "ab") as log:
            # Its own session: a kill of the group reaches the workers too.
            self.process = subprocess.Popen(
                self.command(),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        if not wait_for_http(
            f"{self.url}/web/health",
            START_TIMEOUT,
            alive=lambda: self.process.poll() is None,
        ):
            self.kill()
            raise RuntimeError(
                f"odoo-bin did not serve {self.db} (log: {self.log_path})"
            )

    def kill(self):
        """SIGKILL the server and all its workers at once (a crash)."""
        if self.process is None or self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(timeout=30)

    def stop(self):
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.kill()
        else:
            # Workers that outlived the master (they should not).
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.data_dir, ignore_errors=True)


def wait_until(check, timeout, what, interval=0.5, seen=None):
    """Poll ``check()`` until truthy; raise AssertionError after ``timeout`` s.

    ``seen()``, when given, says in the error what was there instead.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            found = f" (found: {seen()})" if seen else ""
            raise AssertionError(f"{what}: not reached within {timeout} s{found}")
        time.sleep(interval)
