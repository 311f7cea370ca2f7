"""Demo-like data for the README screenshots: never run it on a real database.

On a database with the three addons and demo data (e.g. the one ``scripts/run``
creates), run it in Odoo's shell, then serve that database and run shoot.py:

    odoo-bin shell --addons-path=... -d sc_shots < docs/screenshots/demo_data.py

It delivers social messages through the demo generic-provider app and, for the
two tickets on the screenshots, a Facebook Page account (a comment answered as
the administrator, the platform's answer simulated, and a Messenger
conversation where a photo went out and the next reply failed, waiting for a
Retry); it adds email, phone and web tickets, and spreads first responses over
three calendar months for the report.
"""

# ruff: noqa: F821  (``env`` is given by odoo-bin shell)
import io
import random
import time
from datetime import timedelta
from unittest.mock import patch

from PIL import Image, ImageDraw, ImageFont

from odoo import fields

from odoo.addons.social_care.models.social_care_message import SEND_MAX_ATTEMPTS
from odoo.addons.social_care.tools import (
    Author,
    SendResult,
    SocialMessage,
    generic,
)
from odoo.addons.social_care_meta.models.social_care_account import MetaSendError
from odoo.addons.social_care_meta.tools.meta_errors import classify_error

random.seed(18)
env = env(context=dict(env.context, social_care_no_commit=True, tz="Europe/Rome"))
admin = env.ref("base.user_admin")
admin.tz = "Europe/Rome"
# Notifications in Odoo: this database has no mail server to send them through.
admin.notification_type = "inbox"
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


# Sofia's and Giulia's conversations come through a Facebook Page account, so
# that the composer shows Meta's limits and Messenger's reply window. Nothing
# calls Meta: messages are ingested as the connector would after parsing, and
# the send is answered in place of the Graph API.
meta_app = env["social.care.app"].create(
    {
        "name": "Demo Meta app",
        "provider": "meta",
        "client_key": "demo",
        "client_secret": "demo-secret-not-for-production",
    }
)
page = env["social.care.account"].create(
    {
        "name": "Demo Community (Facebook Page)",
        "app_id": meta_app.id,
        "external_ref": "1044",
        "handle": "demo.community",
        "meta_surface": "facebook",
        "state": "connected",
        "poll_enabled": False,
        "team_id": team.id,
    }
)


def ingest(message):
    return env["social.care.message"]._social_ingest(page, [message])


def send_all(results):
    """Send the queue, each answer (id, link) or a Graph error in Meta's place."""
    answers = list(results)

    def fake_send(account, message):
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        external_id, permalink = answer
        return SendResult(external_id, permalink)

    with patch.object(type(page), "_social_send", fake_send):
        env["social.care.message"]._cron_send_messages()


def reply(ticket, text, attachments=None, **ctx):
    return (
        ticket.with_user(admin)
        .with_context(**ctx)
        .message_post(
            body=text,
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
            attachment_ids=attachments.ids if attachments else [],
        )
    )


def backdate(messages, ago):
    """Chatter messages dated as the conversation went, not as the script ran."""
    env.cr.execute(
        "UPDATE mail_message SET date = %s WHERE id IN %s",
        [now - ago, tuple(messages.ids)],
    )


def delivery_photo():
    """The courier's proof-of-delivery photo, drawn here (a PNG, 360x236)."""
    image = Image.new("RGB", (640, 420), (214, 206, 192))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 330, 640, 420), fill=(150, 142, 130))
    draw.rectangle((230, 60, 410, 330), fill=(92, 64, 45))
    draw.rectangle((245, 75, 395, 315), outline=(70, 48, 33), width=4)
    draw.ellipse((372, 190, 384, 202), fill=(210, 180, 90))
    draw.rectangle((425, 95, 470, 125), fill=(40, 40, 40))
    draw.text((432, 103), "14", fill=(230, 230, 230))
    draw.rectangle((120, 270, 230, 345), fill=(196, 150, 96))
    draw.line((175, 270, 175, 345), fill=(230, 220, 190), width=6)
    draw.rectangle((0, 0, 640, 36), fill=(0, 0, 0))
    try:
        font = ImageFont.truetype("DejaVuSans.ttf", 18)
    except OSError:
        font = ImageFont.load_default()
    draw.text((12, 8), "Proof of delivery · SC-2317 · 14:32 · Via Verdi 14", font=font)
    out = io.BytesIO()
    image = image.resize((360, 236), Image.LANCZOS)
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


