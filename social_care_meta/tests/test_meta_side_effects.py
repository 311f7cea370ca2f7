from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.social_care.tests.common import failing_chatter_post

from .common import IG, PSID, MetaCase

GOOD = "722000000000001_1290000000000051"
BAD = "722000000000001_1290000000000052"
MENTION = "17900000000000091"


@tagged("post_install", "-at_install")
class TestMetaSideEffectsOnce(MetaCase):
    """Graph calls of ingestion, when a batch falls back to one event at a time.

    Reads are made once; hiding a comment waits for its event to be committed.
    """

    def setUp(self):
        super().setUp()
        self.env["social.care.rule"].create(
            {
                "name": "Abuse",
                "keywords": "idiots",
                "meta_hide_comment": True,
                "team_id": self.team.id,
            }
        )

    def routes(self):
        return {
            ("POST", GOOD): {"success": True},
            ("POST", BAD): {"success": True},
            ("GET", PSID): {"first_name": "Maija", "last_name": "Virtanen"},
            ("GET", IG): {
                "id": IG,
                "mentioned_comment": {
                    "id": MENTION,
                    "text": "@nordicbikes you idiots",
                    "username": "pekka.rides",
                },
            },
        }

    def event_of(self, external_id):
        return self.env["social.care.event"].search(
            [("delivery_key", "like", external_id)]
        )

    @mute_logger("odoo.addons.social_care.models.social_care_event")
    def test_a_batch_falling_back_reads_once_and_hides_only_what_committed(self):
        mention = self.ig_change(
            "mentions", {"comment_id": MENTION, "media_id": "17890000000000055"}
        )
        with self.graph(self.routes()) as graph, failing_chatter_post(self.env, BAD):
            self.deliver(
                self.feed_comment(GOOD, "You idiots"),
                self.feed_comment(BAD, "Idiots, all of you"),
                self.messenger("m_once", "Hello, my order?"),
                mention,
            )
        self.assertEqual(len(graph.find("GET", PSID)), 1)
        self.assertEqual(len(graph.find("GET", IG)), 1)
        self.assertEqual(len(graph.find("POST", GOOD)), 1)
        self.assertEqual(graph.find("POST", BAD), [], "its processing failed")
        good = self.message_of(self.page, GOOD)
        self.assertTrue(good.meta_is_hidden)
        self.assertTrue(
            any("by rule Abuse" in m.body for m in good.ticket_id.message_ids)
        )
        self.assertEqual(
            self.message_of(self.page, "m_once").partner_id.name, "Maija Virtanen"
        )
        self.assertEqual(
            self.message_of(self.instagram, MENTION).text, "@nordicbikes you idiots"
        )
        bad_event = self.event_of(BAD)
        self.assertEqual(bad_event.state, "pending")
        self.assertFalse(self.message_of(self.page, BAD))

        # Retried: the comment is hidden now, once; nothing else is asked again.
        bad_event.next_attempt_at = False
        with self.graph(self.routes()) as graph:
            self.process()
        self.assertEqual(bad_event.state, "done")
        self.assertEqual([c["path"] for c in graph.calls], [BAD])
        self.assertTrue(self.message_of(self.page, BAD).meta_is_hidden)

    def test_a_hide_that_fails_leaves_a_note_and_the_ticket(self):
        routes = {("POST", GOOD): (400, {"error": {"message": "nope", "code": 100}})}
        with self.graph(routes) as graph:
            self.deliver(self.feed_comment(GOOD, "You idiots"))
        self.assertEqual(len(graph.find("POST", GOOD)), 1)
        message = self.message_of(self.page, GOOD)
        self.assertEqual(self.event_of(GOOD).state, "done")
        self.assertFalse(message.meta_is_hidden)
        self.assertTrue(
            any(
                "could not hide the comment" in m.body
                for m in message.ticket_id.message_ids
            )
        )

    def test_a_hide_left_by_a_stopped_run_is_made_by_the_next(self):
        with self.graph({("POST", GOOD): {"success": True}}) as graph:
            self.deliver(self.feed_comment(GOOD, "Nice bikes"))
        message = self.message_of(self.page, GOOD)
        self.assertEqual(graph.calls, [])
        # As if the run had committed the rule's request, then been killed.
        rule = self.env["social.care.rule"].search([("name", "=", "Abuse")])
        message.sudo().meta_hide_rule_id = rule
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE social_care_message SET write_date = now() - interval '1 hour'"
            " WHERE id = %s",
            [message.id],
        )
        message.invalidate_recordset()
        with self.graph({("POST", GOOD): {"success": True}}) as graph:
            self.process()
            self.process()
        self.assertEqual(len(graph.find("POST", GOOD)), 1)
        self.assertTrue(message.meta_is_hidden)
        self.assertFalse(message.meta_hide_rule_id)
