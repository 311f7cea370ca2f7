"""A reply made in the platform's own app is a response like one sent from Odoo.

Same standard on every channel (issue 13): the Page inbox, the X app or
Instagram's app answer customers too; their echoes set the first response
and clear "awaiting our reply".
"""

from datetime import datetime, timedelta

from odoo.tests import tagged

from .common import SocialCareCase


def stamp(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@tagged("post_install", "-at_install")
class TestEchoResponse(SocialCareCase):
    def setUp(self):
        super().setUp()
        self.start = datetime.utcnow().replace(microsecond=0) - timedelta(hours=2)
        self.deliver(
            self.message(
                "c1", "Is the shop open?", thread="e", created_at=stamp(self.start)
            )
        )
        self.ticket = self.ticket_of("c1")

    def echo(self, id_, minutes):
        """The account's own reply, written outside Odoo (no Social Care metadata)."""
        return self.message(
            id_,
            "Yes, until 7 pm.",
            thread="e",
            from_account=True,
            created_at=stamp(self.start + timedelta(minutes=minutes)),
        )

    def test_an_echo_is_the_first_response_and_clears_awaiting(self):
        self.assertTrue(self.ticket.social_awaiting_reply)
        self.deliver(self.echo("p1", 5))
        self.assertEqual(
            self.ticket.first_response_at, self.start + timedelta(minutes=5)
        )
        self.assertFalse(self.ticket.social_awaiting_reply)
        self.deliver(
            self.message(
                "c2",
                "And on Sunday?",
                thread="e",
                created_at=stamp(self.start + timedelta(minutes=30)),
            )
        )
        self.assertTrue(self.ticket.social_awaiting_reply)
        self.deliver(self.echo("p2", 40))
        self.assertFalse(self.ticket.social_awaiting_reply)
        self.assertEqual(
            self.ticket.first_response_at,
            self.start + timedelta(minutes=5),
            "the first response stays the first",
        )

    def test_an_older_echo_arriving_late_does_not_answer_a_newer_question(self):
        self.deliver(
            self.message(
                "c2",
                "Hello?",
                thread="e",
                created_at=stamp(self.start + timedelta(minutes=30)),
            )
        )
        self.deliver(self.echo("p1", 5))
        self.assertEqual(
            self.ticket.first_response_at, self.start + timedelta(minutes=5)
        )
        self.assertTrue(self.ticket.social_awaiting_reply, "c2 is still unanswered")
