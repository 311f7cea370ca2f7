"""Demo-like data for the README screenshots: never run it on a real database.

On a database with the three addons and demo data (e.g. the one ``scripts/run``
creates), run it in Odoo's shell, then serve that database and run shoot.py:

    odoo-bin shell --addons-path=... -d sc_shots < docs/screenshots/demo_data.py

It delivers social messages through the demo generic-provider app, answers one
as the administrator (the platform's answer is simulated), adds email, phone
and web tickets, and spreads first responses over three months for the report.
"""

# ruff: noqa: F821  (``env`` is given by odoo-bin shell)
import json
import random
from datetime import timedelta
from unittest.mock import patch

import requests

from odoo import fields

from odoo.addons.social_care.tools import generic

random.seed(18)
env = env(context=dict(env.context, social_care_no_commit=True, tz="Europe/Rome"))
admin = env.ref("base.user_admin")
admin.tz = "Europe/Rome"
app = env.ref("social_care.demo_app_generic")
account = env.ref("social_care.demo_account_generic")
account.generic_outbound_url = "https://middleware.example.com/social-care/outbound"
team = env["helpdesk.ticket.team"].search([("name", "=", "Helpdesk")], limit=1)
account.team_id = team
now = fields.Datetime.now()


def iso(delta):
    return (now - delta).strftime("%Y-%m-%dT%H:%M:%SZ")


def deliver(*items):
    app._social_store_deliveries(generic.split_delivery({"messages": list(items)}))
    env["social.care.event"]._cron_process_events()


def msg(id_, channel, thread, text, author, ago, **extra):
    item = {
        "account": "demo-community",
        "id": id_,
        "channel": channel,
        "thread": thread,
        "text": text,
        "author": author,
        "created_at": iso(ago),
    }
    item.update(extra)
    return item


class Resp:
    def __init__(self, data):
        self.status_code = 200
        self._data = data
        self.headers = {}
        self.text = json.dumps(data)

    def json(self):
        return self._data


def send_all(permalinks):
    answers = list(permalinks)

    def fake_post(url, data=None, headers=None, timeout=None):
        ext, link = answers.pop(0)
        return Resp({"id": ext, "permalink": link})

    with patch.object(requests, "post", side_effect=fake_post):
        env["social.care.message"]._cron_send_messages()


def reply(ticket, text, **ctx):
    ticket.with_user(admin).with_context(**ctx).message_post(
        body=text, message_type="comment", subtype_xmlid="mail.mt_comment"
    )


sofia = {
    "id": "fb-501",
    "name": "Sofia Esposito",
    "handle": "sofia.esposito",
    "profile_url": "https://www.facebook.com/sofia.esposito",
}
deliver(
    msg(
        "fb-7781",
        "facebook_comment",
        "fb:comment:7781",
        "Hi! I ordered the blue running shoes (order SC-2291) ten days ago and "
        "the tracking hasn't moved since Monday. Can you help?",
        sofia,
        timedelta(hours=3, minutes=12),
        permalink="https://www.facebook.com/demo.community/posts/1044?comment_id=7781",
    )
)
ticket = env["social.care.message"].search([("external_id", "=", "fb-7781")]).ticket_id
reply(
    ticket,
    "Hi Sofia, sorry for the wait! We are checking with the courier and will "
    "update you here within the hour.",
)
send_all(
    [("fb-7790", "https://www.facebook.com/demo.community/posts/1044?comment_id=7790")]
)
deliver(
    msg(
        "fb-7795",
        "facebook_comment",
        "fb:comment:7781",
        "Thank you! They are a birthday present for Saturday, so fingers crossed 🙏",
        sofia,
        timedelta(minutes=41),
        parent_id="fb-7781",
        permalink="https://www.facebook.com/demo.community/posts/1044?comment_id=7795",
    )
)

