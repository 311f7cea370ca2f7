"""End-to-end set-up: a running Odoo with the addons, and the API simulator.

Odoo comes from the environment:

- ``SOCIAL_CARE_E2E_URL`` and ``SOCIAL_CARE_E2E_DB``: an Odoo already serving
  that database (e.g. the one ``scripts/run`` starts);
- ``SOCIAL_CARE_E2E_DB`` alone: a database with the three addons installed;
  odoo-bin (``ODOO_PATH``, else ``~/odoo-18.0``) is started on a free port for
  the session and stopped after it (``scripts/test`` does this).

Without either, the tests are skipped, except under ``CI=true`` where they fail.
Each session creates its own X and Meta apps and accounts (unique ids, random
secrets) pointing at an in-process simulator on a free port, and archives them
at the end, so a demo database is left as it was.
"""

import contextlib
import http.cookiejar
import itertools
import json
import os
import pathlib
import secrets
import sys
import urllib.error
import urllib.request
import xmlrpc.client

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from simulator import Config, Simulator, serve_in_thread  # noqa: E402
from tests.live_odoo import (  # noqa: E402
    LOGS,
    fail_on_credentials_in_logs,
    served,
    sql_rows,
)


class Odoo:
    """Odoo as admin: XML-RPC (``odoo.call(model, method, *args, **kwargs)``)
    and the web client's JSON routes (``odoo.jsonrpc``)."""

    def __init__(self, url, db, login="admin", password="admin"):
        self.url, self.db, self.password = url.rstrip("/"), db, password
        self.login, self.opener, self.ids = login, None, itertools.count(1)
        common = xmlrpc.client.ServerProxy(f"{self.url}/xmlrpc/2/common")
        self.uid = common.authenticate(db, login, password, {})
        if not self.uid:
            pytest.fail(f"cannot log in to {db} at {url} as {login}")
        self.models = xmlrpc.client.ServerProxy(
            f"{self.url}/xmlrpc/2/object", allow_none=True
        )

    def jsonrpc(self, path, params):
        """A JSON-RPC call in the web session of the user (cookie kept)."""
        if self.opener is None:
            self.opener = urllib.request.build_opener(
                urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
            )
            self.jsonrpc(
                "/web/session/authenticate",
                {"db": self.db, "login": self.login, "password": self.password},
            )
        request = urllib.request.Request(
            self.url + path,
            data=json.dumps(
                {
                    "jsonrpc": "2.0",
                    "method": "call",
                    "params": params,
                    "id": next(self.ids),
                }
            ).encode(),
            headers={"Content-Type": "application/json"},
        )
        with self.opener.open(request, timeout=60) as response:
            answer = json.load(response)
        if "error" in answer:
            error = answer["error"].get("data") or answer["error"]
            raise RuntimeError(f"{path}: {error.get('message')}")
        return answer.get("result")

    def post_in_chatter(self, ticket, text, attachment_ids=()):
        """What the ticket's chatter does when an agent presses Send."""
        return self.jsonrpc(
            "/mail/message/post",
            {
                "thread_model": "helpdesk.ticket",
                "thread_id": ticket,
                "post_data": {
                    "body": text,
                    "message_type": "comment",
                    "subtype_xmlid": "mail.mt_comment",
                    "partner_ids": [],
                    "attachment_ids": list(attachment_ids),
                },
            },
        )

    def call(self, model, method, *args, **kwargs):
        return self.models.execute_kw(
            self.db, self.uid, self.password, model, method, list(args), kwargs
        )

    def read_one(self, model, record_id, fields):
        return self.call(model, "read", [record_id], fields=fields)[0]

    def ref(self, xmlid):
        module, name = xmlid.split(".")
        found = self.call(
            "ir.model.data",
            "search_read",
            [("module", "=", module), ("name", "=", name)],
            fields=["res_id"],
        )
        return found[0]["res_id"] if found else None


