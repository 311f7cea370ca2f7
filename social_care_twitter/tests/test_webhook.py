import base64
import json
from urllib.parse import urlencode

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
        # Connect is pressed in the admin's browser session: X's state is
        # bound to it (issue 11), as the callback below checks.
        self.authenticate("admin", "admin")
        started = self.make_jsonrpc_request(
            "/web/dataset/call_kw/social.care.account/action_twitter_connect",
            {
                "model": "social.care.account",
                "method": "action_twitter_connect",
                "args": [account.ids],
                "kwargs": {},
            },
        )
        state = account.twitter_oauth_state
        self.assertIn(f"state={state}", started["url"])
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


@tagged("post_install", "-at_install")
class TestCrcOracle(XSetupMixin, HttpCase):
    """Issue 11: X's CRC answer is the signature a POST of the token carries.

    The attacks are an outsider's: plain requests to the public route, knowing
    only the app id.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_x()
        cls.url = f"/social_care/webhook/{cls.app.id}"

    def events(self):
        return self.env["social.care.event"].search([("app_id", "=", self.app.id)])

    def crc_then_post(self, body):
        """GET ``body`` as crc_token, then POST it signed with the answer."""
        crc = self.url_open(f"{self.url}?{urlencode({'crc_token': body})}")
        signature = crc.json()["response_token"] if crc.status_code == 200 else ""
        post = self.url_open(
            self.url,
            data=body.encode(),
            headers={"Content-Type": "application/json", SIGNATURE_HEADER: signature},
        )
        return crc, post

    def test_crc_answer_cannot_sign_a_forged_dm(self):
        forged = json.dumps(fixture("aaa_direct_message"))
        crc, post = self.crc_then_post(forged)
        self.assertEqual((crc.status_code, post.status_code), (403, 403))
        self.assertNotIn("response_token", crc.text)
        self.assertFalse(self.events(), "the forged DM must not become an event")

    def test_token_shaped_bodies_are_never_accepted_as_signed(self):
        # A token X could send is answered, but that answer signs the token
        # itself: as a body it would be stored as unreadable (or read as JSON
        # 12345, true, null). Such bodies are refused whatever their signature.
        for body in ("12345", "true", "null", "QUJD", "abc=="):
            with self.subTest(body=body):
                crc, post = self.crc_then_post(body)
                self.assertEqual((crc.status_code, post.status_code), (200, 403))
        self.assertFalse(self.events())

    def test_a_token_shaped_as_x_sends_it_is_answered(self):
        # Shape of a real CRC GET (a public 2026 Vercel log of X's call):
        # crc_token is the base64 of a UUID, nonce the base64 of a time in ms.
        token = base64.b64encode(b"0b6f2f4e-3c1d-4e8a-9f57-2d6c8a1b4e90").decode()
        nonce = base64.b64encode(b"1788256800123").decode().rstrip("=")
        response = self.url_open(f"{self.url}?crc_token={token}&nonce={nonce}")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json(), crc_response(SECRET, token))

    def test_tokens_that_could_be_a_body_are_refused(self):
        for token in ('{"for_user_id": "1"}', "[1]", '"x"', "a b", "é", "x" * 257):
            with self.subTest(token=token):
                response = self.url_open(
                    f"{self.url}?{urlencode({'crc_token': token})}"
                )
                self.assertEqual(response.status_code, 403)
                self.assertNotIn("sha256=", response.text)

    def test_unknown_and_known_apps_refuse_alike(self):
        """No probe tells which app ids exist: same status, same answer."""
        missing = "/social_care/webhook/987654321"
        body = json.dumps(fixture("aaa_direct_message")).encode()
        probes = {
            "GET, no token": lambda url: self.url_open(url),
            "GET, body as token": lambda url: self.url_open(
                f"{url}?{urlencode({'crc_token': body})}"
            ),
            "POST, unsigned": lambda url: self.url_open(url, data=body),
            "POST, bad signature": lambda url: self.url_open(
                url, data=body, headers={SIGNATURE_HEADER: "sha256=AAAA"}
            ),
        }
        for name, probe in probes.items():
            with self.subTest(probe=name):
                known, unknown = probe(self.url), probe(missing)
                self.assertEqual(known.status_code, 403)
                self.assertEqual(
                    (unknown.status_code, unknown.text), (known.status_code, known.text)
                )
