import time
from datetime import datetime, timedelta

from freezegun import freeze_time

from odoo import fields
from odoo.tests import tagged

from .common import ACME, JANE, MARCO, XCase, fake_x, fixture

MENTIONS = f"/2/users/{ACME}/mentions"
DM_EVENTS = "/2/dm_events"
SEARCH = "/2/tweets/search/recent"


@tagged("post_install", "-at_install")
class TestPoll(XCase):
    def setUp(self):
        super().setUp()
        self.account.poll_cursor = {
            "mentions_since_id": "2095000000000000400",
            "dm_last_id": "2095000000000000599",
        }

    @staticmethod
    def older_dm_page(dm_id):
        """A last DM page holding one event older than anything else."""
        page = fixture("poll_dm_events")
        page["data"] = [
            dict(page["data"][3], id=dm_id, created_at="2026-08-20T10:00:00.000Z")
        ]
        del page["meta"]["next_token"]
        return page

    def events(self):
        return self.env["social.care.event"].search(
            [("account_id", "=", self.account.id)], order="id"
        )

    def ticket(self, thread_key):
        return self.env["helpdesk.ticket"].search(
            [
                ("social_account_id", "=", self.account.id),
                ("social_thread_key", "=", thread_key),
            ]
        )

    def test_mentions_and_dms_with_cursors_and_pagination(self):
        with fake_x() as x:
            x.on("GET", MENTIONS, fixture("poll_mentions_page1"))
            x.on("GET", MENTIONS, fixture("poll_mentions_page2"))
            x.on("GET", DM_EVENTS, fixture("poll_dm_events"))
            x.on("GET", DM_EVENTS, self.older_dm_page("2095000000000000590"))
            self.assertEqual(self.account._social_poll_once(), 3)
        first, second, dms, older_dms = x.calls
        self.assertEqual(first.params["since_id"], "2095000000000000400")
        self.assertEqual(first.params["max_results"], "100")
        self.assertNotIn("pagination_token", first.params)
        self.assertIn("note_tweet", first.params["tweet.fields"].split(","))
        self.assertIn("conversation_id", first.params["tweet.fields"].split(","))
        self.assertIn("public_metrics", first.params["user.fields"].split(","))
        self.assertIn("attachments.media_keys", first.params["expansions"])
        self.assertEqual(
            second.params["pagination_token"],
            fixture("poll_mentions_page1")["meta"]["next_token"],
        )
        self.assertEqual(second.params["since_id"], "2095000000000000400")
        self.assertIn("dm_conversation_id", dms.params["dm_event.fields"])
        self.assertEqual(
            older_dms.params["pagination_token"],
            fixture("poll_dm_events")["meta"]["next_token"],
        )
        self.assertEqual(first.headers["Authorization"], "Bearer access-1")
        cursor = self.account.poll_cursor
        self.assertEqual(cursor["mentions_since_id"], "2095000000000000502")
        self.assertEqual(cursor["dm_last_id"], "2095000000000000603")
        self.assertEqual(cursor["idle"], 0)
        self.assertEqual(
            self.events().mapped("delivery_key"),
            [
                "poll:mentions:2095000000000000502",
                "poll:mentions:2095000000000000491",
                "poll:dm_events:2095000000000000603",
            ],
        )
        self.assertEqual(
            self.events().mapped("event_type"),
            ["poll.mentions", "poll.mentions", "poll.dm_events"],
        )
        x = self.process()
        self.assertEqual(set(self.events().mapped("state")), {"done"})
        # One public conversation holds Jane's mention and Marco's reply.
        public = self.ticket("x:conv:2095000000000000500")
        self.assertEqual(len(public.social_message_ids), 2)
        self.assertEqual(public.social_identity_id.external_id, JANE)
        self.assertEqual(public.social_identity_id.handle, "jane_doe_42")
        self.assertEqual(public.social_identity_id.followers_count, 312)
        self.assertTrue(self.ticket("x:conv:2095000000000000488"))
        self.assertFalse(self.message("2095000000000000491"), "reposts are skipped")
        # DMs: Marco's with its photo (fetched with the account's token),
        # Jane's; the account's own DM makes no ticket.
        marco = self.ticket(f"x:dm:{MARCO}-{ACME}")
        self.assertTrue(marco.social_is_private)
        self.assertTrue(self.ticket(f"x:dm:{ACME}-{JANE}"))
        own = self.message("2095000000000000603")
        self.assertTrue(own.from_account)
        self.assertEqual(own.ticket_id, marco, "shown in the customer's ticket")
        ton = [c for c in x.media_calls if c.host == "ton.twitter.com"]
        self.assertEqual(ton[0].headers["Authorization"], "Bearer access-1")
        self.assertTrue(
            self.env["ir.attachment"].search_count(
                [("res_model", "=", "helpdesk.ticket"), ("res_id", "=", marco.id)]
            )
        )

    def test_idle_polls_make_one_call_per_stream_and_back_off(self):
        self.account.poll_cursor = dict(
            self.account.poll_cursor, dm_last_id="2095000000000000603", other="kept"
        )
        for idle in (1, 2):
            with fake_x() as x:
                x.on("GET", MENTIONS, fixture("poll_mentions_empty"))
                x.on("GET", DM_EVENTS, fixture("poll_dm_events"))
                self.assertEqual(self.account._social_poll_once(), 0)
            self.assertEqual(len(x.calls), 2)
            cursor = self.account.poll_cursor
            self.assertEqual(cursor["idle"], idle)
            self.assertEqual(cursor["other"], "kept")
            self.assertEqual(cursor["mentions_since_id"], "2095000000000000400")
            self.assertEqual(cursor["dm_last_id"], "2095000000000000603")
        self.assertGreater(
            self.account.next_poll_at,
            fields.Datetime.now() + timedelta(minutes=3 * self.account.poll_interval),
        )
        self.assertFalse(self.events())
        usage = self.account.twitter_usage_ids
        self.assertEqual(
            sorted(usage.mapped(lambda u: (u.endpoint, u.count))),
            [("GET /2/dm_events", 2), ("GET /2/users/:id/mentions", 2)],
        )
        self.assertEqual(self.account.twitter_calls_today, 4)

    def test_rate_limit_defers_the_next_poll_to_the_reset(self):
        reset = int(time.time()) + 900
        with fake_x() as x:
            x.on(
                "GET",
                MENTIONS,
                {"title": "Too Many Requests", "detail": "Too Many Requests"},
                status=429,
                headers={
                    "x-rate-limit-reset": str(reset),
                    "x-rate-limit-remaining": "0",
                },
            )
            self.account._social_poll_once()
        self.assertEqual(len(x.calls), 1)
        expected = datetime.utcfromtimestamp(reset)
        self.assertLess(abs((self.account.next_poll_at - expected).total_seconds()), 2)
        self.assertIn("rate limit", self.account.last_error)
        self.assertEqual(self.account.state, "connected")
        self.assertEqual(
            self.account.poll_cursor["mentions_since_id"], "2095000000000000400"
        )

    def test_revoked_token_puts_the_account_in_error(self):
        with fake_x() as x:
            x.on("GET", MENTIONS, {"title": "Unauthorized", "status": 401}, status=401)
            self.account._social_poll_once()
        self.assertEqual(self.account.state, "error")
        self.assertIn("reconnect", self.account.last_error)

    def test_basic_plan_reads_dms_once_a_day(self):
        self.app.twitter_plan = "basic"
        self.assertIn("24 hours", self.account.twitter_plan_notes)
        with fake_x() as x:
            x.on("GET", MENTIONS, fixture("poll_mentions_empty"))
            x.on("GET", DM_EVENTS, fixture("poll_mentions_empty"))
            self.account._social_poll_once()
        with fake_x() as x:
            x.on("GET", MENTIONS, fixture("poll_mentions_empty"))
            self.account._social_poll_once()
        self.assertEqual([c.path for c in x.calls], [MENTIONS])

    def test_first_poll_starts_from_the_connection(self):
        self.account.poll_cursor = {"start": "2026-09-01T12:10:00"}
        with fake_x() as x:
            x.on("GET", MENTIONS, fixture("poll_mentions_page2"))
            x.on("GET", DM_EVENTS, fixture("poll_dm_events"))
            self.account._social_poll_once()
        self.assertEqual(x.calls[0].params["start_time"], "2026-09-01T12:10:00Z")
        self.assertNotIn("since_id", x.calls[0].params)
        # Only DM events after the connection are stored.
        event = self.events().filtered(lambda e: e.event_type == "poll.dm_events")
        self.assertEqual(
            [item["id"] for item in event.payload["data"]], ["2095000000000000603"]
        )
        self.assertEqual(
            self.account.poll_cursor["mentions_since_id"], "2095000000000000490"
        )

    @freeze_time("2026-09-02 12:00:00")
    def test_backfill_runs_in_steps_with_progress(self):
        self.account.write({"poll_cursor": {}, "twitter_backfill_days": 3})
        self.account.action_twitter_start_backfill()
        self.assertEqual(self.account.twitter_backfill_state, "running")
        older = self.older_dm_page("2095000000000000100")
        with fake_x() as x:
            x.on("GET", MENTIONS, fixture("poll_mentions_page1"))
            x.on("GET", DM_EVENTS, fixture("poll_dm_events"))
            self.account._social_poll_once()
        self.assertEqual(x.calls[0].params["start_time"], "2026-08-30T12:00:00Z")
        self.assertNotIn("since_id", x.calls[0].params)
        self.assertEqual(self.account.twitter_backfill_state, "running")
        self.assertGreater(self.account.twitter_backfill_progress, 0)
        self.assertLess(self.account.twitter_backfill_progress, 100)
        self.assertEqual(self.account.twitter_backfill_count, 6)
        with fake_x() as x:
            x.on("GET", MENTIONS, fixture("poll_mentions_page2"))
            x.on("GET", DM_EVENTS, older)
            self.account._social_poll_once()
        self.assertEqual(
            x.calls[0].params["pagination_token"],
            fixture("poll_mentions_page1")["meta"]["next_token"],
        )
        self.assertEqual(
            x.calls[1].params["pagination_token"],
            fixture("poll_dm_events")["meta"]["next_token"],
        )
        self.assertEqual(self.account.twitter_backfill_state, "done")
        self.assertEqual(self.account.twitter_backfill_progress, 100)
        self.assertEqual(self.account.twitter_backfill_count, 8)
        self.assertNotIn("backfill", self.account.poll_cursor)
        # Regular polling continues from the newest items the backfill saw.
        with fake_x() as x:
            x.on("GET", MENTIONS, fixture("poll_mentions_empty"))
            x.on("GET", DM_EVENTS, fixture("poll_dm_events"))
            self.account._social_poll_once()
        self.assertEqual(x.calls[0].params["since_id"], "2095000000000000502")
        self.assertEqual(len(self.events()), 3)

    def test_listening_queries_feed_tickets_or_the_review_list(self):
        Query = self.env["social.care.twitter.query"]
        review = Query.create(
            {"account_id": self.account.id, "name": "acme broken", "mode": "review"}
        )
        tickets = Query.create(
            {"account_id": self.account.id, "name": "acme refund", "mode": "ticket"}
        )
        last_page = fixture("poll_mentions_page1")
        del last_page["meta"]["next_token"]
        with fake_x() as x:
            x.on("GET", MENTIONS, fixture("poll_mentions_empty"))
            x.on("GET", DM_EVENTS, fixture("poll_mentions_empty"))
            x.on("GET", SEARCH, last_page)
            x.on("GET", SEARCH, fixture("poll_mentions_page2"))
            self.account._social_poll_once()
        searches = [c for c in x.calls if c.path == SEARCH]
        self.assertEqual(
            sorted(c.params["query"] for c in searches), ["acme broken", "acme refund"]
        )
        self.assertTrue(all("start_time" in c.params for c in searches))
        self.assertTrue(review.since_id and tickets.since_id)
        self.assertTrue(review.next_run_at > fields.Datetime.now())
        hits = review.hit_ids
        self.assertTrue(hits, "the review query's posts wait for an agent")
        search_events = self.events().filtered(lambda e: e.event_type == "poll.search")
        self.assertEqual(len(search_events), 1)
        # Not due again yet: the next poll searches nothing.
        with fake_x() as x:
            x.on("GET", MENTIONS, fixture("poll_mentions_empty"))
            x.on("GET", DM_EVENTS, fixture("poll_mentions_empty"))
            self.account._social_poll_once()
        # An agent makes a ticket of one hit and dismisses the rest.
        self.assertEqual(len(hits), 2)
        hit = hits.filtered(lambda h: h.post_id == "2095000000000000500")
        self.assertEqual(hit.author_handle, "jane_doe_42")
        hit.with_user(self.agent).action_create_ticket()
        self.assertEqual(hit.state, "ticket")
        self.assertEqual(hit.ticket_id.social_thread_key, "x:conv:2095000000000000500")
        self.assertEqual(hit.ticket_id.social_identity_id.external_id, JANE)
        (hits - hit).with_user(self.agent).action_dismiss()
        self.assertEqual(set((hits - hit).mapped("state")), {"dismissed"})
