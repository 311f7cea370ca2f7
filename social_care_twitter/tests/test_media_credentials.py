import copy
import io
from contextlib import contextmanager
from unittest.mock import patch

import requests
from requests.structures import CaseInsensitiveDict
from urllib3.response import HTTPResponse
from urllib3.util import parse_url

from odoo.tests import TransactionCase, tagged

from .common import XSetupMixin, fixture

DM_MEDIA = (
    "https://ton.twitter.com/1.1/ton/data/dm/"
    "2095000000000000100/2095000000000000101/Qm3xZ0aB.jpg"
)
JPEG = b"\xff\xd8\xff\xe0" + bytes(32)
# Addresses an attacker could put in a DM's media (X's DM payload shape, from
# the account-activity fixture): read as ton.twitter.com by urllib.parse,
# they connect elsewhere, or are not the plain address of X's DM media host.
TRICKS = (
    r"https://evil.example\@ton.twitter.com/x.jpg",
    r"https://[::1]\@ton.twitter.com/x.jpg",
    r"https://127.0.0.1:8443\@ton.twitter.com/x.jpg",
    "https://evil.example%5C@ton.twitter.com/x.jpg",
    "https://user:pw@ton.twitter.com/x.jpg",
    "https://ton.twitter.com.evil.example/x.jpg",
    "https://ton.twitter.com%2eevil.example/x.jpg",
    "https://ton.twitter.com:8443/x.jpg",
    "http://ton.twitter.com/x.jpg",
    "https://ton.twitter.com\t.evil.example/x.jpg",
    "https://ton\u3002twitter.com/x.jpg",
)


@tagged("post_install", "-at_install")
class TestMediaCredentials(XSetupMixin, TransactionCase):
    """The account's token goes to X's DM media host, and nowhere else.

    Every request leaving requests is seen where requests hands it to its
    connection pool; the host it connects to is the one urllib3 parses from
    that prepared URL (what the pool uses), not what the code under test thinks.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_x()

    @contextmanager
    def network(self, answers):
        """Record every request; ``answers``: {url: (status, headers, body)}."""
        sent = []

        def send(session, prepared, **kwargs):
            url = parse_url(prepared.url)
            sent.append((url, dict(prepared.headers)))
            status, headers, body = answers.get(prepared.url, (404, {}, b"not found"))
            response = requests.Response()
            response.status_code, response.url = status, prepared.url
            response.request = prepared
            response.headers = CaseInsensitiveDict(headers)
            response.raw = HTTPResponse(
                body=io.BytesIO(body), status=status, preload_content=False
            )
            return response

        with patch.object(requests.Session, "send", send):
            yield sent

    def assert_token_only_to_x(self, sent):
        for url, headers in sent:
            if "Authorization" in headers or "authorization" in headers:
                self.assertEqual(
                    (url.scheme, url.host, url.port or 443, url.auth),
                    ("https", "ton.twitter.com", 443, None),
                    f"the token went to {url}",
                )

    def deliver_dm_media(self, media_url):
        body = copy.deepcopy(fixture("aaa_direct_message"))
        media = body["direct_message_events"][0]["message_create"]["message_data"]
        media["attachment"]["media"]["media_url"] = media_url
        media["attachment"]["media"]["media_url_https"] = media_url
        self.store(body)
        self.env["social.care.event"].with_context(
            social_care_no_commit=True
        )._cron_process_events()

    def test_dm_media_tricks_never_reach_a_host_nor_carry_the_token(self):
        for trick in TRICKS:
            with self.subTest(trick), self.network({}) as sent:
                self.env["helpdesk.ticket"].search(
                    [("social_account_id", "=", self.account.id)]
                ).unlink()
                self.env["social.care.event"].search([]).unlink()
                self.env["social.care.message"].search([]).unlink()
                self.deliver_dm_media(trick)
                self.assert_token_only_to_x(sent)
                self.assertEqual(sent, [], "nothing is asked of any host")
                ticket = self.env["helpdesk.ticket"].search(
                    [("social_account_id", "=", self.account.id)]
                )
                notes = " ".join(ticket.message_ids.mapped("body"))
                self.assertIn("Attachment not fetched", notes)
                self.assertFalse(ticket.attachment_ids)

    def test_a_redirect_off_x_gets_no_token(self):
        """X's DM media host redirecting to its public CDN, then elsewhere:
        the token is sent to ton.twitter.com only, each hop decided anew."""
        public = "https://pbs.twimg.com/media/Qm3xZ0aB.jpg"
        answers = {
            DM_MEDIA: (302, {"Location": public}, b""),
            public: (200, {"Content-Type": "image/jpeg"}, JPEG),
        }
        with self.network(answers) as sent:
            self.assertEqual(self.account._social_fetch_media(DM_MEDIA), JPEG)
        self.assertEqual(
            [url.host for url, _h in sent], ["ton.twitter.com", "pbs.twimg.com"]
        )
        self.assertEqual(sent[0][1]["Authorization"], "Bearer access-1")
        self.assertNotIn("Authorization", sent[1][1])
        for trick in TRICKS:
            answers = {DM_MEDIA: (302, {"Location": trick}, b"")}
            with self.subTest(trick), self.network(answers) as sent:
                with self.assertRaisesRegex(ValueError, "redirected to a host"):
                    self.account._social_fetch_media(DM_MEDIA)
                self.assertEqual([url.host for url, _h in sent], ["ton.twitter.com"])
                self.assert_token_only_to_x(sent)

    def test_dm_media_on_x_carry_the_token(self):
        answers = {DM_MEDIA: (200, {"Content-Type": "image/jpeg"}, JPEG)}
        with self.network(answers) as sent:
            self.assertEqual(self.account._social_fetch_media(DM_MEDIA), JPEG)
        ((url, headers),) = sent
        self.assertEqual(headers["Authorization"], "Bearer access-1")
        self.assertEqual(url.url, DM_MEDIA)
        self.assertEqual(headers["Accept-Encoding"], "identity")
