import json
import time
from urllib.parse import parse_qs, urlparse

from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from ..tools import make_signed_request, sign
from .common import (
    APP_ID,
    FB_USER,
    IG,
    PAGE,
    PAGE_TOKEN,
    PSID,
    SECRET,
    VERIFY_TOKEN,
    MetaGraphMixin,
)

CONTROLLER_LOGGER = "odoo.addons.social_care_meta.controllers.main"
BASE_LOGGER = "odoo.addons.social_care.controllers.main"


@tagged("post_install", "-at_install")
class TestMetaHttp(MetaGraphMixin, HttpCase):
    """The real routes: webhook verification and deliveries, login, deletion."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_meta()
        cls.url = f"/social_care/webhook/{cls.app.id}"

    def post(self, payload, secret=SECRET, signature=None):
        raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        headers = {"Content-Type": "application/json"}
        if signature is not False:
            headers["X-Hub-Signature-256"] = signature or sign(secret, raw)
        return self.url_open(self.url, data=raw, headers=headers)

    def events(self):
        return self.env["social.care.event"].search([("app_id", "=", self.app.id)])

    def test_get_verification(self):
        query = "hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token="
        response = self.url_open(f"{self.url}?{query}{VERIFY_TOKEN}")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.text, "1158201444")
        self.assertIn("text/plain", response.headers["Content-Type"])
        wrong = self.url_open(f"{self.url}?{query}not-it")
        self.assertEqual(wrong.status_code, 403)

    def test_bad_signature_is_refused_and_stores_nothing(self):
        payload = self.messenger("m_1", "Hi")
        self.assertEqual(self.post(payload, secret="wrong").status_code, 403)
        self.assertEqual(self.post(payload, signature=False).status_code, 403)
        self.assertEqual(self.post(payload, signature="sha1=abc").status_code, 403)
        self.assertFalse(self.events())

    def test_batched_delivery_makes_tickets(self):
        comment = self.feed_comment("722_1", "Order late, maija@example.com")
        messenger = self.messenger("m_1", "Hyvää päivää! S00042")
        unknown = {"field": "ratings", "value": {"rating": 4}}
        comment["entry"][0]["changes"].append(unknown)
        comment["entry"].append(messenger["entry"][0])
        # Meta escapes non-ASCII text; the signature is over those raw bytes.
        raw = json.dumps(comment).encode()
        self.assertIn(b"\\u00e4", raw)
        response = self.post(raw)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json(), {"received": 3, "new": 3})
        self.assertEqual(self.post(raw).json()["new"], 0, "redelivery dropped")
        with self.graph({("GET", PSID): {"first_name": "Maija"}}):
            self.env["social.care.event"].with_context(
                social_care_no_commit=True
            )._cron_process_events()
        self.assertEqual(
            sorted(self.events().mapped("state")), ["done", "done", "ignored"]
        )
        tickets = self.env["helpdesk.ticket"].search(
            [("social_account_id", "=", self.page.id)]
        )
        self.assertEqual(
            sorted(tickets.mapped("social_thread_key")),
            ["fb:comment:722_1", f"messenger:{PSID}"],
        )
        messenger_ticket = tickets.filtered(lambda t: t.social_channel == "messenger")
        self.assertIn("Hyvää päivää", messenger_ticket.name)

    def test_unreadable_signed_delivery_is_answered_200(self):
        with mute_logger(BASE_LOGGER):
            response = self.post(b'{"object": "page", "entry": 5}')
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self.events().state, "error")

    def test_data_deletion_callback(self):
        with self.graph({("GET", PSID): {"first_name": "Maija"}}):
            self.store(self.feed_comment("722_9", "My phone is 040 123 4567"))
            self.process()
        identity = self.env["social.care.identity"].search(
            [("external_id", "=", FB_USER)]
        )
        message = identity.message_ids
        self.assertTrue(message)
        url = f"/social_care_meta/deletion/{self.app.id}"
        with mute_logger(CONTROLLER_LOGGER):
            forged = self.url_open(
                url,
                data={
                    "signed_request": make_signed_request({"user_id": FB_USER}, "nope")
                },
            )
        self.assertEqual(forged.status_code, 403)
        self.assertEqual(identity.external_id, FB_USER)
        response = self.url_open(
            url,
            data={"signed_request": make_signed_request({"user_id": FB_USER}, SECRET)},
        )
        self.assertEqual(response.status_code, 200)
        answer = response.json()
        request = self.env["social.care.meta.deletion"].search(
            [("confirmation_code", "=", answer["confirmation_code"])]
        )
        self.assertEqual((request.identity_count, request.message_count), (1, 1))
        self.assertNotEqual(identity.external_id, FB_USER)
        self.assertNotIn("040", message.text)
        self.assertNotIn("040", message.mail_message_id.body)
        self.assertEqual(identity.partner_id.name, "Deleted user")
        status = self.url_open(urlparse(answer["url"]).path)
        self.assertEqual(status.status_code, 200)
        self.assertIn(answer["confirmation_code"], status.text)
        self.assertIn("anonymized", status.text)

    def test_data_deletion_status_says_when_nothing_was_found(self):
        response = self.url_open(
            f"/social_care_meta/deletion/{self.app.id}",
            data={
                "signed_request": make_signed_request(
                    {"user_id": "10160000000000001"}, SECRET
                )
            },
        )
        self.assertEqual(response.status_code, 200)
        status = self.url_open(urlparse(response.json()["url"]).path)
        self.assertIn("No data found", status.text)
        self.assertNotIn("was deleted", status.text)

    def test_data_deletion_can_delete(self):
        self.app.meta_deletion_policy = "delete"
        self.store(self.feed_comment("722_8", "Delete me"))
        self.process()
        response = self.url_open(
            f"/social_care_meta/deletion/{self.app.id}",
            data={"signed_request": make_signed_request({"user_id": FB_USER}, SECRET)},
        )
        self.assertEqual(response.status_code, 200)
        self.assertFalse(
            self.env["social.care.identity"].search([("external_id", "=", FB_USER)])
        )
        self.assertFalse(self.message_of(self.page, "722_8"))

    def test_facebook_login_connects_pages_and_instagram(self):
        self.page.unlink()
        self.instagram.unlink()
        self.authenticate("admin", "admin")
        start = self.url_open(
            f"/social_care_meta/oauth/start/{self.app.id}", allow_redirects=False
        )
        self.assertEqual(start.status_code, 303)
        dialog = urlparse(start.headers["Location"])
        self.assertEqual(dialog.hostname, "www.facebook.com")
        self.assertTrue(dialog.path.startswith("/v26.0/dialog/oauth"))
        query = {k: v[0] for k, v in parse_qs(dialog.query).items()}
        self.assertEqual(query["client_id"], APP_ID)
        self.assertIn("instagram_manage_messages", query["scope"].split(","))
        self.assertTrue(
            query["redirect_uri"].endswith("/social_care_meta/oauth/callback")
        )
        forged = self.url_open(
            "/social_care_meta/oauth/callback?code=c&state=forged",
            allow_redirects=False,
        )
        self.assertEqual(forged.status_code, 403)
        # The forged attempt consumed the state: start again.
        start = self.url_open(
            f"/social_care_meta/oauth/start/{self.app.id}", allow_redirects=False
        )
        state = parse_qs(urlparse(start.headers["Location"]).query)["state"][0]
        routes = {
            ("POST", "oauth/access_token"): [
                {"access_token": "EAAShortLivedUserToken00000000"},
                {
                    "access_token": "EAALongLivedUserToken000000000",
                    "expires_in": 5184000,
                },
            ],
            ("GET", "me/accounts"): {
                "data": [
                    {
                        "id": PAGE,
                        "name": "Nordic Bikes Oy",
                        "access_token": PAGE_TOKEN,
                        "instagram_business_account": {
                            "id": IG,
                            "username": "nordicbikes",
                        },
                    }
                ]
            },
            ("POST", f"{PAGE}/subscribed_apps"): {"success": True},
        }
        with self.graph(routes) as graph:
            done = self.url_open(
                f"/social_care_meta/oauth/callback?code=the-code&state={state}",
                allow_redirects=False,
            )
        self.assertEqual(done.status_code, 303)
        # POSTed: the app secret and the code stay out of URLs (issue 11).
        exchange = graph.find("POST", "oauth/access_token")
        self.assertEqual(exchange[0]["body"]["code"], "the-code")
        self.assertEqual(exchange[1]["body"]["grant_type"], "fb_exchange_token")
        self.assertFalse([c for c in graph.calls if "access_token" in c["query"]])
        self.assertEqual(
            graph.find("GET", "me/accounts")[0]["bearer"],
            "EAALongLivedUserToken000000000",
        )
        subscribe = graph.find("POST", f"{PAGE}/subscribed_apps")[0]
        self.assertIn("message_echoes", subscribe["body"]["subscribed_fields"])
        accounts = self.env["social.care.account"].search(
            [("app_id", "=", self.app.id)]
        )
        page = accounts.filtered(lambda a: a.external_ref == PAGE)
        instagram = accounts.filtered(lambda a: a.external_ref == IG)
        self.assertEqual(
            (page.name, page.meta_surface, page.state),
            ("Nordic Bikes Oy", "facebook", "connected"),
        )
        self.assertEqual(page.access_token, PAGE_TOKEN)
        self.assertEqual(
            (instagram.meta_surface, instagram.meta_page_account_id, instagram.handle),
            ("instagram", page, "nordicbikes"),
        )


@tagged("post_install", "-at_install")
class TestMetaDeletionAttacks(MetaGraphMixin, HttpCase):
    """Issue 11: forged data deletion requests, as an outsider sends them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_meta()
        cls.url = f"/social_care_meta/deletion/{cls.app.id}"

    def deletions(self):
        return self.env["social.care.meta.deletion"].search(
            [("app_id", "=", self.app.id)]
        )

    @mute_logger(CONTROLLER_LOGGER)
    def test_malformed_signature_is_refused_not_a_server_error(self):
        payload = make_signed_request({"user_id": FB_USER}, SECRET).split(".")[1]
        for signature in ("A", "A" * 5, "A" * 41, "A" * 43 + "=" * 2 + "A"):
            with self.subTest(length=len(signature)):
                response = self.url_open(
                    self.url, data={"signed_request": f"{signature}.{payload}"}
                )
                self.assertEqual(response.status_code, 403)
        self.assertFalse(self.deletions())

    @mute_logger(CONTROLLER_LOGGER)
    def test_old_or_undated_signed_request_is_refused(self):
        now = int(time.time())
        for issued_at in (now - 3 * 24 * 3600, now + 3600, None, "yesterday"):
            with self.subTest(issued_at=issued_at):
                signed = make_signed_request(
                    {"user_id": FB_USER, "issued_at": issued_at}, SECRET
                )
                response = self.url_open(self.url, data={"signed_request": signed})
                self.assertEqual(response.status_code, 403)
        self.assertFalse(self.deletions())
        fresh = make_signed_request({"user_id": FB_USER, "issued_at": now}, SECRET)
        response = self.url_open(self.url, data={"signed_request": fresh})
        self.assertEqual(response.status_code, 200)

    @mute_logger(CONTROLLER_LOGGER)
    def test_unknown_app_is_refused_as_a_forged_request_is(self):
        forged = make_signed_request({"user_id": FB_USER}, "guess")
        known = self.url_open(self.url, data={"signed_request": forged})
        unknown = self.url_open(
            "/social_care_meta/deletion/987654321", data={"signed_request": forged}
        )
        self.assertEqual(known.status_code, 403)
        self.assertEqual((unknown.status_code, unknown.text), (403, known.text))

    def test_forged_requests_do_not_flood_the_log(self):
        # An app of its own: no other test has made it log yet.
        app = self.env["social.care.app"].create(
            {"name": "Flooded Meta app", "provider": "meta", "client_secret": "s"}
        )
        forged = make_signed_request({"user_id": FB_USER}, "guess")
        with self.assertLogs(CONTROLLER_LOGGER) as logs:
            for _attempt in range(5):
                response = self.url_open(
                    f"/social_care_meta/deletion/{app.id}",
                    data={"signed_request": forged},
                )
                self.assertEqual(response.status_code, 403)
        self.assertEqual(len(logs.records), 1, logs.output)