people = [
    ("Luca Ferri", "lucaferri"),
    ("Chiara Romano", "chiara.romano"),
    ("Davide Greco", "dgreco"),
    ("Elena Marino", "elena_marino"),
    ("Paolo Conti", "pconti"),
    ("Anna Ricci", "annaricci"),
    ("Matteo Gallo", "matteo.gallo"),
    ("Sara Bruno", "sarabruno"),
]
texts = [
    (
        "x_public",
        "@demo_community my refund for order SC-2210 still hasn't arrived, "
        "it's been two weeks",
    ),
    ("instagram_comment", "Do you have these in size 38? 😍"),
    ("messenger", "Hello, can I change the delivery address of order SC-2301?"),
    ("x_dm", "Hi, I was charged twice for my last order, can you check?"),
    ("instagram_dm", "Is the shop in Via Roma open on Sunday?"),
    ("facebook_comment", "Great service, the replacement arrived in two days!"),
    ("x_public", "@demo_community is the summer sale also online?"),
    ("instagram_comment", "The zip broke after a week 😞"),
]
for i, ((name, handle), (channel, text)) in enumerate(zip(people, texts, strict=False)):
    author = {"id": f"u-{200 + i}", "name": name, "handle": handle}
    deliver(
        msg(
            f"m-{300 + i}",
            channel,
            f"demo:{channel}:{i}",
            text,
            author,
            timedelta(hours=random.randint(1, 30)),
        )
    )

# Email, phone and web tickets next to the social ones.
channels = {c.name: c for c in env["helpdesk.ticket.channel"].search([])}
for ticket_, chan in zip(
    env["helpdesk.ticket"].search([("channel_id", "=", False)]),
    ["Email", "Email", "Phone", "Web"],
    strict=False,
):
    ticket_.channel_id = channels[chan]
partner = env.ref("base.res_partner_2")
subjects = [
    "Invoice address is wrong",
    "Return label not received",
    "Warranty question",
    "Order not delivered",
    "Wrong colour shipped",
    "Cannot log in to my account",
    "Discount code not working",
    "Missing item in parcel",
]
for i, subject in enumerate(subjects):
    env["helpdesk.ticket"].create(
        {
            "name": subject,
            "description": f"<p>{subject}.</p>",
            "partner_id": partner.id,
            "team_id": team.id,
            "channel_id": channels[["Email", "Phone", "Web", "Email"][i % 4]].id,
        }
    )
env.flush_all()

# Spread the tickets over three months and give them first responses.
typical = {
    "Email": (2, 12),
    "Phone": (0.2, 1.5),
    "Web": (3, 20),
    "Other": (4, 24),
    "X (Twitter)": (0.2, 2),
    "Facebook": (0.3, 2.5),
    "Messenger": (0.1, 1),
    "Instagram": (0.3, 3),
}
tickets = env["helpdesk.ticket"].search([])
keep_open = (
    ticket
    | env["social.care.message"]
    .search([("external_id", "in", ["m-300", "m-301", "m-302"])])
    .ticket_id
)
for t in tickets - keep_open:
    if t.channel_id.name in ("X (Twitter)", "Facebook", "Messenger", "Instagram"):
        days = random.randint(0, 20)
    else:
        days = random.randint(0, 85)
    env.cr.execute(
        "UPDATE helpdesk_ticket SET create_date = %s WHERE id = %s",
        [now - timedelta(days=days, hours=random.randint(1, 20)), t.id],
    )
env.invalidate_all()
closed_stage = env["helpdesk.ticket.stage"].search([("closed", "=", True)], limit=1)
for t in tickets - keep_open:
    low, high = typical.get(t.channel_id.name, (1, 10))
    answered = t.create_date + timedelta(hours=random.uniform(low, high))
    t.first_response_at = min(answered, now)
    if random.random() < 0.6:
        t.stage_id = closed_stage
        t.closed_date = min(answered + timedelta(hours=random.uniform(2, 48)), now)
env.flush_all()
# Tickets the inbox made for the shell's superuser: nobody's, not OdooBot's.
root = env.ref("base.user_root")
quiet = env["helpdesk.ticket"].with_context(tracking_disable=True)
for t in quiet.search([("social_account_id", "!=", False)]):
    t.message_unsubscribe(partner_ids=root.partner_id.ids)
    if t.user_id == root:
        t.user_id = admin if t.first_response_at else False
quiet.search([("user_id", "=", root.id)]).user_id = False
env.flush_all()
print("TICKET", ticket.id)
env.cr.commit()
print("ENRICHED OK")
