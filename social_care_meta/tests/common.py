import json
import time
from contextlib import contextmanager
from unittest.mock import patch
from urllib.parse import parse_qs, urlparse

import requests
from requests.structures import CaseInsensitiveDict

from odoo.tests import TransactionCase
from odoo.tests.common import _super_send

from odoo.addons.social_care.tests.common import multipart, social_care_test_env

from ..tools import split_delivery

SECRET = "meta-app-secret-for-tests"
APP_ID = "1234567890123456"
VERIFY_TOKEN = "verify-me-please"
PAGE = "104857630123456"
IG = "17841400000000001"
# Built at run time: shaped like a Page token, obviously fake.
PAGE_TOKEN = "EAA" + "PageTokenForTestsOnly" + "0" * 10
PSID = "6123456789012345"
IGSID = "1234567890123456"
FB_USER = "7012345678901234"
GRAPH_HOST = "graph.facebook.com"
_adapter_send = requests.adapters.HTTPAdapter.send


class GraphRouter:
    """Answers Graph calls below facebook-sdk (at requests' transport adapter).

    ``routes`` maps ``(method, path)`` (path without the version) to a JSON
    body, a ``(status, body, headers)`` tuple, a list of those (one per call)
    or a callable taking the recorded call. Unrouted calls get a Graph error.
    """

    def __init__(self, routes):
        self.routes = dict(routes)
        self.calls = []

    def __call__(self, adapter, prepared, **kwargs):
        url = urlparse(prepared.url)
        if url.hostname != GRAPH_HOST:
            return _adapter_send(adapter, prepared, **kwargs)
        version, _sep, path = url.path.lstrip("/").partition("/")
        body = prepared.body or ""
        fields_, files = multipart(prepared)
        if isinstance(body, bytes) and fields_ is None:
            body = body.decode()
        call = {
            "method": prepared.method,
            "version": version,
            "path": path,
            "query": {k: v[0] for k, v in parse_qs(url.query).items()},
            "body": fields_
            if fields_ is not None
            else {k: v[0] for k, v in parse_qs(body).items()},
            "files": files,
        }
        call["params"] = {**call["query"], **call["body"]}
        # Graph reads the access token from Authorization: Bearer too.
        auth = prepared.headers.get("Authorization") or ""
        call["bearer"] = auth[len("Bearer ") :] if auth.startswith("Bearer ") else ""
        if call["bearer"]:
            call["params"].setdefault("access_token", call["bearer"])
        self.calls.append(call)
        answer = self.routes.get((prepared.method, path))
        if isinstance(answer, list):
            answer = answer.pop(0)
        if callable(answer):
            answer = answer(call)
        if answer is None:
            answer = (400, {"error": {"message": f"unrouted {path}", "code": 100}})
        if not isinstance(answer, tuple):
            answer = (200, answer)
        status, data, headers = (*answer, {})[:3]
        response = requests.Response()
        response.status_code = status
        response.headers = CaseInsensitiveDict(
            {"Content-Type": "application/json; charset=UTF-8", **headers}
        )
        response._content = json.dumps(data).encode()
        response.encoding = "utf-8"
        response.url = prepared.url
        response.request = prepared
        return response

    def find(self, method, path):
        return [c for c in self.calls if c["method"] == method and c["path"] == path]


