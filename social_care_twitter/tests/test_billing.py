"""What the account costs on X's pay-per-use plan (issue 13, point 9).

Prices are X's 2026-04-20 table (PLATFORM-APIS §12: post $0.015, post with a
URL $0.20, summoned reply $0.01, DM $0.015, owned reads $0.001 per resource),
kept as editable data; the spend comes from the calls the account made.
"""

from odoo.tests import tagged

from .common import ACME, FakeX, XCase, fake_x, fixture, xaa_post

TWEETS = "/2/tweets"
MENTIONS = f"/2/users/{ACME}/mentions"
POSTED = {"data": {"id": "2095000000000000950", "text": "..."}}


@tagged("post_install", "-at_install")
class TestXBilling(XCase):
    def setUp(self):
        super().setUp()
        self.account.twitter_plan = "pay_per_use"
        self.store(xaa_post("2095000000000000760", "@AcmeSupport the app crashes"))
        self.process()
        self.ticket = self.message("2095000000000000760").ticket_id

    def spend(self):
        self.account.invalidate_recordset(
            ["twitter_spend_today", "twitter_over_budget"]
        )
        return round(self.account.twitter_spend_today, 4)

    def test_each_reply_is_priced_by_what_x_bills(self):
        before = self.spend()
        self.reply(self.ticket, "Sorry! Does a restart help?")
        self.send_queued(FakeX().on("POST", TWEETS, POSTED, status=201))
        self.assertAlmostEqual(self.spend() - before, 0.01, places=4)
        self.reply(self.ticket, "See https://help.example.com/restart")
        self.send_queued(FakeX().on("POST", TWEETS, POSTED, status=201))
        self.assertAlmostEqual(self.spend() - before, 0.21, places=4)

    def test_a_price_changed_by_a_manager_is_the_one_billed(self):
        self.env.ref("social_care_twitter.price_summoned_reply").price = 0.02
        before = self.spend()
        self.reply(self.ticket, "Thanks for waiting!")
        self.send_queued(FakeX().on("POST", TWEETS, POSTED, status=201))
        self.assertAlmostEqual(self.spend() - before, 0.02, places=4)

    def test_webhook_events_x_bills_are_counted(self):
        before = self.spend()
        self.store(fixture("xaa_dm_received"))
        self.process()
        self.assertAlmostEqual(self.spend() - before, 0.010, places=4)

    def test_the_composer_says_what_a_reply_costs(self):
        self.assertEqual(
            self.ticket.social_reply_cost_hint,
            "Costs about $0.010 on X, $0.20 with a link",
        )
        self.ticket.social_reply_private = True
        self.assertEqual(self.ticket.social_reply_cost_hint, "Costs about $0.015 on X")

    def test_over_the_budget_replies_wait_for_a_manager_and_polls_slow(self):
        self.account.poll_interval = 5
        self.assertEqual(self.account._social_poll_interval(), 5)
        self.account.twitter_daily_budget = 0.005
        self.reply(self.ticket, "Sorry! Does a restart help?")
        self.send_queued(FakeX().on("POST", TWEETS, POSTED, status=201))
        self.spend()
        self.assertTrue(self.account.twitter_over_budget)
        held = self.reply(self.ticket, "Could you send us a screenshot?")
        self.assertEqual(held.state, "to_approve")
        self.assertIn("over today's budget", self.ticket.social_reply_cost_hint)
        self.assertEqual(self.account._social_poll_interval(), 20)

    def test_reads_are_billed_per_resource_returned(self):
        page = fixture("poll_mentions_page1")
        del page["meta"]["next_token"]
        self.account.poll_cursor = {"mentions_since_id": "2095000000000000400"}
        before = self.spend()
        with fake_x() as x:
            x.on("GET", MENTIONS, page)
            self.account._twitter_poll_mentions(self.account.poll_cursor)
        self.assertAlmostEqual(
            self.spend() - before, 0.001 * len(page["data"]), places=4
        )
