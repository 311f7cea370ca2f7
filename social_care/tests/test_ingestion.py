from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.tests import tagged
from odoo.tools import config, mute_logger

from ..tools import generic
from .common import SocialCareCase


@tagged("post_install", "-at_install")
class TestIngestion(SocialCareCase):
    def test_unknown_author_gets_a_contact_and_a_ticket(self):
        self.deliver(
            self.message(
                "m1",
                "My parcel never arrived",
                author="u-new",
                author_name="Nuovo Cliente",
            )
        )
        ticket = self.ticket_of("m1")
        self.assertTrue(ticket)
        self.assertEqual(ticket.partner_id.name, "Nuovo Cliente")
        self.assertEqual(ticket.social_identity_id.match_confidence, "created")
        self.assertEqual(
            ticket.channel_id,
            self.env.ref("social_care.helpdesk_ticket_channel_facebook"),
        )
        self.assertEqual(ticket.team_id, self.team)
        self.assertEqual(ticket.name, "My parcel never arrived")
        chatter = ticket.message_ids.filtered(lambda m: m.message_type == "comment")
        self.assertEqual(chatter.author_id, ticket.partner_id)
        self.assertIn("My parcel never arrived", chatter.body)
        # Agents notified by email see the customer's name at the company's address.
        self.assertEqual(chatter.email_from, '"Nuovo Cliente" <support@example.com>')

    def test_new_ticket_is_not_assigned_to_the_cron_user(self):
        # helpdesk_mgmt assigns a team-less ticket to its creator: here the cron.
        self.account.team_id = False
        self.company.helpdesk_mgmt_ticket_auto_assign = True
        self.deliver(self.message("m1", "Anyone there?"))
        self.assertFalse(self.ticket_of("m1").user_id)

    def test_known_handle_reuses_the_existing_contact(self):
        partner = self.env["res.partner"].create(
            {"name": "Existing Customer", "social_handles": "@maria, other"}
        )
        self.deliver(self.message("m1", author="u-maria", author_name="Maria Verdi"))
        ticket = self.ticket_of("m1")
        self.assertEqual(ticket.partner_id, partner)
        self.assertEqual(ticket.social_identity_id.match_confidence, "handle")
        # The same person later: the identity is reused, no second contact.
        self.deliver(self.message("m2", thread="other", author="u-maria"))
        self.assertEqual(self.ticket_of("m2").partner_id, partner)
        self.assertEqual(
            self.env["social.care.identity"].search_count(
                [("external_id", "=", "u-maria")]
            ),
            1,
        )

    def test_email_given_by_the_platform_matches(self):
        partner = self.env["res.partner"].create(
            {"name": "Mail Customer", "email": "mc@example.com"}
        )
        item = self.message("m1", author="u-mail", author_name="Someone Else")
        item["author"]["email"] = "MC@example.com"
        self.deliver(item)
        self.assertEqual(self.ticket_of("m1").partner_id, partner)

    def test_uncertain_match_suggests_contacts(self):
        self.company.social_care_partner_policy = "suggest"
        partner = self.env["res.partner"].create(
            {"name": "Luca Neri", "email": "luca@example.com"}
        )
        self.deliver(
            self.message(
                "m1",
                "please write to luca@example.com",
                author="u-luca",
                author_name="L N",
            )
        )
        ticket = self.ticket_of("m1")
        self.assertFalse(ticket.partner_id)
        self.assertEqual(ticket.social_suggested_partner_ids, partner)
        wizard = self.env["social.care.link.partner"].create(
            {
                "identity_ids": [(6, 0, ticket.social_identity_id.ids)],
                "partner_id": partner.id,
            }
        )
        wizard.action_link()
        self.assertEqual(ticket.partner_id, partner)
        self.assertFalse(ticket.social_suggested_partner_ids)
        self.assertEqual(ticket.social_identity_id.match_confidence, "known")

    def test_duplicate_delivery_and_overlapping_poll_make_one_message(self):
        item = self.message("m1")
        self.assertEqual(self.deliver(item), 1)
        self.assertEqual(self.deliver(item), 0, "the inbox drops the redelivery")
        # A poll sees the same message under another delivery key.
        from ..tools import ParsedDelivery

        poll = ParsedDelivery("brand", "poll:page:1", "generic.message", item)
        self.assertEqual(self.app._social_store_deliveries([poll]), 1)
        self.env["social.care.event"]._cron_process_events()
        messages = self.env["social.care.message"].search([("external_id", "=", "m1")])
        self.assertEqual(len(messages), 1)
        self.assertEqual(
            self.env["helpdesk.ticket"].search_count(
                [("social_account_id", "=", self.account.id)]
            ),
            1,
        )

    def test_thread_gathers_messages_in_one_ticket(self):
        self.deliver(
            self.message("m1", thread="t1"),
            self.message("m2", "and another thing", thread="t1"),
        )
        self.assertEqual(self.ticket_of("m1"), self.ticket_of("m2"))
        # A reply naming its parent joins the parent's thread, whatever its key.
        self.deliver(self.message("m3", thread="reply-key", parent_id="m2"))
        self.assertEqual(self.ticket_of("m3"), self.ticket_of("m1"))

    def test_edit_and_delete_update_the_message(self):
        self.deliver(self.message("m1", "first version"))
        self.deliver(self.message("m1", "second version", action="edit"))
        message = self.env["social.care.message"].search([("external_id", "=", "m1")])
        self.assertEqual(message.text, "second version")
        self.assertTrue(message.is_edited)
        self.deliver(self.message("m1", "", action="delete"))
        self.assertTrue(message.is_deleted)
        notes = message.ticket_id.message_ids.mapped("body")
        self.assertTrue(any("edited" in body for body in notes))
        self.assertTrue(any("deleted" in body for body in notes))

    def test_delete_before_create_leaves_a_tombstone(self):
        self.deliver(self.message("m9", "", action="delete"))
        self.deliver(self.message("m9", "late create"))
        message = self.env["social.care.message"].search([("external_id", "=", "m9")])
        self.assertEqual(len(message), 1)
        self.assertTrue(message.is_deleted)
        self.assertFalse(message.ticket_id, "a deleted message opens no ticket")

    def test_closed_ticket_reopens_within_the_window(self):
        self.deliver(self.message("m1", thread="t1"))
        ticket = self.ticket_of("m1")
        done = self.env.ref("helpdesk_mgmt.helpdesk_ticket_stage_done")
        ticket.stage_id = done
        self.assertTrue(ticket.closed)
        self.deliver(self.message("m2", thread="t1"))
        self.assertEqual(self.ticket_of("m2"), ticket)
        self.assertFalse(ticket.closed)

    def test_closed_ticket_past_the_window_links_a_new_one(self):
        self.deliver(self.message("m1", thread="t1"))
        ticket = self.ticket_of("m1")
        ticket.stage_id = self.env.ref("helpdesk_mgmt.helpdesk_ticket_stage_done")
        ticket.closed_date = fields.Datetime.now() - timedelta(days=30)
        self.deliver(self.message("m2", thread="t1"))
        follow_up = self.ticket_of("m2")
        self.assertNotEqual(follow_up, ticket)
        self.assertEqual(follow_up.social_previous_ticket_id, ticket)
        self.assertTrue(ticket.closed)

    def test_other_channel_is_flagged_as_possible_duplicate(self):
        self.deliver(self.message("m1", thread="comment-1", author="u7"))
        self.deliver(
            self.message("m2", thread="dm-u7", channel="messenger", author="u7")
        )
        first, second = self.ticket_of("m1"), self.ticket_of("m2")
        self.assertNotEqual(first, second)
        self.assertIn(first, second.social_possible_duplicate_ids)
        self.assertIn(second, first.social_possible_duplicate_ids)
        self.assertTrue(second.social_is_private)

    def test_rules_route_and_spam(self):
        team = self.env["helpdesk.ticket.team"].create({"name": "Billing"})
        tag = self.env["helpdesk.ticket.tag"].create({"name": "refund"})
        self.env["social.care.rule"].search([]).active = False
        self.env["social.care.rule"].create(
            [
                {
                    "name": "spam",
                    "sequence": 1,
                    "regex": r"free\s+followers",
                    "action": "spam",
                },
                {
                    "name": "refunds",
                    "sequence": 2,
                    "keywords": "refund, rimborso",
                    "team_id": team.id,
                    "user_id": self.agent.id,
                    "priority": "3",
                    "tag_ids": [(6, 0, tag.ids)],
                    "create_lead": True,
                },
            ]
        )
        self.deliver(
            self.message("m1", "Voglio un RIMBORSO"),
            self.message("m2", "Get FREE followers now"),
            self.message("m3", "just saying hi"),
        )
        routed = self.ticket_of("m1")
        self.assertEqual(
            (routed.team_id, routed.user_id, routed.priority), (team, self.agent, "3")
        )
        self.assertEqual(routed.tag_ids, tag)
        self.assertTrue(routed.lead_id)
        self.assertEqual(routed.lead_id.social_ticket_id, routed)
        spam = self.ticket_of("m2")
        self.assertTrue(spam.social_is_spam)
        self.assertTrue(spam.closed)
        plain = self.ticket_of("m3")
        self.assertEqual(plain.team_id, self.team)
        self.assertFalse(plain.lead_id)

    def test_create_lead_from_ticket(self):
        self.deliver(self.message("m1", "I want 200 units for my shop"))
        ticket = self.ticket_of("m1")
        action = ticket.action_create_lead()
        lead = self.env["crm.lead"].browse(action["res_id"])
        self.assertEqual(lead.partner_id, ticket.partner_id)
        self.assertIn("200 units", lead.description)
        self.assertEqual(ticket.lead_id, lead)

    @mute_logger("odoo.addons.social_care.models.social_care_event")
    def test_failing_event_is_retried_then_kept_in_error(self):
        item = self.message("m1")
        with patch.object(
            type(self.env["social.care.message"]),
            "_social_ingest",
            side_effect=RuntimeError("database hiccup"),
        ):
            self.deliver(item)
            event = self.env["social.care.event"].search(
                [("delivery_key", "=", "m1:create")]
            )
            self.assertEqual(event.state, "pending")
            self.assertEqual(event.attempts, 1)
            self.assertGreater(event.next_attempt_at, fields.Datetime.now())
            self.assertIn("database hiccup", event.error)
            for _attempt in range(10):
                event.next_attempt_at = False
                self.env["social.care.event"]._cron_process_events()
        self.assertEqual(event.state, "error")
        self.assertEqual(event.attempts, 6)
        self.assertTrue(event.payload, "the payload is kept")
        event.action_retry()
        self.env["social.care.event"]._cron_process_events()
        self.assertEqual(event.state, "done")
        self.assertTrue(self.ticket_of("m1"))

    def test_unreadable_message_is_an_error_not_a_crash(self):
        self.deliver(
            {
                "account": "brand",
                "id": "bad",
                "channel": "carrier-pigeon",
                "thread": "t",
            }
        )
        event = self.env["social.care.event"].search(
            [("delivery_key", "=", "bad:create")]
        )
        self.assertEqual(event.state, "error")
        self.assertIn("carrier-pigeon", event.error)

    def test_unknown_account_is_stored_as_ignored(self):
        item = self.message("m1")
        item["account"] = "nobody"
        self.deliver(item)
        event = self.env["social.care.event"].search([("account_ref", "=", "nobody")])
        self.assertEqual(event.state, "ignored")
        self.assertFalse(self.ticket_of("m1"))

    def test_own_messages_are_not_customer_messages(self):
        self.deliver(self.message("m1", thread="t1"))
        self.deliver(
            self.message("m2", "We are on it!", thread="t1", from_account=True)
        )
        own = self.env["social.care.message"].search([("external_id", "=", "m2")])
        self.assertEqual(own.direction, "out")
        self.assertEqual(own.ticket_id, self.ticket_of("m1"))
        self.assertFalse(own.identity_id)
        self.deliver(
            self.message("m3", "Our new product!", thread="own-post", from_account=True)
        )
        self.assertFalse(
            self.ticket_of("m3"), "the account's own posts are never ticketed"
        )

    def test_media_only_from_platform_hosts(self):
        item = self.message(
            "m1",
            attachments=[{"url": "https://evil.example.net/x.png", "kind": "image"}],
        )
        self.deliver(item)
        ticket = self.ticket_of("m1")
        self.assertFalse(ticket.attachment_ids)
        self.assertTrue(
            any("not fetched" in body for body in ticket.message_ids.mapped("body"))
        )

    def test_first_response_time_on_email_tickets_too(self):
        ticket = self.env["helpdesk.ticket"].create(
            {"name": "Email ticket", "description": "<p>x</p>"}
        )
        ticket.with_user(self.agent).message_post(
            body="A note", message_type="comment", subtype_xmlid="mail.mt_note"
        )
        self.assertFalse(ticket.first_response_at, "an internal note is not a response")
        ticket.with_user(self.agent).message_post(
            body="Hello!", message_type="comment", subtype_xmlid="mail.mt_comment"
        )
        self.assertTrue(ticket.first_response_at)
        self.assertGreaterEqual(ticket.first_response_hours, 0)

    def test_a_run_stays_within_the_cron_time_limit(self):
        """A backlog is worked through in runs shorter than the server's cron
        limit (prefork kills a longer one mid-batch); the rest is triggered."""
        Event = self.env["social.care.event"]
        deliveries = generic.split_delivery(
            {"messages": [self.message(f"m{n}") for n in range(3)]}
        )
        self.app._social_store_deliveries(deliveries)
        cron = Event._social_cron()
        triggers = self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)])
        with patch.dict(
            config.options, {"limit_time_real_cron": -1, "limit_time_real": 40}
        ):
            self.assertEqual(Event._social_time_budget(), 20)
        with patch.dict(config.options, {"limit_time_real_cron": 1e-6}):
            Event._cron_process_events(batch_size=1)
        events = Event.search([("app_id", "=", self.app.id)])
        self.assertEqual(sorted(events.mapped("state")), ["done", "pending", "pending"])
        self.assertGreater(
            self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)]),
            triggers,
            "the run triggers the next one for the rest",
        )
        Event._cron_process_events(batch_size=1)
        self.assertEqual(set(events.mapped("state")), {"done"})

    def test_a_trigger_consumed_by_the_current_run_does_not_count(self):
        """An event stored while the cron finishes a run started by an older
        trigger gets a trigger of its own: the old one is deleted at the run's
        end, and the run may have looked for pending events already."""
        Event = self.env["social.care.event"]
        cron = Event._social_cron()
        Trigger = self.env["ir.cron.trigger"]
        Trigger.search([("cron_id", "=", cron.id)]).unlink()
        waiting = Trigger.create({"cron_id": cron.id, "call_at": fields.Datetime.now()})
        self.env.flush_all()
        # Due a minute before the transaction's clock (the one the insert
        # compares with), however long the earlier tests of the class took.
        self.env.cr.execute(
            "UPDATE ir_cron_trigger"
            " SET call_at = (now() at time zone 'utc') - interval '1 minute'"
            " WHERE id = %s",
            [waiting.id],
        )

        def store(external_id):
            deliveries = generic.split_delivery(
                {"messages": [self.message(external_id)]}
            )
            self.app._social_store_deliveries(deliveries)
            return Trigger.search_count([("cron_id", "=", cron.id)])

        self.assertEqual(store("m1"), 1, "a waiting trigger is enough")
        # A run starts after that trigger: the trigger no longer waits.
        self.env["ir.cron.progress"].create({"cron_id": cron.id})
        self.assertEqual(store("m2"), 2, "the event triggers the next run")