class MetaGraphMixin:
    """Graph interception for TransactionCase and HttpCase alike."""

    @classmethod
    def _request_handler(cls, s, r, /, **kw):
        # Let Graph calls through requests' session (hooks included) down to
        # the patched adapter; everything else stays blocked as usual.
        if urlparse(r.url).hostname == GRAPH_HOST:
            return _super_send(s, r, **kw)
        return super()._request_handler(s, r, **kw)

    @contextmanager
    def graph(self, routes=None):
        router = GraphRouter(routes or {})
        with patch.object(
            requests.adapters.HTTPAdapter,
            "send",
            lambda adapter, prepared, **kwargs: router(adapter, prepared, **kwargs),
        ):
            yield router

    @classmethod
    def setup_meta(cls):
        cls.env = social_care_test_env(cls.env)
        cls.env.company.social_care_partner_policy = "create"
        cls.team = cls.env["helpdesk.ticket.team"].create({"name": "Social team"})
        cls.app = cls.env["social.care.app"].create(
            {
                "name": "Meta app",
                "provider": "meta",
                "client_key": APP_ID,
                "client_secret": SECRET,
                "verify_token": VERIFY_TOKEN,
            }
        )
        cls.page = cls.env["social.care.account"].create(
            {
                "name": "Nordic Bikes",
                "app_id": cls.app.id,
                "external_ref": PAGE,
                "meta_surface": "facebook",
                "access_token": PAGE_TOKEN,
                "state": "connected",
                "team_id": cls.team.id,
                "poll_enabled": False,
            }
        )
        cls.instagram = cls.env["social.care.account"].create(
            {
                "name": "@nordicbikes",
                "app_id": cls.app.id,
                "external_ref": IG,
                "handle": "nordicbikes",
                "meta_surface": "instagram",
                "meta_page_account_id": cls.page.id,
                "access_token": PAGE_TOKEN,
                "state": "connected",
                "team_id": cls.team.id,
                "poll_enabled": False,
            }
        )

    # --- payloads as Meta sends them ---------------------------------------

    @staticmethod
    def feed_comment(comment_id, message, parent_id=None, verb="add", **extra):
        post_id = f"{PAGE}_722000000000001"
        value = {
            "from": {"id": extra.pop("from_id", FB_USER), "name": "Maija Virtanen"},
            "post": {
                "id": post_id,
                "permalink_url": f"https://www.facebook.com/{PAGE}/posts/pfbid0Fake",
            },
            "message": message,
            "post_id": post_id,
            "comment_id": comment_id,
            "created_time": extra.pop("created_time", int(time.time())),
            "item": "comment",
            "parent_id": parent_id or post_id,
            "verb": verb,
            **extra,
        }
        if verb == "remove":
            value.pop("message")
        return {"object": "page", "entry": [feed_entry(value)]}

    @staticmethod
    def messaging(obj, account, sender, recipient, message, stamp=None):
        stamp = stamp or int(time.time() * 1000)
        return {
            "object": obj,
            "entry": [
                {
                    "id": account,
                    "time": stamp,
                    "messaging": [
                        {
                            "sender": {"id": sender},
                            "recipient": {"id": recipient},
                            "timestamp": stamp,
                            "message": message,
                        }
                    ],
                }
            ],
        }

    def messenger(self, mid, text, **message):
        return self.messaging(
            "page", PAGE, PSID, PAGE, {"mid": mid, "text": text, **message}
        )

    def instagram_dm(self, mid, text, **message):
        return self.messaging(
            "instagram", IG, IGSID, IG, {"mid": mid, "text": text, **message}
        )

    @staticmethod
    def ig_change(field, value):
        return {
            "object": "instagram",
            "entry": [
                {
                    "id": IG,
                    "time": int(time.time()),
                    "changes": [{"field": field, "value": value}],
                }
            ],
        }

    def ig_comment(self, comment_id, text, parent_id=None):
        value = {
            "from": {"id": IGSID, "username": "liisa.cycles"},
            "media": {"id": "17890000000000001", "media_product_type": "FEED"},
            "id": comment_id,
            "text": text,
        }
        if parent_id:
            value["parent_id"] = parent_id
        return self.ig_change("comments", value)

    # --- the pipeline -----------------------------------------------------

    def store(self, payload):
        return self.app._social_store_deliveries(split_delivery(payload))

    def process(self):
        self.env["social.care.event"].with_context(
            social_care_no_commit=True
        )._cron_process_events()

    def deliver(self, *payloads):
        for payload in payloads:
            self.store(payload)
        self.process()

    def message_of(self, account, external_id):
        return self.env["social.care.message"].search(
            [("account_id", "=", account.id), ("external_id", "=", external_id)]
        )

    def send_all(self):
        self.env["social.care.message"].with_context(
            social_care_no_commit=True
        )._cron_send_messages()


def feed_entry(value):
    return {
        "id": PAGE,
        "time": int(time.time()),
        "changes": [{"field": "feed", "value": value}],
    }


class MetaCase(MetaGraphMixin, TransactionCase):
    """A Meta app with a connected Page and its Instagram account."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_meta()
        cls.agent = cls.env["res.users"].create(
            {
                "name": "Agent Alice",
                "login": "alice_meta",
                "email": "alice@example.com",
                "groups_id": [
                    (6, 0, [cls.env.ref("helpdesk_mgmt.group_helpdesk_user").id])
                ],
            }
        )

    def reply(self, ticket, text="We are on it!", private=None):
        """The agent's "Send message"; ``private`` overrides the ticket's switch."""
        if private is not None:
            ticket = ticket.with_context(social_care_private=private)
        ticket.with_user(self.agent).message_post(
            body=text, message_type="comment", subtype_xmlid="mail.mt_comment"
        )
        return self.env["social.care.message"].search(
            [("ticket_id", "=", ticket.id), ("direction", "=", "out")],
            order="id desc",
            limit=1,
        )
