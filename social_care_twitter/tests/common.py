import copy
import io
import json
import pathlib
from contextlib import contextmanager
from datetime import timedelta
from unittest.mock import patch
from urllib.parse import parse_qs, urlparse

import requests
from requests.structures import CaseInsensitiveDict
from urllib3.response import HTTPResponse

from odoo import fields
from odoo.tests import TransactionCase

from odoo.addons.social_care.tests.common import multipart, social_care_test_env

from ..tools import split_delivery

FIXTURES = pathlib.Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "x"
SECRET = "consumer-secret-not-real"
ACME = "1500000000000000001"
JANE = "1600000000000000077"
MARCO = "44196397"
X_HOSTS = ("api.twitter.com", "api.x.com")
MEDIA_HOSTS = ("pbs.twimg.com", "ton.twitter.com", "video.twimg.com")


def fixture(name):
    return json.loads((FIXTURES / f"{name}.json").read_text())


def xaa_post(
    post_id, text, conversation=None, parent=None, author=JANE, created_at=None
):
    """An X Activity post event by Jane (from the reply fixture's shape)."""
    body = fixture("xaa_post_reply")
    data = body["data"]
    data["event_uuid"] = f"uuid-{post_id}"
    data["event_type"] = "post.reply.create" if parent else "post.mention.create"
    post = data["payload"]
    post.update(
        id=post_id,
        text=text,
        author_id=author,
        conversation_id=conversation or post_id,
        edit_history_tweet_ids=[post_id],
        created_at=created_at or post["created_at"],
    )
    post.pop("display_text_range", None)
    if parent:
        post["in_reply_to_tweet_id"] = parent
        post["referenced_tweets"] = [{"type": "replied_to", "id": parent}]
    else:
        post.pop("in_reply_to_tweet_id")
        post.pop("referenced_tweets")
    return body


class XCall:
    """One request the connector made to X, decoded for assertions."""

    def __init__(self, prepared):
        url = urlparse(prepared.url)
        self.method = prepared.method
        self.host = url.hostname
        self.path = url.path
        self.params = {k: v[0] for k, v in parse_qs(url.query).items()}
        self.headers = prepared.headers
        body = prepared.body or b""
        body = body.encode() if isinstance(body, str) else body
        content_type = prepared.headers.get("Content-Type", "")
        self.json = json.loads(body) if "json" in content_type and body else None
        self.form, self.files = multipart(prepared)
        if self.form is None and "form" in content_type:
            self.form = {k: v[0] for k, v in parse_qs(body.decode()).items()}

    def __repr__(self):
        return f"<{self.method} {self.host}{self.path} {self.params}>"


class FakeX:
    """X's API below tweepy: answers ``requests`` with queued responses.

    Each ``on()`` queues one answer for one method and path; a call nobody
    queued fails the test, so tests also prove how few calls were made.
    Media hosts answer a small image. Other hosts (the test server) pass.
    """

    def __init__(self):
        self.queue = []
        self.calls = []
        self.media_calls = []

    def on(self, method, path, body=None, status=200, headers=None):
        self.queue.append((method, path, status, body, headers or {}))
        return self

    def _response(self, prepared, status, body, headers):
        response = requests.Response()
        response.status_code = status
        response.reason = "OK" if status < 400 else "Error"
        response.url = prepared.url
        response.request = prepared
        if isinstance(body, bytes):
            # A media file is read as a stream, as from the CDN.
            default_type = "image/jpeg"
            response.raw = HTTPResponse(
                body=io.BytesIO(body), status=status, preload_content=False
            )
        else:
            response._content = json.dumps(body).encode() if body is not None else b""
            response._content_consumed = True
            default_type = "application/json"
        response.headers = CaseInsensitiveDict(
            {"Content-Type": default_type, **headers}
        )
        return response

    def send(self, original, session, prepared, **kwargs):
        host = urlparse(prepared.url).hostname
        if host in MEDIA_HOSTS:
            self.media_calls.append(XCall(prepared))
            return self._response(prepared, 200, b"\xff\xd8\xff\xe0-image", {})
        if host not in X_HOSTS:
            return original(session, prepared, **kwargs)
        call = XCall(prepared)
        self.calls.append(call)
        for index, (method, path, status, body, headers) in enumerate(self.queue):
            if method == call.method and path == call.path:
                del self.queue[index]
                if isinstance(body, Exception):  # no answer: a timeout, a reset
                    raise body
                return self._response(prepared, status, copy.deepcopy(body), headers)
        raise AssertionError(f"unexpected call to X: {call!r}")


@contextmanager
def fake_x(x=None):
    x = x or FakeX()
    original = requests.Session.send

    def send(session, prepared, **kwargs):
        return x.send(original, session, prepared, **kwargs)

    with patch.object(requests.Session, "send", send):
        yield x
    assert not x.queue, f"answers never asked for: {x.queue}"


@contextmanager
def renewal_in_test_cursor(self, account_id):
    """Tests run in one transaction: a renewal keeps its pair in it."""
    yield self.env.cr


class XSetupMixin:
    """A connected X account (OAuth 2.0) on an app with a consumer secret."""

    @classmethod
    def setup_x(cls):
        cls.env = social_care_test_env(cls.env)
        cls.startClassPatcher(
            patch.object(
                type(cls.env["social.care.twitter.token"]),
                "_twitter_renewal_cursor",
                renewal_in_test_cursor,
            )
        )
        cls.env.company.social_care_partner_policy = "create"
        cls.team = cls.env["helpdesk.ticket.team"].create({"name": "X team"})
        cls.app = cls.env["social.care.app"].create(
            {
                "name": "Acme X app",
                "provider": "twitter",
                "client_key": "consumer-key",
                "client_secret": SECRET,
                "twitter_client_id": "client-id",
                "twitter_client_secret": "client-secret",
            }
        )
        cls.account = cls.env["social.care.account"].create(
            {
                "name": "Acme Support",
                "app_id": cls.app.id,
                "external_ref": ACME,
                "handle": "AcmeSupport",
                "state": "connected",
                "team_id": cls.team.id,
                "access_token": "access-1",
                "refresh_token": "refresh-1",
                "token_expires_at": fields.Datetime.now() + timedelta(hours=2),
                "poll_enabled": False,
            }
        )
        cls.agent = cls.env["res.users"].create(
            {
                "name": "Agent Alice",
                "login": "alice_x",
                "email": "alice@example.com",
                "groups_id": [
                    (6, 0, [cls.env.ref("helpdesk_mgmt.group_helpdesk_user").id])
                ],
            }
        )

    def store(self, body):
        """Store a webhook body as the route would (signature aside)."""
        return self.app._social_store_deliveries(split_delivery(body))

    def process(self):
        with fake_x() as x:
            self.env["social.care.event"].with_context(
                social_care_no_commit=True
            )._cron_process_events()
        return x

    def send_queued(self, x):
        with fake_x(x):
            self.env["social.care.message"].with_context(
                social_care_no_commit=True
            )._cron_send_messages()
        return x

    def message(self, external_id):
        return self.env["social.care.message"].search(
            [("account_id", "=", self.account.id), ("external_id", "=", external_id)]
        )

    def reply(self, ticket, text, private=False):
        ticket.with_user(self.agent).with_context(
            social_care_private=private
        ).message_post(
            body=text, message_type="comment", subtype_xmlid="mail.mt_comment"
        )
        return self.env["social.care.message"].search(
            [("ticket_id", "=", ticket.id), ("direction", "=", "out")],
            order="id desc",
            limit=1,
        )


class XCase(XSetupMixin, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_x()
