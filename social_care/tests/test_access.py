"""Issue 7: who sees what, proven through the ORM and the web routes.

Company isolation for every social.care.* model, credentials reserved to
administrators, the portal showing a customer their tickets and nothing of
the social internals, and public routes that echo no secret.
"""

import json

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import HttpCase, TransactionCase, tagged
from odoo.tools import mute_logger

from ..tools import generic
from .access_common import (
    CREDENTIAL_WORDS,
    TwoCompaniesMixin,
    credential_fields,
    social_models,
    ticket_social_fields,
)

# The base's records of each company, by model, that agents may read.
AGENT_MODELS = {
    "social.care.app": "app",
    "social.care.account": "account",
    "social.care.message": "messages",
    "social.care.identity": "identities",
    "social.care.rule": "rule",
    "helpdesk.ticket": "tickets",
}


class TestAccessIsolation(TwoCompaniesMixin, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_two_companies()

    def agent_envs(self):
        """Agent of A only, and agent of A and B with only A active."""
        return {
            "agent_a": self.as_user(self.agent_a),
            "agent_ab_in_a": self.as_user(self.agent_ab, self.company_a),
        }

    # ------------------------------------------------------------------
    # Companies
    # ------------------------------------------------------------------

    def test_every_social_model_has_a_company_rule(self):
        """A social.care.* model without a global multi-company rule fails here."""
        models = social_models(self.env)
        self.assertIn("social.care.account", models)
        rules = self.env["ir.rule"].search(
            [
                ("model_id.model", "in", models),
                ("global", "=", True),
                ("perm_read", "=", True),
            ]
        )
        for name in models:
            with self.subTest(model=name):
                self.assertIn("company_id", self.env[name]._fields)
                domains = rules.filtered(lambda r, n=name: r.model_id.model == n)
                self.assertTrue(
                    any(
                        "company_id" in r.domain_force
                        and "company_ids" in r.domain_force
                        for r in domains
                    ),
                    f"{name} has no global multi-company record rule",
                )

    def test_models_users_write_keep_records_in_their_companies(self):
        """Every social model non-administrators may write re-checks the rules."""
        guarded = self.env.registry["social.care.company.mixin"]._inherit_children
        system = self.env.ref("base.group_system")
        writable = self.env["ir.model.access"].search(
            [
                ("model_id.model", "in", social_models(self.env)),
                ("perm_write", "=", True),
                ("group_id", "!=", system.id),
            ]
        )
        self.assertIn("social.care.identity", writable.model_id.mapped("model"))
        for name in set(writable.model_id.mapped("model")):
            with self.subTest(model=name):
                self.assertIn(name, guarded)

    def test_users_cannot_move_records_to_another_company(self):
        a = self.side["a"]
        identity = a["identities"][:1]
        moves = [
            (self.agent_a, identity, {"company_id": self.company_b.id}),
            (self.manager_a, a["rule"], {"company_id": self.company_b.id}),
            (self.manager_a, a["events"][:1], {"company_id": self.company_b.id}),
        ]
        for user, record, values in moves:
            with self.subTest(user=user.login, model=record._name):
                with self.assertRaises(AccessError), self.env.cr.savepoint():
                    record.with_env(self.as_user(user)).write(values)
                self.assertEqual(record.company_id, self.company_a)
        # Who works for both companies, with both active, may move one.
        both = self.as_user(self.agent_ab, self.company_a | self.company_b)
        identity.with_env(both).write({"company_id": self.company_b.id})
        self.assertEqual(identity.company_id, self.company_b)

    def test_one_person_writing_to_both_companies(self):
        """Each company's ticket knows nothing of the other's."""
        a, b = self.side["a"], self.side["b"]
        author = "cust-both"
        for side, text in ((a, "Secret matter for A"), (b, "Question for B")):
            item = self._item(side["account"], f"both-{side['app'].id}", text, author)
            side["app"]._social_store_deliveries(
                generic.split_delivery({"messages": [item]})
            )
            self.env["social.care.event"]._cron_process_events()
        ticket_b = (
            self.env["social.care.message"]
            .search(
                [("account_id", "=", b["account"].id), ("external_id", "like", "both-")]
            )
            .ticket_id
        )
        self.assertTrue(ticket_b)
        self.assertFalse(ticket_b.social_possible_duplicate_ids)
        env = self.as_user(self.agent_ab, self.company_b)
        seen = ticket_b.with_env(env)
        self.assertNotIn("Secret matter", " ".join(seen.message_ids.mapped("body")))
        self.assertFalse(seen.social_other_ticket_ids)

    def test_agents_see_their_company_only(self):
        a, b = self.side["a"], self.side["b"]
        for label, env in self.agent_envs().items():
            for model, key in AGENT_MODELS.items():
                with self.subTest(user=label, model=model):
                    self.assertTrue(a[key] and b[key])
                    self._assert_sees_only(env[model], a[key], b[key])

    def test_agents_cannot_point_their_records_at_another_company(self):
        """Replies go out through the ticket's account: never another company's.

        The agent works for both companies, with both active: record rules let
        them through, the constraints do not. A message's account is checked
        even for the superuser (agents cannot write messages at all).
        """
        a, b = self.side["a"], self.side["b"]
        env = self.as_user(self.agent_ab, self.company_a | self.company_b)
        ticket = a["own_ticket"].with_env(env)
        attempts = {
            "ticket account": lambda: ticket.write(
                {"social_account_id": b["account"].id}
            ),
            "new ticket": lambda: env["helpdesk.ticket"].create(
                {
                    "name": "Sent through B",
                    "description": "x",
                    "company_id": self.company_a.id,
                    "social_account_id": b["account"].id,
                }
            ),
            "message account": lambda: a["messages"][:1].write(
                {"account_id": b["account"].id}
            ),
        }
        for what, attempt in attempts.items():
            with self.subTest(what=what):
                with (
                    self.assertRaises(ValidationError) as caught,
                    self.env.cr.savepoint(),
                ):
                    attempt()
                self.assertNotIn(b["account"].name, str(caught.exception))
        self.assertEqual(a["own_ticket"].social_account_id, a["account"])
        self.assertEqual(a["messages"][:1].account_id, a["account"])

    def test_agents_reply_through_the_chatter_never_by_writing_messages(self):
        """Agents reply and retry; they cannot queue, edit or make a message."""
        a = self.side["a"]
        a["team"].social_care_approve_public = True
        env = self.as_user(self.agent_a)
        a["own_ticket"].with_env(env).message_post(
            body="We are on it",
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )
        reply = a["own_ticket"].social_message_ids.filtered(
            lambda m: m.direction == "out"
        )
        self.assertEqual(reply.state, "to_approve")
        self.assertEqual(reply.user_id, self.agent_a)
        mine = reply.with_env(env)
        attempts = {
            "approve by writing": lambda: mine.write({"state": "queued"}),
            "edit the text": lambda: mine.write({"text": "Something else"}),
            "make one": lambda: env["social.care.message"].create(
                {
                    "account_id": a["account"].id,
                    "direction": "out",
                    "channel": "facebook_comment",
                    "thread_key": "thread-msg-a-1",
                    "ticket_id": a["own_ticket"].id,
                    "text": "Unchecked",
                    "state": "queued",
                }
            ),
        }
        for what, attempt in attempts.items():
            with self.subTest(what=what), self.assertRaises(AccessError):
                attempt()
        with self.assertRaises(UserError):
            mine.action_approve()
        self.assertEqual(reply.state, "to_approve")
        reply.write({"state": "failed", "error": "Rate limited"})
        mine.action_retry()
        self.assertEqual(reply.state, "queued")

    def test_both_companies_active_see_both(self):
        """The other side of the rule: the same agent with B active sees B."""
        env = self.as_user(self.agent_ab, self.company_a | self.company_b)
        for model, key in AGENT_MODELS.items():
            with self.subTest(model=model):
                both = self.side["a"][key] | self.side["b"][key]
                self.assertEqual(env[model].search([("id", "in", both.ids)]), both)

    def test_events_and_report_are_for_managers_of_the_company(self):
        agent = self.as_user(self.agent_a)
        with self.assertRaises(AccessError):
            agent["social.care.event"].search([])
        with self.assertRaises(AccessError):
            agent["social.care.ticket.report"].search([])
        manager = self.as_user(self.manager_a)
        events = manager["social.care.event"].search([])
        self.assertEqual(events & self.side["a"]["events"], self.side["a"]["events"])
        self.assertFalse(events & self.side["b"]["events"])
        report = manager["social.care.ticket.report"].search([])
        self.assertTrue(report)
        self.assertEqual(report.sudo().company_id, self.company_a)
        with self.assertRaises(AccessError):
            self.side["b"]["events"].with_env(manager).read(["payload"])

    def test_account_overview_counts_own_company_only(self):
        """The account's counters never count what another company has."""
        env = self.as_user(self.agent_a)
        a = self.side["a"]
        account = a["account"].with_env(env)
        self.assertEqual(account.ticket_count, len(a["tickets"] - a["email_ticket"]))
        self.assertEqual(account.event_count, len(a["events"]))
        self.assertEqual(account.open_ticket_count, account.ticket_count)

    # ------------------------------------------------------------------
    # Credentials
    # ------------------------------------------------------------------

    def test_credential_fields_are_for_administrators(self):
        """Every credential-looking field of every social model is admin-only."""
        found = credential_fields(self.env)
        for name in social_models(self.env):
            for field in self.env[name]._fields.values():
                if any(word in field.name for word in CREDENTIAL_WORDS):
                    with self.subTest(model=name, field=field.name):
                        self.assertIn(field.name, found.get(name, []))
                        self.assertFalse(field.copy)
        self.assertLessEqual(
            {"client_key", "client_secret", "verify_token"},
            set(found["social.care.app"]),
        )
        self.assertLessEqual(
            {"access_token", "refresh_token", "token_secret"},
            set(found["social.care.account"]),
        )

    def test_agents_and_managers_cannot_read_credentials(self):
        users = {"agent": self.agent_a, "helpdesk manager": self.manager_a}
        checked = 0
        for label, user in users.items():
            env = self.as_user(user)
            for model, names in credential_fields(self.env).items():
                record = self.env[model].search(
                    [("company_id", "=", self.company_a.id)], limit=1
                )
                if not record:
                    continue
                record = record.with_env(env)
                for name in names:
                    with self.subTest(user=label, model=model, field=name):
                        self._assert_field_denied(record, name)
                        checked += 1
        # Both users, at least the base's six app and account credentials.
        self.assertGreaterEqual(checked, 2 * 6)

    def test_account_form_shows_no_credentials_to_agents(self):
        credentials = set(credential_fields(self.env)["social.care.account"])
        for user in (self.agent_a, self.manager_a):
            views = self.as_user(user)["social.care.account"].get_views(
                [(False, "form"), (False, "list")]
            )
            for view in views["views"].values():
                for name in credentials:
                    self.assertNotIn(f'name="{name}"', view["arch"])
            self.assertFalse(
                credentials & set(views["models"]["social.care.account"]["fields"])
            )
        admin_form = self.env["social.care.account"].get_views([(False, "form")])
        self.assertIn('name="access_token"', admin_form["views"]["form"]["arch"])

    def test_changed_token_is_not_tracked(self):
        account = self.side["a"]["account"]
        account.write(
            {"access_token": "rotated-token-not-real", "name": "Renamed account"}
        )
        self.env.flush_all()
        self.env.cr.precommit.run()  # tracking values are written on commit
        tracked = account.message_ids.tracking_value_ids
        self.assertIn("name", tracked.field_id.mapped("name"))
        credentials = credential_fields(self.env)["social.care.account"]
        self.assertFalse(set(tracked.field_id.mapped("name")) & set(credentials))
        values = tracked.mapped("old_value_char") + tracked.mapped("new_value_char")
        self.assertNotIn("rotated-token-not-real", " ".join(v or "" for v in values))
        self.assertNotIn(
            "rotated-token-not-real", " ".join(account.message_ids.mapped("body"))
        )

    def test_no_credential_in_config_parameters(self):
        """Secrets live in admin-only fields, not in system parameters."""
        params = (
            self.env["ir.config_parameter"]
            .sudo()
            .search([("key", "ilike", "social_care")])
        )
        self.assertFalse(params)

    # ------------------------------------------------------------------
    # Portal users through the ORM
    # ------------------------------------------------------------------

    def test_portal_user_reaches_no_social_model(self):
        env = self.as_user(self.portal_user)
        for name in social_models(self.env):
            with self.subTest(model=name):
                with self.assertRaises(AccessError):
                    env[name].search([])
                with self.assertRaises(AccessError):
                    env[name].check_access("read")

    def test_portal_user_reads_own_ticket_without_social_fields(self):
        env = self.as_user(self.portal_user)
        tickets = env["helpdesk.ticket"].search([])
        a = self.side["a"]
        self.assertEqual(tickets, (a["own_ticket"] | a["email_ticket"]).with_env(env))
        social_fields = ticket_social_fields(self.env)
        self.assertIn("social_identity_id", social_fields)
        visible = env["helpdesk.ticket"].fields_get()
        for name in social_fields:
            with self.subTest(field=name):
                self.assertNotIn(name, visible)
                with self.assertRaises(AccessError):
                    tickets.read([name])


@tagged("post_install", "-at_install")
class TestAccessHttp(TwoCompaniesMixin, HttpCase):
    """The same, over HTTP: the portal pages, JSON-RPC and the webhook."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_two_companies()
        cls.agent_a.password = "agent_a_password"

    def test_portal_lists_own_tickets_only(self):
        self.authenticate("portal_customer_a", "portal_customer_a")
        response = self.url_open("/my/tickets")
        self.assertEqual(response.status_code, 200)
        html = response.text
        a, b = self.side["a"], self.side["b"]
        self.assertIn(a["own_ticket"].name, html)
        self.assertIn(a["email_ticket"].name, html)
        self.assertNotIn(a["other_ticket"].name, html)
        for ticket in b["tickets"]:
            self.assertNotIn(ticket.number, html)

    def test_portal_ticket_page_shows_no_social_internals(self):
        self.authenticate("portal_customer_a", "portal_customer_a")
        a = self.side["a"]
        ticket = a["own_ticket"]
        response = self.url_open(f"/my/ticket/{ticket.id}")
        self.assertEqual(response.status_code, 200)
        html = response.text
        self.assertIn(ticket.name, html)
        self._assert_no_internals(html)
        other = self.url_open(f"/my/ticket/{a['other_ticket'].id}")
        self.assertTrue(other.url.endswith("/my"))
        self.assertNotIn(a["other_ticket"].name, other.text)
        # The chatter, as the portal loads it: the customer's own message,
        # never the internal note.
        chatter = self.make_jsonrpc_request(
            "/mail/chatter_fetch",
            {"thread_model": "helpdesk.ticket", "thread_id": ticket.id, "limit": 50},
        )
        bodies = " ".join(
            m["body"] for m in chatter["data"]["mail.message"] if m.get("body")
        )
        self.assertIn("My order is late", bodies)
        self._assert_no_internals(json.dumps(chatter))
        # Another customer's chatter, asked for by id: nothing of it (their
        # own, the same way: their messages).
        for route in ("/mail/chatter_fetch", "/mail/thread/messages"):
            with self.subTest(route=route), mute_logger("odoo.http"):
                own, other = (
                    self._json(
                        route, {"thread_model": "helpdesk.ticket", "thread_id": t.id}
                    )
                    for t in (ticket, a["other_ticket"])
                )
                self.assertTrue(own["result"]["messages"])
                self.assertFalse(other.get("result", {}).get("messages"))
                self.assertNotIn("I want a refund", json.dumps(other))

    def _assert_no_internals(self, text):
        a, b = self.side["a"], self.side["b"]
        self.assertNotIn(a["note"], text)
        self.assertNotIn(a["account"].name, text)
        self.assertNotIn(a["own_ticket"].social_thread_key, text)
        for identity in a["identities"] | b["identities"]:
            self.assertNotIn(identity.external_id, text)
        self.assertNotIn("I want a refund", text)  # another customer's message
        self.assertNoSecret(text)

    def test_portal_closes_own_tickets_only(self):
        """helpdesk_mgmt's close route checked no access: now it does."""
        stage = self.env["helpdesk.ticket.stage"].search(
            [("closed", "=", True)], limit=1
        )
        stage.close_from_portal = True
        a, b = self.side["a"], self.side["b"]
        self.authenticate("portal_customer_a", "portal_customer_a")
        for ticket in (a["other_ticket"], b["own_ticket"]):
            response = self.url_open(
                f"/ticket/close?ticket_id={ticket.id}&stage_id={stage.id}"
            )
            self.assertEqual(response.status_code, 404)
            self.assertNotEqual(ticket.stage_id, stage)
        response = self.url_open(
            f"/ticket/close?ticket_id={a['own_ticket'].id}&stage_id={stage.id}"
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(a["own_ticket"].stage_id, stage)

    @mute_logger("odoo.http")
    def test_portal_json_rpc_reaches_no_social_model(self):
        self.authenticate("portal_customer_a", "portal_customer_a")
        for name in social_models(self.env):
            with self.subTest(model=name):
                error = self._call_kw_error(name, "search_read", [[], ["id"]])
                self.assertEqual(error["data"]["name"], "odoo.exceptions.AccessError")
        ticket = self.side["a"]["own_ticket"]
        error = self._call_kw_error(
            "helpdesk.ticket", "read", [[ticket.id], ["social_identity_id"]]
        )
        self.assertEqual(error["data"]["name"], "odoo.exceptions.AccessError")

    @mute_logger("odoo.http")
    def test_agent_call_kw_on_token_gets_access_error_without_secret(self):
        self.authenticate("agent_a", "agent_a_password")
        account = self.side["a"]["account"]
        for method, args in (
            ("read", [[account.id], ["access_token"]]),
            ("search_read", [[], ["access_token", "refresh_token"]]),
            ("web_read", [[account.id], {"access_token": {}}]),
            ("write", [[account.id], {"access_token": "x"}]),
        ):
            with self.subTest(method=method):
                error = self._call_kw_error("social.care.account", method, args)
                self.assertEqual(error["data"]["name"], "odoo.exceptions.AccessError")
                self.assertNoSecret(json.dumps(error))
        # The same agent reads the account itself.
        result = self._call_kw("social.care.account", "read", [[account.id], ["name"]])
        self.assertEqual(result["result"][0]["name"], account.name)

    def _call_kw(self, model, method, args):
        return self._json(
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": args, "kwargs": {}},
        )

    def _json(self, route, params):
        """The JSON-RPC answer as it is, error included."""
        response = self.url_open(
            route,
            data=json.dumps({"jsonrpc": "2.0", "method": "call", "params": params}),
            headers={"Content-Type": "application/json"},
        )
        self.assertEqual(response.status_code, 200)
        return response.json()

    def _call_kw_error(self, model, method, args):
        answer = self._call_kw(model, method, args)
        self.assertIn("error", answer, answer)
        return answer["error"]

    @mute_logger("odoo.http", "odoo.addons.social_care.controllers.main")
    def test_webhook_echoes_no_secret(self):
        app = self.side["a"]["app"]
        url = f"/social_care/webhook/{app.id}"
        body = json.dumps({"messages": []}).encode()
        challenge = self.url_open(
            f"{url}?hub.verify_token={app.verify_token}&hub.challenge=1"
        )
        unsigned = self.url_open(url, data=body)
        wrong = self.url_open(
            url,
            data=body,
            headers={generic.SIGNATURE_HEADER: generic.sign("guess", body)},
        )
        signed = self.url_open(
            url,
            data=body,
            headers={generic.SIGNATURE_HEADER: generic.sign(app.client_secret, body)},
        )
        missing = self.url_open("/social_care/webhook/999999", data=body)
        self.assertEqual(
            [r.status_code for r in (challenge, unsigned, wrong, signed, missing)],
            [403, 403, 403, 200, 403],  # issue 11: unknown ids as bad ones
        )
        for response in (challenge, unsigned, wrong, signed, missing):
            self.assertNoSecret(response.text)
            self.assertNoSecret(response.headers)
        self.assertEqual(signed.json(), {"received": 0, "new": 0})