sofia = Author(
    external_id="fb-501",
    name="Sofia Esposito",
    handle="sofia.esposito",
    profile_url="https://www.facebook.com/sofia.esposito",
)
post = "https://www.facebook.com/demo.community/posts/1044?comment_id="
ingest(
    SocialMessage(
        account_ref="1044",
        external_id="fb-7781",
        channel="facebook_comment",
        thread_key="fb:comment:7781",
        text="Hi! I ordered the blue running shoes (order SC-2291) ten days ago and "
        "the tracking hasn't moved since Monday. Can you help?",
        author=sofia,
        created_at=now - timedelta(hours=3, minutes=12),
        permalink=post + "7781",
    )
)
ticket = env["social.care.message"].search([("external_id", "=", "fb-7781")]).ticket_id
backdate(ticket.message_ids, timedelta(hours=3, minutes=12))
sofia_reply = reply(
    ticket,
    "Hi Sofia, sorry for the wait! We are checking with the courier and will "
    "update you here within the hour.",
)
send_all([("fb-7790", post + "7790")])
backdate(sofia_reply, timedelta(hours=2, minutes=49))
ingest(
    SocialMessage(
        account_ref="1044",
        external_id="fb-7795",
        channel="facebook_comment",
        thread_key="fb:comment:7781",
        text="Thank you! They are a birthday present for Saturday, so fingers "
        "crossed 🙏",
        author=sofia,
        parent_external_id="fb-7781",
        created_at=now - timedelta(minutes=41),
        permalink=post + "7795",
    )
)
backdate(
    env["social.care.message"]
    .search([("external_id", "=", "fb-7795")])
    .mail_message_id,
    timedelta(minutes=41),
)
ingest(
    SocialMessage(
        account_ref="1044",
        external_id="mid.7001",
        channel="messenger",
        thread_key="messenger:psid-7001",
        kind="dm",
        text="Hi, the parcel for order SC-2317 says delivered but it is not "
        "here. Can you check?",
        author=Author(external_id="psid-7001", name="Giulia Russo"),
        created_at=now - timedelta(hours=3, minutes=17),
    )
)
messenger_ticket = (
    env["social.care.message"].search([("external_id", "=", "mid.7001")]).ticket_id
)
backdate(messenger_ticket.message_ids, timedelta(hours=3, minutes=17))
# On Messenger: a photo that went out, then a reply that failed and waits for
# a Retry. Both go through message_post and the send queue as an agent's
# would; the answers are Meta's, given in its place.
photo = (
    env["ir.attachment"]
    .with_user(admin)
    .create(
        {
            "name": "proof-of-delivery-SC-2317.png",
            "raw": delivery_photo(),
            "mimetype": "image/png",
            "res_model": "mail.compose.message",
            "res_id": 0,
        }
    )
)
sent_photo = reply(
    messenger_ticket,
    "Hi Giulia, the courier left it at 14:32 and sent us this photo. Is it "
    "your door?",
    photo,
)
send_all([("m_7002", "")])
ingest(
    SocialMessage(
        account_ref="1044",
        external_id="mid.7003",
        channel="messenger",
        thread_key="messenger:psid-7001",
        kind="dm",
        text="No, that is not my building! I live at number 41 😟",
        author=Author(external_id="psid-7001", name="Giulia Russo"),
        created_at=now - timedelta(hours=2, minutes=31),
    )
)
answer = env["social.care.message"].search([("external_id", "=", "mid.7003")])
failed = reply(
    messenger_ticket,
    "Sorry about that! I have opened a claim with the courier and a new pair "
    "is on its way: it will be at number 41 by Friday.",
)
# The last of its attempts: Facebook answered with a server error each time.
env["social.care.message"].search([("mail_message_id", "=", failed.id)]).attempts = (
    SEND_MAX_ATTEMPTS - 1
)
send_all([MetaSendError(classify_error(503, {}, {}, time.time()))])
backdate(sent_photo, timedelta(hours=2, minutes=58))
backdate(answer.mail_message_id, timedelta(hours=2, minutes=31))
backdate(failed, timedelta(minutes=24))
# The two tickets were opened by the customers' first messages.
for opened, ago in ((ticket, 192), (messenger_ticket, 197)):
    env.cr.execute(
        "UPDATE helpdesk_ticket SET create_date = %s WHERE id = %s",
        [now - timedelta(minutes=ago), opened.id],
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
    | messenger_ticket
    | env["social.care.message"]
    .search([("external_id", "in", ["m-300", "m-301", "m-302"])])
    .ticket_id
)
# Three calendar months, this one included: the report's columns fit a screen.
two_months_ago = (now.replace(day=1) - timedelta(days=32)).replace(day=1)
span = (now - two_months_ago).days - 1
for t in tickets - keep_open:
    if t.channel_id.name in ("X (Twitter)", "Facebook", "Messenger", "Instagram"):
        days = random.randint(0, 20)
    else:
        days = random.randint(0, span)
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
print("TICKET", ticket.id, "MESSENGER", messenger_ticket.id)
env.cr.commit()
print("ENRICHED OK")
