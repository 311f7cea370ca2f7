import base64
import hashlib
import time
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlparse

import requests
from urllib3.exceptions import MaxRetryError, NewConnectionError

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.social_care.tools import ParsedDelivery

from ..models.social_care_account import SCOPES
from .common import ACME, JANE, FakeX, XCase, fake_x, fixture, xaa_post

TWEETS = "/2/tweets"
TOKEN = "/2/oauth2/token"
DM_TO_JANE = f"/2/dm_conversations/with/{JANE}/messages"
POSTED = {"data": {"id": "2095000000000000900", "text": "..."}}


@tagged("post_install", "-at_install")
class TestOutbound(XCase):
    def setUp(self):
        super().setUp()
        self.store(xaa_post("2095000000000000700", "@AcmeSupport my X2 is dead"))
        self.process()
        self.ticket = self.message("2095000000000000700").ticket_id

    def test_public_reply_is_a_reply_post(self):
        message = self.reply(self.ticket, "Sorry to hear that! Is it charging?")
        self.assertEqual(message.state, "queued")
        x = self.send_queued(FakeX().on("POST", TWEETS, POSTED, status=201))
        self.assertEqual(len(x.calls), 1)
        call = x.calls[0]
        self.assertEqual(
            (call.method, call.host, call.path), ("POST", "api.twitter.com", TWEETS)
        )
        self.assertEqual(call.headers["Authorization"], "Bearer access-1")
        self.assertEqual(
            call.json,
            {
                "text": "Sorry to hear that! Is it charging?",
                "reply": {"in_reply_to_tweet_id": "2095000000000000700"},
            },
        )
        self.assertEqual(message.state, "sent")
        self.assertEqual(message.external_id, "2095000000000000900")
        usage = self.account.twitter_usage_ids.filtered(
            lambda u: u.endpoint == "POST /2/tweets"
        )
        self.assertEqual(usage.count, 1)

    def test_expired_token_is_refreshed_and_both_tokens_stored(self):
        self.account.token_expires_at = fields.Datetime.now() - timedelta(minutes=1)
        message = self.reply(self.ticket, "On it!")
        x = FakeX()
        x.on(
            "POST",
            TOKEN,
            {
                "token_type": "bearer",
                "expires_in": 7200,
                "access_token": "access-2",
                "refresh_token": "refresh-2",
                "scope": "tweet.read tweet.write users.read dm.read dm.write "
                "offline.access",
            },
        )
        x.on("POST", TWEETS, POSTED, status=201)
        self.send_queued(x)
        refresh, tweet = x.calls
        self.assertEqual(refresh.host, "api.x.com")
        self.assertEqual(
            refresh.form,
            {
                "grant_type": "refresh_token",
                "refresh_token": "refresh-1",
                "client_id": "client-id",
            },
        )
        basic = base64.b64encode(b"client-id:client-secret").decode()
        self.assertEqual(refresh.headers["Authorization"], f"Basic {basic}")
        self.assertEqual(tweet.headers["Authorization"], "Bearer access-2")
        self.assertEqual(message.state, "sent")
        self.assertEqual(
            (self.account.access_token, self.account.refresh_token),
            ("access-2", "refresh-2"),
        )
        self.assertGreater(
            self.account.token_expires_at, fields.Datetime.now() + timedelta(hours=1)
        )

    def test_dead_refresh_token_puts_the_account_in_error(self):
        self.account.token_expires_at = fields.Datetime.now() - timedelta(minutes=1)
        message = self.reply(self.ticket, "On it!")
        x = FakeX().on(
            "POST",
            TOKEN,
            {
                "error": "invalid_request",
                "error_description": "Value passed for " "the token was invalid.",
            },
            status=400,
        )
        self.send_queued(x)
        self.assertEqual(message.state, "queued", "it waits for the reconnection")
        self.assertEqual(self.account.state, "error")
        self.assertIn("connect the account again", self.account.last_error)

    def test_rate_limit_queues_the_reply_until_the_reset(self):
        message = self.reply(self.ticket, "On it!")
        reset = int(time.time()) + 1200
        x = FakeX().on(
            "POST",
            TWEETS,
            {"title": "Too Many Requests", "detail": "Too Many Requests"},
            status=429,
            headers={"x-rate-limit-reset": str(reset)},
        )
        self.send_queued(x)
        self.assertEqual(message.state, "queued")
        expected = datetime.utcfromtimestamp(reset)
        self.assertLess(abs((message.next_attempt_at - expected).total_seconds()), 2)
        self.assertIn("rate limit", message.error)

    def test_unauthorized_puts_the_account_in_error(self):
        message = self.reply(self.ticket, "On it!")
        x = FakeX().on(
            "POST", TWEETS, {"title": "Unauthorized", "status": 401}, status=401
        )
        self.send_queued(x)
        self.assertEqual(message.state, "queued")
        self.assertEqual(self.account.state, "error")
        self.assertIn("reconnect", message.error)
        self.assertIn("reconnect", self.account.last_error)
        self.send_queued(FakeX())  # no call while the account is in error
        # The admin reconnects: the reply goes out, once.
        self.account.write({"state": "connected", "access_token": "access-2"})
        x = self.send_queued(FakeX().on("POST", TWEETS, POSTED, status=201))
        self.assertEqual(len(x.calls), 1)
        self.assertEqual(x.calls[0].headers["Authorization"], "Bearer access-2")
        self.assertEqual(message.state, "sent")

    def test_read_timeout_on_a_post_is_never_retried_blindly(self):
        message = self.reply(self.ticket, "On it!")
        x = self.send_queued(
            FakeX().on("POST", TWEETS, requests.ReadTimeout("read timed out"))
        )
        self.assertEqual(len(x.calls), 1)
        self.assertEqual(message.state, "failed")
        self.assertIn("X received the request but did not answer", message.error)
        self.assertRegex(
            message.error, r"check https://x.com/\w+/status/2095000000000000700 before"
        )
        self.send_queued(FakeX())  # not retried
        self.assertEqual(self.account.state, "connected")

    def test_connection_refused_is_retried(self):
        refused = requests.ConnectionError(
            MaxRetryError(None, TWEETS, NewConnectionError(None, "refused"))
        )
        message = self.reply(self.ticket, "On it!")
        self.send_queued(FakeX().on("POST", TWEETS, refused))
        self.assertEqual(message.state, "queued")
        self.assertIn("tried again", message.error)
        message.next_attempt_at = False
        x = self.send_queued(FakeX().on("POST", TWEETS, POSTED, status=201))
        self.assertEqual((len(x.calls), message.state), (1, "sent"))

    def test_not_summoned_is_failed_with_a_readable_reason(self):
        message = self.reply(self.ticket, "On it!")
        x = FakeX().on(
            "POST",
            TWEETS,
            {
                "title": "Forbidden",
                "detail": "Reply to this conversation is not allowed because you "
                "have not been mentioned or otherwise engaged by the author of "
                "the post you are replying to.",
                "type": "about:blank",
                "status": 403,
            },
            status=403,
        )
        self.send_queued(x)
        self.assertEqual(message.state, "failed")
        self.assertIn("mention or quote the account", message.error)
        self.assertIn("direct message", message.error)
        self.assertEqual(self.account.state, "connected")

    def test_duplicate_and_deleted_parent_are_permanent(self):
        for detail, words in (
            ("You are not allowed to create a Tweet with duplicate content.", "twice"),
            ("The Tweet you are replying to has been deleted.", "no longer exists"),
        ):
            message = self.reply(self.ticket, f"Reply for {words}")
            x = FakeX().on(
                "POST", TWEETS, {"title": "Forbidden", "detail": detail}, status=403
            )
            self.send_queued(x)
            self.assertEqual(message.state, "failed")
            self.assertIn(words, message.error)

    def test_direct_message_goes_to_the_customer(self):
        message = self.reply(self.ticket, "Could you DM us your order number?", True)
        self.assertEqual(message.channel, "x_dm")
        x = FakeX().on(
            "POST",
            DM_TO_JANE,
            {
                "data": {
                    "dm_conversation_id": f"{ACME}-{JANE}",
                    "dm_event_id": "2095000000000000901",
                }
            },
            status=201,
        )
        self.send_queued(x)
        self.assertEqual(
            x.calls[0].json, {"text": "Could you DM us your order number?"}
        )
        self.assertEqual(
            (message.state, message.external_id), ("sent", "2095000000000000901")
        )

    def test_oauth1_accounts_sign_with_the_consumer_keys(self):
        self.account.write(
            {
                "twitter_auth_mode": "oauth1",
                "access_token": "user-token",
                "token_secret": "user-secret",
                "token_expires_at": False,
            }
        )
        self.reply(self.ticket, "On it!")
        x = self.send_queued(FakeX().on("POST", TWEETS, POSTED, status=201))
        authorization = x.calls[0].headers["Authorization"]
        authorization = (
            authorization.decode()
            if isinstance(authorization, bytes)
            else authorization
        )
        self.assertTrue(authorization.startswith("OAuth "))
        self.assertIn('oauth_consumer_key="consumer-key"', authorization)
        self.assertIn('oauth_token="user-token"', authorization)

    def test_composer_refuses_what_x_would_refuse(self):
        limits = self.account._social_reply_limits(self.ticket, False)
        self.assertEqual(limits["max_length"], 280)
        self.assertTrue(limits["public_allowed"])
        # The composer counts as X does: weighted in public, characters in DMs.
        self.assertEqual(self.ticket.social_reply_length_unit, "weighted")
        self.assertEqual(
            self.account._social_reply_limits(self.ticket, True)["length_unit"],
            "characters",
        )
        self.assertEqual(self.account._social_text_length("こんにちは"), 10)
        count = len(self.ticket.message_ids)
        with self.assertRaisesRegex(UserError, "290 characters"):
            self.reply(self.ticket, "a" * 290)
        self.assertEqual(len(self.ticket.message_ids), count)
        # A link counts 23 whatever its length.
        self.reply(self.ticket, "x" * 250 + " https://example.com/" + "y" * 100)

    def test_characters_x_refuses_are_refused_before_queueing(self):
        """twitter-text's invalid characters (conformance/validate.yml): X refuses
        the post, so the reply is neither posted nor queued."""
        count = len(self.ticket.message_ids)
        outgoing = self.env["social.care.message"].search_count(
            [("direction", "=", "out")]
        )
        for char in ("\ufeff", "\ufffe", "\uffff"):
            with self.assertRaisesRegex(UserError, "invisible character X refuses"):
                self.reply(self.ticket, f"Thanks{char}, we are on it")
        self.assertEqual(len(self.ticket.message_ids), count)
        self.assertEqual(
            self.env["social.care.message"].search_count([("direction", "=", "out")]),
            outgoing,
        )
        # A name without a known TLD counts in full: "node.js" is 7, not 23.
        self.reply(self.ticket, "x" * 272 + " node.js")

    def test_public_reply_only_when_summoned(self):
        page = fixture("poll_mentions_page2")
        post = dict(
            page["data"][0],
            text="acme phones keep crashing, ugh",
            edit_history_tweet_ids=["2095000000000000490"],
        )
        del post["note_tweet"]
        page["data"] = [post]
        self.app._social_store_deliveries(
            [ParsedDelivery(ACME, "poll:search:1:490", "poll.search", page)]
        )
        self.process()
        event = self.env["social.care.event"].search(
            [("delivery_key", "=", "poll:search:1:490")]
        )
        self.assertEqual(event.state, "done", event.error)
        ticket = self.message("2095000000000000490").ticket_id
        self.assertFalse(
            self.account._social_reply_limits(ticket, False)["public_allowed"]
        )
        with self.assertRaisesRegex(UserError, "mention or quote the account"):
            self.reply(ticket, "Sorry! How can we help?")
        self.assertEqual(
            self.reply(ticket, "Sorry! How can we help?", True).state, "queued"
        )
        self.app.twitter_plan = "enterprise"
        self.assertTrue(
            self.account._social_reply_limits(ticket, False)["public_allowed"]
        )


