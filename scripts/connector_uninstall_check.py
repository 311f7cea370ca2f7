# Fed to "odoo-bin shell --db-filter=^<db>$" on a copy of a database with demo
# data: uninstall social_care_twitter alone and check that its tickets stay
# readable, its apps and accounts are archived and inert, and the Meta
# connector still works, through its webhook; then reinstall it and restore
# its account. Prints CONNECTOR UNINSTALL OK.
# ruff: noqa: F821 - "env" is given by odoo-bin shell
import hashlib
import hmac
import json
import logging
import pathlib

from werkzeug.test import Client

import odoo
from odoo.modules.module import get_module_path

FIXTURES = pathlib.Path(get_module_path("social_care")).parent / "tests" / "fixtures"


class Problems(logging.Handler):
    """Warnings and errors Odoo logs while the checks run: there must be none."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.records = []

    def emit(self, record):
        self.records.append(f"{record.name}: {record.getMessage()}")


def fixture(path):
    return json.loads((FIXTURES / path).read_text())


def run_crons():
    env["social.care.event"]._cron_process_events()
    env["social.care.account"]._cron_poll_accounts()
    env["social.care.message"]._cron_send_messages()
    env.cr.commit()


def ticket_of(account, external_id):
    message = env["social.care.message"].search(
        [("account_id", "=", account.id), ("external_id", "=", external_id)]
    )
    assert message.ticket_id, (external_id, message.read(["state"]))
    return message.ticket_id


def agent_reply(ticket, text):
    admin = env.ref("base.user_admin")
    ticket.with_user(admin).message_post(
        body=text, message_type="comment", subtype_xmlid="mail.mt_comment"
    )
    return env["social.care.message"].search(
        [("ticket_id", "=", ticket.id), ("direction", "=", "out")],
        order="id desc",
        limit=1,
    )


def view_fields(records, view_type):
    """The fields the default view of ``view_type`` shows (its arch renders)."""
    views = records.get_views([(False, view_type)])
    assert views["views"][view_type]["arch"]
    return views["models"][records._name]["fields"]


def opens_in_the_ui(ticket):
    """What the web client asks to open a ticket form and its social messages."""
    spec = {name: {} for name in view_fields(ticket, "form")}
    for name in ("social_account_id", "social_identity_id", "stage_id"):
        spec[name] = {"fields": {"display_name": {}}}
    [row] = ticket.web_read(spec)
    assert row["id"] == ticket.id
    messages = env["social.care.message"]
    rows = messages.web_search_read(
        [("ticket_id", "=", ticket.id)],
        {name: {} for name in view_fields(messages, "list")},
    )
    assert rows["length"] == len(ticket.social_message_ids), rows["length"]
    identity = ticket.social_identity_id
    identity.web_read({name: {} for name in view_fields(identity, "form")})
    return row


# -- Before: X traffic on the demo X account, a Meta account next to it ------
Module = env["ir.module.module"]
assert Module.search([("name", "=", "social_care_twitter")]).state == "installed"
x_app = env.ref("social_care_twitter.demo_app_x_simulator")
x_account = env.ref("social_care_twitter.demo_account_x_simulator")
meta_app = env.ref("social_care_meta.demo_app_meta_simulator")
meta_page = env.ref("social_care_meta.demo_account_facebook_simulator")

# An X Activity API mention (shape of tests/fixtures/x/xaa_post_mention.json)
# to the demo account, its media left out: nothing is fetched from X here.
mention = fixture("x/xaa_post_mention.json")
mention["data"]["filter"]["user_id"] = x_account.external_ref
post = mention["data"]["payload"]
post["entities"]["mentions"][0]["id"] = x_account.external_ref
post["text"] = "@SimSupport my order A-10488 has not arrived"
for key in ("attachments", "display_text_range"):
    post.pop(key)
post["entities"].pop("urls")
mention["data"]["includes"].pop("media")
x_app._social_store_deliveries(x_app._social_webhook_split(mention))
run_crons()
x_ticket = ticket_of(x_account, post["id"])
queued_x_reply = agent_reply(x_ticket, "We are looking into it.")
assert queued_x_reply.state in ("queued", "to_approve"), queued_x_reply.state
x_messages = x_ticket.social_message_ids
x_identity = x_ticket.social_identity_id
assert x_identity.provider == "twitter"
env.cr.commit()

# -- Uninstall the X connector alone ------------------------------------------
Module.search([("name", "=", "social_care_twitter")]).button_immediate_uninstall()
env.invalidate_all()
states = {m.name: m.state for m in Module.search([("name", "like", "social_care")])}
assert states == {
    "social_care": "installed",
    "social_care_meta": "installed",
    "social_care_twitter": "uninstalled",
}, states

# Records of the registry before the uninstall, browsed in the new one.
x_app, x_account, meta_app, meta_page, x_ticket, x_messages, x_identity = (
    env[records._name].browse(records.ids)
    for records in (
        x_app,
        x_account,
        meta_app,
        meta_page,
        x_ticket,
        x_messages,
        x_identity,
    )
)
queued_x_reply = env["social.care.message"].browse(queued_x_reply.id)
problems = Problems()
logging.getLogger().addHandler(problems)

# X tickets, messages and identities are kept, and open in the web client.
Ticket, Message = env["helpdesk.ticket"], env["social.care.message"]
assert x_ticket.exists() and x_messages.exists() == x_messages, "X history lost"
assert x_identity.exists() and x_identity.provider == "twitter"
assert set(x_messages.mapped("provider")) == {"twitter"}
row = opens_in_the_ui(x_ticket)
assert row["social_account_id"]["id"] == x_account.id, row["social_account_id"]

# X apps and accounts are archived, not deleted, and nothing runs for them.
assert x_app.exists() and not x_app.active and x_app.provider == "twitter"
assert x_account.exists() and not x_account.active
assert x_account.state == "disabled", x_account.state
run_crons()
assert queued_x_reply.state in ("queued", "to_approve"), queued_x_reply.state

# The Meta connector still works: a signed Page comment through the webhook
# (shape of tests/fixtures/meta/feed_comment_add.json) becomes a ticket.
comment = fixture("meta/feed_comment_add.json")
comment["entry"][0]["id"] = meta_page.external_ref
body = json.dumps(comment).encode()
signature = hmac.new(meta_app.sudo().client_secret.encode(), body, hashlib.sha256)
response = Client(odoo.http.root).post(
    f"/social_care/webhook/{meta_app.id}",
    data=body,
    headers={
        "Content-Type": "application/json",
        "X-Hub-Signature-256": "sha256=" + signature.hexdigest(),
    },
)
assert response.status_code == 200, (response.status_code, response.get_data())
assert json.loads(response.get_data())["new"] == 1, response.get_data()
env.cr.commit()  # a new snapshot: the webhook's request committed the event
run_crons()
meta_ticket = ticket_of(
    meta_page, comment["entry"][0]["changes"][0]["value"]["comment_id"]
)
meta_reply = agent_reply(meta_ticket, "Thanks, we are checking your order.")
assert meta_reply.state in ("queued", "to_approve"), meta_reply.state
opens_in_the_ui(meta_ticket)
env.cr.rollback()  # the reply stays unsent: no simulator answers here

logging.getLogger().removeHandler(problems)
assert not problems.records, problems.records

# Reinstalled, the connector finds its accounts: an administrator restores them.
Module.search([("name", "=", "social_care_twitter")]).button_immediate_install()
assert Module.search([("name", "=", "social_care_twitter")]).state == "installed"
assert "twitter" in env["social.care.app"]._fields["provider"].get_values(env)
x_app, x_account = (
    env[records._name].browse(records.ids) for records in (x_app, x_account)
)
x_app.action_unarchive()
x_account.action_unarchive()
x_account.with_user(env.ref("base.user_admin")).action_enable()
assert (x_account.provider, x_account.state) == ("twitter", "connected")
assert env["helpdesk.ticket"].browse(x_ticket.id).social_account_id == x_account
print("CONNECTOR UNINSTALL OK")
