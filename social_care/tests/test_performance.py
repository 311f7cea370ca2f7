from unittest.mock import patch

from odoo.tests import tagged
from odoo.tools import mute_logger

from ..tools import generic
from .common import SocialCareCase

# The benchmark's goal is 15 queries per event; a small batch amortizes its
# fixed look-ups over fewer events, and the test set-up adds tracking.
MAX_QUERIES_PER_EVENT = 15


@tagged("post_install", "-at_install")
class TestBatchQueries(SocialCareCase):
    """Pins the cost of a batch: look-ups are made once per batch, not per event."""

    def deliver_batch(self, count, authors, threads):
        items = [
            self.message(
                f"p{index}",
                f"Message {index} about my order",
                thread=f"pt-{index % threads}",
                author=f"pa-{index % authors}",
                author_name=f"Perf Author {index % authors}",
            )
            for index in range(count)
        ]
        self.app._social_store_deliveries(generic.split_delivery({"messages": items}))
        self.env.flush_all()
        before = self.env.cr.sql_log_count
        self.env["social.care.event"]._cron_process_events()
        self.env.flush_all()
        return self.env.cr.sql_log_count - before

    def test_queries_per_event_of_a_batch(self):
        # A third of the authors are known contacts, as in the benchmark.
        self.env["res.partner"].create(
            [
                {"name": f"Known {a}", "social_handles": f"perf{a}"}
                for a in range(0, 12, 3)
            ]
        )
        count = 60
        queries = self.deliver_batch(count, authors=12, threads=24)
        events = self.env["social.care.event"].search(
            [("delivery_key", "=like", "p%:create")]
        )
        self.assertEqual(set(events.mapped("state")), {"done"})
        self.assertEqual(len(events.message_ids), count)
        self.assertLessEqual(
            queries / count,
            MAX_QUERIES_PER_EVENT,
            f"{queries} queries for {count} events",
        )

    def test_an_unreadable_event_is_set_aside_within_its_batch(self):
        items = [self.message(f"ok{index}", thread="t-ok") for index in range(3)]
        items.insert(1, dict(self.message("bad"), created_at="not a time"))
        self.deliver(*items)
        self.assertEqual(self.states(), {"bad:create": "error"} | self.ok_states(3))
        self.assertEqual(len(self.ticket_of("ok0").social_message_ids), 3)

    @mute_logger("odoo.addons.social_care.models.social_care_event")
    def test_a_failing_event_does_not_fail_its_batch(self):
        """The batch is redone event by event: the others are still ingested."""
        message_class = type(self.env["social.care.message"])
        post_new = message_class._social_post_new

        def flaky(message, parsed, defaults):
            if message.external_id == "bad":
                raise RuntimeError("database hiccup")
            return post_new(message, parsed, defaults)

        items = [self.message(f"ok{index}", thread="t-ok") for index in range(3)]
        items.insert(1, self.message("bad", thread="t-ok"))
        with patch.object(message_class, "_social_post_new", flaky):
            self.deliver(*items)
        self.assertEqual(self.states(), {"bad:create": "pending"} | self.ok_states(3))
        bad = self.env["social.care.event"].search(
            [("delivery_key", "=", "bad:create")]
        )
        self.assertEqual(bad.attempts, 1)
        self.assertIn("database hiccup", bad.error)
        self.assertFalse(bad.message_ids)
        ticket = self.ticket_of("ok0")
        self.assertEqual(len(ticket.social_message_ids), 3)
        # Retried later, it joins the same ticket.
        bad.next_attempt_at = False
        self.env["social.care.event"]._cron_process_events()
        self.assertEqual(bad.state, "done")
        self.assertEqual(self.ticket_of("bad"), ticket)

    def states(self):
        events = self.env["social.care.event"].search([("app_id", "=", self.app.id)])
        return {event.delivery_key: event.state for event in events}

    @staticmethod
    def ok_states(count):
        return {f"ok{index}:create": "done" for index in range(count)}