@pytest.fixture(scope="session")
def odoo():
    url = os.environ.get("SOCIAL_CARE_E2E_URL")
    db = os.environ.get("SOCIAL_CARE_E2E_DB")
    if not db:
        reason = (
            "end-to-end tests need SOCIAL_CARE_E2E_DB (and SOCIAL_CARE_E2E_URL for "
            "an Odoo already running); scripts/test sets them"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    with contextlib.ExitStack() as stack:
        log_paths = []
        if not url:
            LOGS.mkdir(parents=True, exist_ok=True)
            log = stack.enter_context(open(LOGS / "e2e-odoo.log", "wb"))
            url = stack.enter_context(served(db, log))
            log_paths.append(LOGS / "e2e-odoo.log")
        instance = Odoo(
            url,
            db,
            os.environ.get("SOCIAL_CARE_E2E_LOGIN", "admin"),
            os.environ.get("SOCIAL_CARE_E2E_PASSWORD", "admin"),
        )
        # What the session's end searches for credentials (an Odoo already
        # running elsewhere has no log here: nothing to search).
        instance.log_paths, instance.sql_rows = log_paths, sql_rows(db)
        yield instance


def _digits(count):
    return str(secrets.randbelow(9) + 1) + "".join(
        str(secrets.randbelow(10)) for _ in range(count - 1)
    )


@pytest.fixture(scope="session")
def world(odoo):
    """This session's apps and accounts in Odoo, and the simulator serving them."""
    simulator = Simulator(
        Config(
            odoo_url=odoo.url,
            x_secret=secrets.token_hex(16),
            x_user_id=_digits(19),
            x_handle="SimE2E",
            meta_secret=secrets.token_hex(16),
            page_id=_digits(15),
            page_name="E2E Bikes",
            ig_id=_digits(17),
            ig_username="e2ebikes",
        )
    )
    server = serve_in_thread(simulator)
    base = f"http://127.0.0.1:{server.server_port}"
    cfg = simulator.config
    x_app = odoo.call(
        "social.care.app",
        "create",
        {
            "name": "e2e X sandbox",
            "provider": "twitter",
            "client_key": "e2e-consumer-key",
            "client_secret": cfg.x_secret,
            "api_base_url": f"{base}/x",
        },
    )
    meta_app = odoo.call(
        "social.care.app",
        "create",
        {
            "name": "e2e Meta sandbox",
            "provider": "meta",
            "client_key": "1899000000000002",  # Meta app ids are numbers
            "client_secret": cfg.meta_secret,
            "verify_token": "e2e-verify",
            "api_base_url": f"{base}/meta",
        },
    )
    common = {"state": "connected", "poll_enabled": False}
    x_account = odoo.call(
        "social.care.account",
        "create",
        {
            **common,
            "name": "@SimE2E",
            "app_id": x_app,
            "external_ref": cfg.x_user_id,
            "handle": cfg.x_handle,
            "twitter_auth_mode": "oauth2",
            "access_token": "e2e-x-token",
        },
    )
    page = odoo.call(
        "social.care.account",
        "create",
        {
            **common,
            "name": "E2E Bikes",
            "app_id": meta_app,
            "meta_surface": "facebook",
            "external_ref": cfg.page_id,
            "access_token": "e2e-page-token",
        },
    )
    instagram = odoo.call(
        "social.care.account",
        "create",
        {
            **common,
            "name": "@e2ebikes",
            "app_id": meta_app,
            "meta_surface": "instagram",
            "meta_page_account_id": page,
            "external_ref": cfg.ig_id,
            "handle": cfg.ig_username,
            "access_token": "e2e-page-token",
        },
    )
    cfg.x_app_id, cfg.meta_app_id = x_app, meta_app
    simulator.accounts = {"x": x_account, "facebook": page, "instagram": instagram}
    simulator.base_url = base
    try:
        yield simulator
    finally:
        server.shutdown()
        server.server_close()
        odoo.call(
            "social.care.account",
            "write",
            [x_account, instagram, page],
            {"active": False},
        )
        odoo.call("social.care.app", "write", [x_app, meta_app], {"active": False})
        # Every credential configured (and those the session made) must be
        # absent from Odoo's log; a hit fails the run.
        fail_on_credentials_in_logs(
            odoo.sql_rows,
            odoo.log_paths,
            {
                cfg.x_secret: "the X app secret",
                cfg.meta_secret: "the Meta app secret",
                "e2e-x-token": "the X access token",
                "e2e-page-token": "the Page access token",
            },
        )


@pytest.fixture
def calls_left_as_found(world):
    """For tests whose calls other modules must not count (they count by path)."""
    calls, media = len(world.calls), len(world.media_requests)
    yield
    with world.lock:
        del world.calls[calls:]
        del world.media_requests[media:]
