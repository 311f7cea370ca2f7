from odoo.tests import tagged
from odoo.tools import mute_logger

from ..tools import generic
from .common import SocialCareCase, failing_chatter_post
from .test_media import PNG, serve

JPEG = b"\xff\xd8\xff\xe0" + bytes(64)


@tagged("post_install", "-at_install")
class TestSideEffectsOnce(SocialCareCase):
    """A batch redone event by event, or an event retried, asks the platform once.

    The platform's CDN is a real HTTP server on 127.0.0.1 (the app's sandbox
    address), which counts the requests it answers.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.cdn = serve(
            "127.0.0.1",
            {
                "/ok0.png": (200, "image/png", PNG, {}),
                "/bad.jpg": (200, "image/jpeg", JPEG, {}),
                "/ok2.png": (200, "image/png", PNG, {}),
                "/gone.png": (404, "text/plain", b"missing", {}),
                "/page.png": (200, "image/png", b"<html><script>x</script></html>", {}),
            },
        )
        cls.addClassCleanup(cls.cdn.server_close)
        cls.addClassCleanup(cls.cdn.shutdown)
        cls.base = f"http://127.0.0.1:{cls.cdn.server_port}"
        cls.app.api_base_url = f"{cls.base}/api"

    def setUp(self):
        super().setUp()
        self.cdn.requests.clear()

    def photo(self, external_id, *paths):
        return self.message(
            external_id,
            "Here is a photo",
            thread="t-photos",
            attachments=[{"url": self.base + p, "kind": "image"} for p in paths],
        )

    def event(self, external_id):
        return self.env["social.care.event"].search(
            [
                ("app_id", "=", self.app.id),
                ("delivery_key", "=", f"{external_id}:create"),
            ]
        )

    def staged(self, event):
        return self.env["ir.attachment"].search(
            [("res_model", "=", "social.care.event"), ("res_id", "=", event.id)]
        )

    @mute_logger("odoo.addons.social_care.models.social_care_event")
    def test_a_batch_falling_back_fetches_each_media_once(self):
        with failing_chatter_post(self.env, "bad"):
            self.deliver(
                self.photo("ok0", "/ok0.png", "/gone.png"),
                self.photo("bad", "/bad.jpg"),
                self.photo("ok2", "/ok2.png"),
            )
        # Tried together, then one by one: each address was asked once, the
        # one that failed too (its error is the same the second time).
        self.assertEqual(
            sorted(self.cdn.requests), ["/bad.jpg", "/gone.png", "/ok0.png", "/ok2.png"]
        )
        self.assertEqual(self.event("ok0").state, "done")
        self.assertEqual(self.event("ok2").state, "done")
        bad = self.event("bad")
        self.assertEqual((bad.state, bad.attempts), ("pending", 1))
        ticket = self.ticket_of("ok0")
        self.assertEqual(ticket, self.ticket_of("ok2"))
        self.assertEqual(ticket.attachment_ids.mapped("raw"), [PNG, PNG])
        notes = " ".join(ticket.message_ids.mapped("body"))
        self.assertEqual(notes.count("could not be downloaded"), 1)
        # The failed event keeps what it downloaded, for its retry.
        self.assertEqual(self.staged(bad).raw, JPEG)
        self.assertEqual(self.staged(bad).description, self.base + "/bad.jpg")

        # Retried later, in another run: nothing is downloaded again.
        bad.next_attempt_at = False
        self.env["social.care.event"]._cron_process_events()
        self.assertEqual(bad.state, "done")
        self.assertEqual(len(self.cdn.requests), 4)
        self.assertEqual(
            self.ticket_of("bad")
            .attachment_ids.filtered(lambda a: a.mimetype == "image/jpeg")
            .raw,
            JPEG,
        )
        self.assertFalse(self.staged(bad), "kept only until the event is done")

    def test_a_media_seen_twice_in_a_run_is_fetched_once(self):
        self.deliver(self.photo("p1", "/ok0.png"), self.photo("p2", "/ok0.png"))
        self.assertEqual(self.cdn.requests, ["/ok0.png"])
        self.assertEqual(len(self.ticket_of("p1").attachment_ids), 2)

    def test_processing_outside_the_cron_still_fetches(self):
        self.app._social_store_deliveries(
            generic.split_delivery({"messages": [self.photo("n1", "/ok2.png")]})
        )
        self.event("n1").action_process_now()
        self.assertEqual(self.event("n1").state, "done")
        self.assertEqual(self.ticket_of("n1").attachment_ids.raw, PNG)

    @mute_logger("odoo.addons.social_care.models.social_care_event")
    def test_an_ignored_event_drops_its_staged_media(self):
        with failing_chatter_post(self.env, "bad"):
            self.deliver(self.photo("ok0", "/ok0.png"), self.photo("bad", "/bad.jpg"))
        bad = self.event("bad")
        self.assertTrue(self.staged(bad))
        bad.action_ignore()
        self.assertEqual(bad.state, "ignored")
        self.assertFalse(self.staged(bad))

    @mute_logger("odoo.addons.social_care.models.social_care_event")
    def test_staged_media_are_checked_like_stored_ones(self):
        """What a failed event keeps for its retry passes the content check:
        markup is not kept, the rest is typed by its bytes."""
        with failing_chatter_post(self.env, "bad"):
            self.deliver(self.photo("bad", "/page.png", "/bad.jpg"))
        bad = self.event("bad")
        self.assertEqual(bad.state, "pending")
        staged = self.staged(bad)
        self.assertEqual(staged.mapped("raw"), [JPEG])
        self.assertEqual(staged.mimetype, "image/jpeg")
        # The retry asks again for what was not kept, and refuses it again.
        bad.next_attempt_at = False
        self.env["social.care.event"]._cron_process_events()
        self.assertEqual(bad.state, "done")
        self.assertEqual(self.cdn.requests.count("/page.png"), 2)
        ticket = self.ticket_of("bad")
        self.assertEqual(ticket.attachment_ids.mapped("raw"), [JPEG])
        notes = " ".join(ticket.message_ids.mapped("body"))
        self.assertIn("the file is application/xml", notes)
