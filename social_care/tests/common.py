import base64
import email.policy
import json
from contextlib import contextmanager
from email.parser import BytesParser
from unittest.mock import patch

import requests

from odoo import SUPERUSER_ID, api
from odoo.tests import TransactionCase

from odoo.addons.bus.models.bus import dispatch, hashable
from odoo.addons.bus.websocket import WebsocketConnectionHandler

from ..tools import generic

SECRET = "test-secret-not-real"
OUTBOUND_SECRET = "test-outbound-secret-not-real"


def social_care_test_env(env):
    """An env for tests that call the crons: no commits, mail that can be sent.

    The crons commit between units unless ``social_care_no_commit`` is set; the
    company's address and the catchall let notifications build a sender.
    """
    env = env(context=dict(env.context, social_care_no_commit=True))
    params = env["ir.config_parameter"].sudo()
    params.set_param("mail.catchall.domain", "example.com")
    params.set_param("mail.default.from", "notifications")
    env.company.email = "support@example.com"
    return env


class SocialCareCase(TransactionCase):
    """A connected generic-provider account: the base pipeline without a connector."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = social_care_test_env(cls.env)
        cls.team = cls.env["helpdesk.ticket.team"].create({"name": "Social team"})
        cls.app = cls.env["social.care.app"].create(
            {
                "name": "Test app",
                "provider": "generic",
                "client_secret": SECRET,
                "generic_outbound_secret": OUTBOUND_SECRET,
            }
        )
        cls.account = cls.env["social.care.account"].create(
            {
                "name": "Brand",
                "app_id": cls.app.id,
                "external_ref": "brand",
                "state": "connected",
                "team_id": cls.team.id,
                "generic_outbound_url": "https://outbound.example.com/hook",
                "poll_enabled": False,
            }
        )
        cls.agent = cls.env["res.users"].create(
            {
                "name": "Agent Alice",
                "login": "alice_social",
                "email": "alice@example.com",
                "groups_id": [
                    (6, 0, [cls.env.ref("helpdesk_mgmt.group_helpdesk_user").id])
                ],
            }
        )
        cls.company = cls.env.company
        cls.company.social_care_partner_policy = "create"

    @staticmethod
    def message(
        id_,
        text="Hello",
        thread=None,
        channel="facebook_comment",
        author="u1",
        author_name="Maria Verdi",
        **extra,
    ):
        item = {
            "account": "brand",
            "id": id_,
            "channel": channel,
            "thread": thread or f"thread-{id_}",
            "text": text,
            "author": {
                "id": author,
                "name": author_name,
                "handle": author_name.split()[0].lower(),
            },
        }
        item.update(extra)
        return item

    def deliver(self, *items):
        """Store items as the webhook would, then process the inbox."""
        deliveries = generic.split_delivery({"messages": list(items)})
        new = self.app._social_store_deliveries(deliveries)
        self.env["social.care.event"]._cron_process_events()
        return new

    def ticket_of(self, external_id):
        return (
            self.env["social.care.message"]
            .search(
                [
                    ("account_id", "=", self.account.id),
                    ("external_id", "=", external_id),
                ]
            )
            .ticket_id
        )


class LiveDeliveryTourMixin:
    """Lets a tour watch a reply's delivery state change live, on the bus.

    During tests Odoo refuses websockets and drops the post-commit hooks, where
    the bus sends its NOTIFY. For an HttpCase: the browser may open its
    websocket, and the tour gets one test-only RPC,
    ``social.care.message/social_care_test_send_now``, that runs ``send`` (the
    send cron) as the cron does, then wakes the websockets the NOTIFY would have
    woken. The browser then reads the pushed state as in production.
    """

    def allow_live_delivery(self, send):
        self.startPatcher(
            patch.object(
                WebsocketConnectionHandler, "websocket_allowed", return_value=True
            )
        )

        @api.model
        def social_care_test_send_now(model):
            # No commit inside: a commit would drop the bus channels to wake.
            context = dict(model.env.context, social_care_no_commit=True)
            send(model.env(user=SUPERUSER_ID, context=context))
            cr = model.env.cr
            cr.flush()  # runs the precommit hooks: the bus.bus rows exist now
            channels = cr.postcommit.data.get("bus.bus.channels", ())
            websockets = {
                websocket
                for channel in channels
                for websocket in dispatch._channels_to_ws.get(hashable(channel), ())
            }
            for websocket in websockets:
                websocket.trigger_notification_dispatching()

        self.startPatcher(
            patch.object(
                type(self.env["social.care.message"]),
                "social_care_test_send_now",
                social_care_test_send_now,
                create=True,
            )
        )


class FakeResponse:
    def __init__(self, status, data=None, headers=None):
        self.status_code = status
        self._data = data
        self.headers = headers or {}
        self.text = json.dumps(data) if data is not None else ""

    def json(self):
        if self._data is None:
            raise ValueError("no json")
        return self._data


@contextmanager
def outbound(*responses):
    """Answer the generic provider's POSTs with ``responses``; record them."""
    calls = []
    answers = list(responses)

    def fake_post(url, data=None, headers=None, timeout=None):
        calls.append(
            {"url": url, "raw": data, "body": json.loads(data), "headers": headers}
        )
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    with patch.object(requests, "post", side_effect=fake_post):
        yield calls


def failing_chatter_post(env, external_id):
    """The chatter post of one inbound message fails (after its media and rules).

    The batch it is in falls back to processing its events one by one.
    """
    ticket_class = type(env["helpdesk.ticket"])
    post_inbound = ticket_class._social_post_inbound

    def flaky(ticket, message, attachments, defaults=None):
        if message.external_id == external_id:
            raise RuntimeError("database hiccup")
        return post_inbound(ticket, message, attachments, defaults)

    return patch.object(ticket_class, "_social_post_inbound", flaky)


def multipart(prepared):
    """A multipart/form-data body as (fields, files), or (None, {}) if not one.

    files: name -> (filename, content type, bytes), as the upload sent them.
    """
    content_type = prepared.headers.get("Content-Type", "")
    if not content_type.startswith("multipart/form-data"):
        return None, {}
    head = f"Content-Type: {content_type}\r\n\r\n".encode()
    parsed = BytesParser(policy=email.policy.HTTP).parsebytes(head + prepared.body)
    fields_, files = {}, {}
    for part in parsed.iter_parts():
        name = part.get_param("name", header="content-disposition")
        filename = part.get_filename()
        payload = part.get_payload(decode=True)
        if filename:
            files[name] = (filename, part.get_content_type(), payload)
        else:
            fields_[name] = payload.decode()
    return fields_, files


# A 1x1 PNG (the smallest valid PNG, as libpng writes it).
PNG_1PX = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


def agent_upload(user, name, raw, mimetype):
    """A file as the chatter composer uploads it before the agent sends."""
    return (
        user.env["ir.attachment"]
        .with_user(user)
        .create(
            {
                "name": name,
                "raw": raw,
                "mimetype": mimetype,
                "res_model": "mail.compose.message",
                "res_id": 0,
            }
        )
    )


def reply_with_files(ticket, user, text, attachments, private=None):
    """The agent's "Send message" with files; the queued social message."""
    if private is not None:
        ticket = ticket.with_context(social_care_private=private)
    ticket.with_user(user).message_post(
        body=text,
        message_type="comment",
        subtype_xmlid="mail.mt_comment",
        attachment_ids=attachments.ids,
    )
    return ticket.env["social.care.message"].search(
        [("ticket_id", "=", ticket.id), ("direction", "=", "out")],
        order="id desc",
        limit=1,
    )
