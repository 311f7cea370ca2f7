"""Browser tests: an agent answers a social ticket, a manager reads the report,
and the composer's JS counts reply lengths as the server does (hoot unit tests).

They run in headless Chromium (``HttpCase.start_tour``). Odoo skips browser
tests when it finds no Chrome or Chromium; here a missing browser is a failure,
since a skipped tour proves nothing. ``scripts/test`` installs Chromium.
"""

import unittest

from odoo.tests import HttpCase, tagged
from odoo.tests.common import _find_executable

from odoo.addons.web.tests.test_js import unit_test_error_checker

from .common import FakeResponse, LiveDeliveryTourMixin, SocialCareCase, outbound

CUSTOMER_TEXT = "My parcel never arrived, order SC-1042"
CUSTOMER_EMAIL = "maria.verdi@example.com"
EMAIL_TEXT = "As you asked, the invoice follows by e-mail."
REPLY_TEXT = (
    "Sorry about that, we are checking with the courier: "
    "https://example.com/track/SC-1042."
)
HOOT_SUITE = "@social_care"
# static/tests/*.test.js (reply_length: 4, reply_status: 4): a suite that ran
# nothing must not pass.
HOOT_TEST_COUNT = 8


def hoot_id(name):
    """Hoot's id of a suite or test, for the ``suite=`` filter of /web/tests."""
    value = 0
    for char in name:
        value = ((value << 5) - value + ord(char)) & 0xFFFFFFFF
    return f"{value:08x}"


CANNED_RESPONSE_XMLID = "social_care.canned_response_thanks"


@tagged("post_install", "-at_install")
class TestTours(LiveDeliveryTourMixin, HttpCase, SocialCareCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        try:
            cls.browser = _find_executable()
        except unittest.SkipTest as error:
            raise AssertionError(
                "The social care tours need Chrome or Chromium and none was found "
                f"({error}). Install it: apt-get install chromium "
                "(scripts/test does it when it can)."
            ) from error
        # HttpCase logs the browser in with the login as password.
        cls.agent.password = cls.agent.login
        cls.manager = cls.env["res.users"].create(
            {
                "name": "Manager Mario",
                "login": "mario_social",
                "password": "mario_social",
                "email": "mario@example.com",
                "groups_id": [
                    (6, 0, [cls.env.ref("helpdesk_mgmt.group_helpdesk_manager").id])
                ],
            }
        )

    def setUp(self):
        super().setUp()
        self.deliver(self.message("tour-1", CUSTOMER_TEXT, thread="tour-thread"))
        self.ticket = self.ticket_of("tour-1")
        # Linked to an existing customer: the contact has an e-mail address.
        self.ticket.partner_id.email = CUSTOMER_EMAIL

    def start_tour(self, url_path, tour_name, step_delay=None, **kwargs):
        """A tour the browser could not run fails; it is not skipped."""
        try:
            return super().start_tour(url_path, tour_name, step_delay, **kwargs)
        except unittest.SkipTest as error:
            raise AssertionError(f"Tour {tour_name} could not run: {error}") from error

    def test_agent_replies_then_moves_to_private(self):
        """Also a canned response from the demo data, typed as ":sc_thanks"."""
        self.assertTrue(self.ticket)
        self.assertFalse(self.ticket.social_reply_private)
        before_send = []

        def send(env):
            # What the tour left before the send: the replies waiting in the
            # queue, and the first response already given (the e-mail).
            ticket = self.ticket.with_env(env)
            outgoing = env["social.care.message"].search(
                [("ticket_id", "=", ticket.id), ("direction", "=", "out")],
                order="id",
            )
            before_send.append(
                (
                    [(m.text, m.state, m.is_private, m.user_id.id) for m in outgoing],
                    ticket.first_response_at,
                )
            )
            env["social.care.message"]._cron_send_messages()

        self.allow_live_delivery(send)
        with outbound(*(FakeResponse(200, {"id": f"t-{n}"}) for n in range(3))):
            self.start_tour("/odoo", "social_care_agent_tour", login=self.agent.login)
        outgoing = self.env["social.care.message"].search(
            [("ticket_id", "=", self.ticket.id), ("direction", "=", "out")],
            order="id",
        )
        template = self.ticket.company_id.social_care_private_template
        canned = self.env.ref(CANNED_RESPONSE_XMLID).substitution
        self.assertEqual(len(before_send), 1, "the tour ran the send once")
        queued, first_response = before_send[0]
        agent = self.agent.id
        self.assertEqual(
            queued,
            [
                (REPLY_TEXT, "queued", False, agent),
                (canned, "queued", False, agent),
                (template, "queued", False, agent),
            ],
        )
        self.assertEqual(outgoing[1].mail_message_id.author_id, self.agent.partner_id)
        self.assertEqual(outgoing[0].parent_id.external_id, "tour-1")
        self.assertTrue(self.ticket.social_reply_private)
        # The one e-mail reply: to the customer, by e-mail, not on the platform.
        email = self.ticket.message_ids.filtered(
            lambda m: m.social_care_channel == "email"
        )
        self.assertEqual(len(email), 1)
        # Issue 13: the queued social replies have not reached the customer yet;
        # the e-mail, sent when posted, is the first response.
        self.assertTrue(first_response)
        self.assertLessEqual(abs(first_response - email.date).total_seconds(), 2)
        self.assertEqual(set(outgoing.mapped("state")), {"sent"})
        self.assertEqual(
            self.ticket.first_response_at, first_response, "the first stays the first"
        )
        self.assertIn(EMAIL_TEXT, email.body)
        self.assertEqual(email.partner_ids, self.ticket.partner_id)
        self.assertFalse(self.ticket.social_reply_by_email, "switched back")
        replies = self.ticket.message_ids.filtered("social_care_channel") - email
        self.assertEqual(
            set(replies.mapped("social_care_channel")), {"facebook_comment"}
        )
        self.assertFalse(replies.partner_ids, "social replies e-mail no customer")

    def test_manager_reads_response_times_by_channel(self):
        self.start_tour("/odoo", "social_care_manager_tour", login=self.manager.login)

    def test_composer_counts_like_the_server(self):
        """The JS port of X's weighted length passes the Python module's cases."""
        with self.assertLogs(__name__, "INFO") as logs:
            self.browser_js(
                "/web/tests?headless&loglevel=2&preset=desktop&timeout=15000"
                f"&suite={hoot_id(HOOT_SUITE)}",
                "",
                # The test runner reads module dependencies: administrators only.
                login="admin",
                timeout=120,
                success_signal="[HOOT] test suite succeeded",
                error_checker=unit_test_error_checker,
            )
        ran = f"[HOOT] passed {HOOT_TEST_COUNT} tests"
        self.assertTrue(
            any(ran in line for line in logs.output),
            "The hoot suite did not run the social_care tests.",
        )
