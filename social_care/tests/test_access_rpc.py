"""Issue 11: what a logged-in agent or manager can do over JSON-RPC.

Each test attacks as an ill-meant insider would: authenticated as the real
role, calling /web/dataset/call_kw as the web client does, with the values
the web client would never send (readonly fields, other companies' records,
administrator buttons).
"""

from unittest.mock import patch

from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from ..tools import generic
from .access_common import TwoCompaniesMixin
from .common import FakeResponse, outbound

PASSWORDS = {
    "agent_a": "agent_a_password",
    "manager_a": "manager_a_password",
}


@tagged("post_install", "-at_install")
class TestRpcAttacks(TwoCompaniesMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_two_companies()
        cls.agent_a.password = PASSWORDS["agent_a"]
        cls.manager_a.password = PASSWORDS["manager_a"]

    def login(self, user):
        self.authenticate(user.login, PASSWORDS[user.login])

    def deliver(self, side, id_, text, author, process=True, **extra):
        """A customer's message to ``side``'s account, through the real inbox."""
        item = dict(self._item(side["account"], id_, text, author), **extra)
        side["app"]._social_store_deliveries(
            generic.split_delivery({"messages": [item]})
        )
        if process:
            self.env["social.care.event"]._cron_process_events()
        return item

    def message(self, side, external_id):
        return self.env["social.care.message"].search(
            [
                ("account_id", "=", side["account"].id),
                ("external_id", "=", external_id),
            ]
        )

    # ------------------------------------------------------------------
    # Finding 3: what the inbox processes is what the platform sent
    # ------------------------------------------------------------------

    @mute_logger("odoo.http")
    def test_manager_cannot_forge_what_the_inbox_processes(self):
        a = self.side["a"]
        item = self.deliver(a, "msg-a-3", "Where is my parcel?", "cust-a-3", False)
        event = self.env["social.care.event"].search(
            [("app_id", "=", a["app"].id), ("delivery_key", "=", "msg-a-3:create")]
        )
        self.assertEqual(event.state, "pending")
        # Another customer's message, rewritten in the manager's words.
        forged = dict(item, id="msg-a-2", text="Edited by a manager")
        self.login(self.manager_a)
        for values in (
            {"payload": forged},
            {"delivery_key": "msg-a-2:create", "payload": forged},
            {"event_type": "generic.other"},
            {"account_ref": "brand-b"},
        ):
            with self.subTest(values=sorted(values)):
                self.assertRpcDenied(
                    self.rpc("social.care.event", "write", event.ids, values)
                )
        answer = self.rpc("social.care.event", "action_process_now", event.ids)
        self.assertNotIn("error", answer)
        self.assertEqual(event.payload, item)
        self.assertEqual(event.state, "done")
        self.assertEqual(self.message(a, "msg-a-3").text, "Where is my parcel?")
        self.assertEqual(self.message(a, "msg-a-2").text, "I want a refund")

    @mute_logger("odoo.http")
    def test_event_buttons_check_who_presses_them(self):
        a = self.side["a"]
        self.deliver(a, "msg-a-4", "Hello?", "cust-a-4", False)
        event = self.env["social.care.event"].search(
            [("app_id", "=", a["app"].id), ("delivery_key", "=", "msg-a-4:create")]
        )
        self.login(self.agent_a)
        for method in ("action_ignore", "action_retry", "action_process_now"):
            with self.subTest(method=method):
                self.assertRpcDenied(self.rpc("social.care.event", method, event.ids))
        self.assertEqual(event.state, "pending")
        # The manager's buttons still work: they change the state only.
        self.login(self.manager_a)
        self.assertNotIn(
            "error", self.rpc("social.care.event", "action_ignore", event.ids)
        )
        self.assertEqual(event.state, "ignored")
        self.assertNotIn(
            "error", self.rpc("social.care.event", "action_retry", event.ids)
        )
        self.assertEqual(event.state, "pending")
        # Not another company's events.
        theirs = self.side["b"]["events"][:1]
        self.assertRpcDenied(self.rpc("social.care.event", "action_retry", theirs.ids))

    # ------------------------------------------------------------------
    # Finding 4: a manager of one company acts on that company only
    # ------------------------------------------------------------------

    @mute_logger("odoo.http", "odoo.sql_db")
    def test_manager_rules_never_reach_another_company(self):
        b = self.side["b"]
        self.login(self.manager_a)
        attempts = {
            "no company: every company's": {"company_id": False, "action": "spam"},
            "another company's team": {
                "company_id": self.company_a.id,
                "team_id": b["team"].id,
            },
        }
        for what, values in attempts.items():
            with self.subTest(what=what):
                answer = self.rpc(
                    "social.care.rule",
                    "create",
                    dict(values, name=what, keywords="parcel", sequence=1),
                )
                self.assertIn("error", answer)
                self.assertNoSecret(str(answer))
        self.assertFalse(
            self.env["social.care.rule"].search([("keywords", "=", "parcel")])
        )
        # Without a company, a rule is the current company's.
        answer = self.rpc(
            "social.care.rule", "create", {"name": "Parcels", "keywords": "parcel"}
        )
        rule = self.env["social.care.rule"].browse(answer["result"])
        self.assertEqual(rule.company_id, self.company_a)
        # Company B's new conversations are B's, routed by B's rules only.
        self.deliver(b, "msg-b-9", "Where is my parcel?", "cust-b-9")
        ticket = self.message(b, "msg-b-9").ticket_id
        self.assertTrue(ticket)
        self.assertFalse(ticket.social_is_spam)
        self.assertEqual(
            (ticket.company_id, ticket.team_id), (self.company_b, b["team"])
        )

    def test_rules_made_before_are_checked_when_applied(self):
        """A rule pointing at another company (older data, SQL) routes nothing there."""
        a, b = self.side["a"], self.side["b"]
        user_b = (
            self.env["res.users"]
            .with_context(no_reset_password=True)
            .create(
                {
                    "name": "Agent B",
                    "login": "agent_b",
                    "company_id": self.company_b.id,
                    "company_ids": [(6, 0, self.company_b.ids)],
                    "groups_id": [
                        (6, 0, self.env.ref("helpdesk_mgmt.group_helpdesk_user").ids)
                    ],
                }
            )
        )
        tag_b = self.env["helpdesk.ticket.tag"].create(
            {"name": "B only", "company_id": self.company_b.id}
        )
        self.env.cr.execute(
            "UPDATE social_care_rule SET team_id = %s, user_id = %s WHERE id = %s",
            [b["team"].id, user_b.id, a["rule"].id],
        )
        self.env.cr.execute(
            "INSERT INTO helpdesk_ticket_tag_social_care_rule_rel VALUES (%s, %s)",
            [a["rule"].id, tag_b.id],
        )
        self.env.invalidate_all()
        self.env.registry.clear_cache()
        self.deliver(a, "msg-a-5", "A refund, please", "cust-a-5")
        event = self.env["social.care.event"].search(
            [("app_id", "=", a["app"].id), ("delivery_key", "=", "msg-a-5:create")]
        )
        self.assertEqual((event.state, event.error), ("done", False))
        ticket = self.message(a, "msg-a-5").ticket_id
        self.assertEqual(ticket.company_id, self.company_a)
        self.assertEqual(ticket.team_id, a["team"])
        self.assertNotEqual(ticket.user_id, user_b)
        self.assertNotIn(tag_b, ticket.tag_ids)

    # ------------------------------------------------------------------
    # Finding 5: administrator buttons stop agents before the platform
    # ------------------------------------------------------------------

    @mute_logger("odoo.http")
    def test_agents_and_managers_cannot_press_admin_buttons(self):
        account = self.side["a"]["account"]
        calls = []
        Account = type(self.env["social.care.account"])

        def test_connection(record):
            calls.append("test connection")
            return "Connected"

        def poll(record):
            calls.append("poll")
            return [], record.poll_cursor

        with (
            patch.object(Account, "_social_test_connection", test_connection),
            patch.object(Account, "_social_poll", poll),
        ):
            for user in (self.agent_a, self.manager_a):
                self.login(user)
                for method in (
                    "action_test_connection",
                    "action_poll_now",
                    "action_disable",
                    "action_enable",
                ):
                    with self.subTest(user=user.login, method=method):
                        self.assertRpcDenied(
                            self.rpc("social.care.account", method, account.ids)
                        )
        self.assertEqual(calls, [], "a platform call was made for an agent")
        self.assertEqual(account.state, "connected")

    # ------------------------------------------------------------------
    # Finding 6: approval of public replies
    # ------------------------------------------------------------------

    @mute_logger("odoo.http")
    def test_changing_the_team_never_skips_the_approval(self):
        a = self.side["a"]
        a["team"].social_care_approve_public = True
        quiet = self.env["helpdesk.ticket.team"].create(
            {"name": "No approval here", "company_id": self.company_a.id}
        )
        ticket = a["own_ticket"]
        self.login(self.agent_a)
        for detour in (False, quiet.id):
            with self.subTest(detour=detour):
                for step in (
                    ("write", [ticket.ids, {"team_id": detour}], {}),
                    (
                        "message_post",
                        [ticket.ids],
                        {
                            "body": f"Public answer via {detour}",
                            "message_type": "comment",
                            "subtype_xmlid": "mail.mt_comment",
                        },
                    ),
                    ("write", [ticket.ids, {"team_id": a["team"].id}], {}),
                ):
                    method, args, kwargs = step
                    answer = self.rpc("helpdesk.ticket", method, *args, **kwargs)
                    self.assertNotIn("error", answer)
        replies = ticket.social_message_ids.filtered(lambda m: m.direction == "out")
        self.assertEqual(len(replies), 2)
        self.assertEqual(set(replies.mapped("state")), {"to_approve"})
        self.assertRpcDenied(
            self.rpc(
                "helpdesk.ticket",
                "write",
                ticket.ids,
                {"social_approval_required": False},
            )
        )
        # A manager's move is a decision: the team's rule applies again.
        self.login(self.manager_a)
        self.rpc("helpdesk.ticket", "write", ticket.ids, {"team_id": quiet.id})
        self.assertFalse(ticket.social_approval_required)

    @mute_logger("odoo.http")
    def test_agents_cannot_redirect_a_ticket_conversation(self):
        """Replies go to the ticket's customer, in their thread, in the window."""
        a = self.side["a"]
        ticket, other = a["own_ticket"], a["other_ticket"]
        before = ticket.read(
            ["social_thread_key", "social_identity_id", "social_channel"]
        )
        self.login(self.agent_a)
        for values in (
            {"social_thread_key": other.social_thread_key},
            {"social_identity_id": other.social_identity_id.id},
            {"social_channel": "facebook_dm", "social_is_private": True},
            {"social_last_customer_message_at": "2099-01-01 00:00:00"},
        ):
            with self.subTest(values=sorted(values)):
                self.assertRpcDenied(
                    self.rpc("helpdesk.ticket", "write", ticket.ids, values)
                )
        self.assertEqual(
            ticket.read(["social_thread_key", "social_identity_id", "social_channel"]),
            before,
        )

    # ------------------------------------------------------------------
    # Lows
    # ------------------------------------------------------------------

    def test_disabled_account_holds_its_queued_replies(self):
        a = self.side["a"]
        ticket = a["own_ticket"]
        ticket.with_user(self.agent_a).message_post(
            body="We are on it",
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )
        reply = ticket.social_message_ids.filtered(lambda m: m.direction == "out")
        self.assertEqual(reply.state, "queued")
        a["account"].action_disable()
        messages = self.env["social.care.message"].with_context(
            social_care_no_commit=True
        )
        with outbound(FakeResponse(200, {"id": "out-1"})) as calls:
            messages._cron_send_messages()
        self.assertEqual(calls, [])
        self.assertEqual(reply.state, "queued")
        a["account"].action_enable()
        with outbound(FakeResponse(200, {"id": "out-1"})) as calls:
            messages._cron_send_messages()
        self.assertEqual(len(calls), 1)
        self.assertEqual(reply.state, "sent")

    @mute_logger("odoo.http")
    def test_agents_link_identities_only_through_the_wizard(self):
        a, b = self.side["a"], self.side["b"]
        identity = a["own_ticket"].social_identity_id
        other = a["other_ticket"].partner_id
        self.login(self.agent_a)
        for values in (
            {"external_id": "cust-b-1"},
            {"partner_id": other.id},
            {"followers_count": 10**6},
            {"match_confidence": "known"},
        ):
            with self.subTest(values=sorted(values)):
                self.assertRpcDenied(
                    self.rpc("social.care.identity", "write", identity.ids, values)
                )
        self.assertEqual(
            (identity.external_id, identity.partner_id),
            ("cust-a-1", a["own_ticket"].partner_id),
        )
        # The wizard links, for the agent's own company's identities.
        for identities in (b["identities"][:1], identity):
            wizard = self.rpc(
                "social.care.link.partner",
                "create",
                {"identity_ids": [[6, 0, identities.ids]], "partner_id": other.id},
            )
            answer = self.rpc(
                "social.care.link.partner", "action_link", [wizard.get("result")]
            )
            # Another company's identity is not even seen: nothing to link.
            self.assertNotIn("error", answer)
        self.assertEqual(identity.partner_id, other)
        self.assertEqual(identity.match_confidence, "known")
        self.assertNotEqual(b["identities"][:1].partner_id, other)

    def test_contact_suggestions_take_names_literally(self):
        """A customer named ``%a%e%`` is not a wildcard matching everyone."""
        a = self.side["a"]
        anyone = self.env["res.partner"].create({"name": "Jane Mae Doe"})
        namesake = self.env["res.partner"].create({"name": "%a%e%"})
        item = self._item(a["account"], "msg-a-6", "Hi", "cust-a-6")
        item["author"]["name"] = "%a%e%"
        a["app"]._social_store_deliveries(generic.split_delivery({"messages": [item]}))
        self.env["social.care.event"]._cron_process_events()
        ticket = self.message(a, "msg-a-6").ticket_id
        self.assertTrue(ticket)
        # The only contacts of that name: the namesake, and the contact made
        # for the customer (who is not suggested to themselves).
        self.assertEqual(ticket.social_suggested_partner_ids, namesake)
        self.assertNotIn(anyone, ticket.social_suggested_partner_ids)
