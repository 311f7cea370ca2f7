import json

from odoo.tests import HttpCase, tagged

from ..tools import crc_response, sign
from ..tools.x_webhook import SIGNATURE_HEADER
from .common import (
    ACME,
    JANE,
    MARCO,
    SECRET,
    FakeX,
    XSetupMixin,
    fake_x,
    fixture,
    xaa_post,
)


@tagged("post_install", "-at_install")
class TestWebhook(XSetupMixin, HttpCase):
    """Signed deliveries through the real route, then the inbox cron."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_x()
        cls.url = f"/social_care/webhook/{cls.app.id}"

    def post(self, body, secret=SECRET, signature=None):
        raw = json.dumps(body).encode()
        headers = {"Content-Type": "application/json"}
        if signature is not False:
            headers[SIGNATURE_HEADER] = signature or sign(secret, raw)
        return self.url_open(self.url, data=raw, headers=headers)

    def events(self):
        return self.env["social.care.event"].search(
            [("app_id", "=", self.app.id)], order="id"
        )

    def ticket(self, thread_key):
        return self.env["helpdesk.ticket"].search(
            [
                ("social_account_id", "=", self.account.id),
                ("social_thread_key", "=", thread_key),
            ]
        )

    def test_crc_challenge(self):
        response = self.url_open(f"{self.url}?crc_token=challenge-123")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.headers["Content-Type"], "application/json")
        self.assertEqual(response.json(), crc_response(SECRET, "challenge-123"))
        self.assertEqual(self.url_open(self.url).status_code, 403)
        self.app.client_secret = False
        response = self.url_open(f"{self.url}?crc_token=challenge-123")
        self.assertEqual(response.status_code, 403)

    def test_bad_signatures_are_refused_and_nothing_is_stored(self):
        body = fixture("xaa_post_mention")
        self.assertEqual(self.post(body, secret="other").status_code, 403)
        self.assertEqual(self.post(body, signature=False).status_code, 403)
        self.assertEqual(self.post(body, signature="sha256=AAAA").status_code, 403)
        self.assertFalse(self.events())

    def test_every_event_type(self):
        names = [
            "aaa_tweet_create_mention",
            "aaa_tweet_create_batch",
            "aaa_direct_message",
            "aaa_direct_message_own",
            "xaa_post_mention",
            "xaa_post_quote",
            "xaa_post_reply",
            "xaa_dm_received",
            "xaa_unknown",
            "aaa_tweet_delete",
        ]
        for name in names:
            response = self.post(fixture(name))
            self.assertEqual(response.status_code, 200, name)
        # A redelivery is dropped by the inbox.
        self.assertEqual(self.post(fixture("xaa_post_mention")).json()["new"], 0)
        x = self.process()
        events = self.events()
        self.assertFalse(events.filtered(lambda e: e.state in ("pending", "error")))
        unknown = events.filtered(lambda e: e.event_type == "xaa.follow.follow")
        self.assertEqual(unknown.state, "ignored")
        self.assertIn("not handled", unknown.error)
        # AAA mention, then deleted by its author.
        mention = self.message("2095000000000000001")
        self.assertEqual(mention.kind, "mention")
        self.assertTrue(mention.is_deleted)
        self.assertEqual(mention.identity_id.external_id, JANE)
        # AAA batch: Jane's reply is ticketed, our own reply is not a customer's.
        # (issue 12: a reply under the account's post is Jane's own thread)
        self.assertTrue(self.ticket(f"x:conv:2095000000000000010:{JANE}"))
        own = self.message("2095000000000000012")
        self.assertTrue(own.from_account)
        self.assertEqual(own.direction, "out")
        # DMs, AAA and XAA; the account's own DM makes no ticket of its own.
        self.assertTrue(self.ticket(f"x:dm:{MARCO}-{ACME}").social_is_private)
        self.assertTrue(self.ticket(f"x:dm:{ACME}-{JANE}"))
        self.assertTrue(self.message("2095000000000000105").from_account)
        # XAA mention (Chinese), quote and reply.
        li_wei = self.message("2095000000000000201")
        self.assertIn("A-10488", li_wei.text)
        self.assertEqual(li_wei.ticket_id.social_identity_id.handle, "li_wei_sh")
        self.assertEqual(self.message("2095000000000000302").kind, "quote")
        self.assertEqual(self.message("2095000000000000301").kind, "reply")
        self.assertTrue(self.ticket(f"x:conv:2095000000000000300:{JANE}"))
        # Media: public from pbs.twimg.com, DM media signed with the token.
        hosts = {call.host for call in x.media_calls}
        self.assertEqual(hosts, {"pbs.twimg.com", "ton.twitter.com"})
        ton = [c for c in x.media_calls if c.host == "ton.twitter.com"]
        self.assertEqual(ton[0].headers["Authorization"], "Bearer access-1")
        # One contact for Jane, whatever the channel.
        jane = self.env["social.care.identity"].search([("external_id", "=", JANE)])
        self.assertEqual(len(jane), 1)
        self.assertTrue(jane.partner_id)

    def test_revocation_puts_the_account_in_error(self):
        for name in ("aaa_user_revoke", "xaa_oauth_revoke"):
            self.account.write({"state": "connected", "last_error": False})
            self.assertEqual(self.post(fixture(name)).status_code, 200)
            self.process()
            self.assertEqual(self.account.state, "error", name)
            self.assertIn("revoked", self.account.last_error)

    def test_done_when_mention_reply_and_dm_make_two_tickets_for_one_contact(self):
        mention_id, reply_id = "2095000000000000700", "2095000000000000701"
        self.post(
            xaa_post(
                mention_id,
                "@AcmeSupport my X2 will not charge",
                created_at="2026-09-02T09:00:00.000Z",
            )
        )
        self.post(
            xaa_post(
                reply_id,
                "@AcmeSupport I also tried another cable, same thing",
                conversation=mention_id,
                parent=mention_id,
                created_at="2026-09-02T09:05:00.000Z",
            )
        )
        self.post(fixture("xaa_dm_received"))
        self.process()
        public = self.ticket(f"x:conv:{mention_id}")
        private = self.ticket(f"x:dm:{ACME}-{JANE}")
        self.assertEqual(len(public), 1)
        self.assertEqual(len(private), 1)
        self.assertEqual(len(public.social_message_ids), 2)
        self.assertEqual(public.partner_id, private.partner_id)
        self.assertTrue(public.partner_id)
        self.assertEqual(
            self.env["helpdesk.ticket"].search_count(
                [("partner_id", "=", public.partner_id.id)]
            ),
            2,
        )
        public_reply = self.reply(public, "Sorry Jane! Which charger do you use?")
        dm_reply = self.reply(private, "Thanks, we ship a new cable today.", True)
        self.assertEqual(public_reply.parent_id.external_id, reply_id)
        with fake_x() as x:
            x.on(
                "POST",
                "/2/tweets",
                {"data": {"id": "2095000000000000800", "text": "Sorry Jane!"}},
                status=201,
            )
            x.on(
                "POST",
                f"/2/dm_conversations/with/{JANE}/messages",
                {
                    "data": {
                        "dm_conversation_id": f"{ACME}-{JANE}",
                        "dm_event_id": "2095000000000000801",
                    }
                },
                status=201,
            )
            self.send_queued(x)
        tweet, dm = x.calls
        self.assertEqual(
            tweet.json,
            {
                "text": "Sorry Jane! Which charger do you use?",
                "reply": {"in_reply_to_tweet_id": reply_id},
            },
        )
        self.assertEqual(dm.json, {"text": "Thanks, we ship a new cable today."})
        self.assertEqual(
            (public_reply.state, public_reply.external_id),
            ("sent", "2095000000000000800"),
        )
        self.assertEqual(
            public_reply.permalink,
            "https://x.com/AcmeSupport/status/2095000000000000800",
        )
        self.assertEqual(
            (dm_reply.state, dm_reply.external_id), ("sent", "2095000000000000801")
        )
        # X's echo of our DM is recognised, not a new customer message.
        echo = fixture("aaa_direct_message_own")
        event = echo["direct_message_events"][0]
        event["id"] = "2095000000000000801"
        event["message_create"]["target"]["recipient_id"] = JANE
        self.post(echo)
        self.process()
        self.assertEqual(len(self.message("2095000000000000801")), 1)
        self.assertEqual(len(private.social_message_ids), 2)


@tagged("post_install", "-at_install")
class TestOAuthCallback(XSetupMixin, HttpCase):
    """X sends the admin back to the real callback route."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_x()

    def test_callback_connects_the_account(self):
        account = self.env["social.care.account"].create(
            {"name": "New X account", "app_id": self.app.id}
        )
        account.action_twitter_connect()
        state = account.twitter_oauth_state
        self.authenticate("admin", "admin")
        route = "/social_care_twitter/oauth/callback"
        unknown = self.url_open(f"{route}?state=forged&code=c", allow_redirects=False)
        self.assertEqual(unknown.status_code, 400)
        x = FakeX()
        x.on("POST", "/2/oauth2/token", {"expires_in": 7200, "access_token": "a2"})
        x.on("GET", "/2/users/me", {"data": {"id": "42", "username": "NewBrand"}})
        with fake_x(x):
            response = self.url_open(
                f"{route}?state={state}&code=the-code", allow_redirects=False
            )
        self.assertEqual(response.status_code, 303)
        self.assertTrue(
            response.headers["Location"].endswith(
                f"/odoo/social.care.account/{account.id}"
            )
        )
        self.assertEqual((account.state, account.handle), ("connected", "NewBrand"))
