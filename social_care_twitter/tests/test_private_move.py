"""Public → private on X keeps the thread (issue 13, point 5).

After *Move to private*, the agent's next reply is a DM; the customer's answer
comes in their DM conversation with the account ("{smaller}-{larger}" user
ids, as X's DM events and the dm_conversations endpoints show it) and belongs
to the ticket it answers.
"""

from odoo.tests import tagged

from .common import ACME, JANE, FakeX, XCase, fixture, xaa_post

DM_TO_JANE = f"/2/dm_conversations/with/{JANE}/messages"


@tagged("post_install", "-at_install")
class TestXPrivateMove(XCase):
    def setUp(self):
        super().setUp()
        self.store(xaa_post("2095000000000000800", "@AcmeSupport billing is wrong"))
        self.process()
        self.ticket = self.message("2095000000000000800").ticket_id

    def test_the_customers_dm_answer_joins_the_public_ticket(self):
        self.ticket.social_reply_private = True
        self.reply(self.ticket, "Please DM us your account e-mail.", True)
        # The answer X documents for POST /2/dm_conversations/with/:id/messages.
        answer = {
            "data": {
                "dm_conversation_id": f"{ACME}-{JANE}",
                "dm_event_id": "2095000000000000901",
            }
        }
        self.send_queued(FakeX().on("POST", DM_TO_JANE, answer, status=201))
        self.assertEqual(self.ticket.social_private_thread_key, f"x:dm:{ACME}-{JANE}")
        self.store(fixture("xaa_dm_received"))  # Jane writes back in DMs
        self.process()
        dm = self.message("2095000000000000400")
        self.assertEqual(dm.ticket_id, self.ticket, "no new ticket for the answer")
        self.assertEqual(
            self.env["helpdesk.ticket"].search_count(
                [("social_account_id", "=", self.account.id)]
            ),
            1,
        )
        self.assertTrue(self.ticket.social_awaiting_reply)