@tagged("post_install", "-at_install")
class TestConnect(XCase):
    def test_test_connection_says_who_we_are(self):
        x = FakeX().on(
            "GET",
            "/2/users/me",
            {"data": {"id": ACME, "name": "Acme Support", "username": "AcmeSupport"}},
        )
        with fake_x(x):
            action = self.account.action_test_connection()
        self.assertEqual(action["params"]["message"], "Connected as @AcmeSupport.")
        self.assertEqual(self.account.state, "connected")

    def test_test_connection_shows_the_exact_error(self):
        x = FakeX().on("GET", "/2/users/me", {"title": "Unauthorized"}, status=401)
        with fake_x(x):
            action = self.account.action_test_connection()
        self.assertIn("reconnect", action["params"]["message"])
        self.assertEqual(self.account.state, "error")

    def test_oauth2_pkce_connect(self):
        account = self.env["social.care.account"].create(
            {"name": "New X account", "app_id": self.app.id, "twitter_backfill_days": 2}
        )
        action = account.action_twitter_connect()
        url = urlparse(action["url"])
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        self.assertEqual((url.netloc, url.path), ("x.com", "/i/oauth2/authorize"))
        self.assertEqual(query["scope"], SCOPES)
        self.assertEqual(query["code_challenge_method"], "S256")
        self.assertTrue(
            query["redirect_uri"].endswith("/social_care_twitter/oauth/callback")
        )
        verifier = account.twitter_code_verifier
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
        self.assertEqual(query["code_challenge"], challenge.rstrip(b"=").decode())
        found = self.env["social.care.account"]._twitter_from_oauth_state(
            query["state"]
        )
        self.assertEqual(found, account)
        x = FakeX()
        x.on(
            "POST",
            TOKEN,
            {
                "expires_in": 7200,
                "access_token": "new-access",
                "refresh_token": "new-refresh",
            },
        )
        x.on(
            "GET",
            "/2/users/me",
            {"data": {"id": "42", "name": "New", "username": "NewBrand"}},
        )
        with fake_x(x):
            self.assertTrue(found._twitter_finish_oauth("the-code"))
        exchange = x.calls[0].form
        self.assertEqual(exchange["grant_type"], "authorization_code")
        self.assertEqual(exchange["code"], "the-code")
        self.assertEqual(exchange["code_verifier"], verifier)
        self.assertEqual(x.calls[1].headers["Authorization"], "Bearer new-access")
        self.assertEqual(
            (account.external_ref, account.handle, account.state),
            ("42", "NewBrand", "connected"),
        )
        self.assertEqual(account.refresh_token, "new-refresh")
        self.assertFalse(account.twitter_oauth_state)
        self.assertEqual(account.twitter_backfill_state, "running")
        # The state is single-use.
        self.assertFalse(
            self.env["social.care.account"]._twitter_from_oauth_state(query["state"])
        )

    def test_oauth_denied_or_late_is_an_error(self):
        account = self.env["social.care.account"].create(
            {"name": "Denied", "app_id": self.app.id}
        )
        account.action_twitter_connect()
        self.assertFalse(account._twitter_finish_oauth(None, "access_denied"))
        self.assertEqual(account.state, "error")
        self.assertIn("access_denied", account.last_error)
        account.action_twitter_connect()
        account.twitter_oauth_expires_at = fields.Datetime.now() - timedelta(minutes=1)
        self.assertFalse(account._twitter_finish_oauth("late-code"))
        self.assertIn("too long", account.last_error)
