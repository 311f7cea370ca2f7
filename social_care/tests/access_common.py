"""Two companies with everything social, and the people who look at them.

Shared by the access tests of the three addons: each company has its app,
account, routing rule, events, messages, identities, social and email
tickets, built through the real webhook-to-ticket pipeline.
"""

import json
import logging
from contextlib import contextmanager

from odoo.exceptions import AccessError

from ..tools import generic
from .common import social_care_test_env

# Credential-looking names: every field matching this on a social.care.*
# model must be reserved to administrators.
CREDENTIAL_WORDS = (
    "token",
    "secret",
    "verifier",
    "oauth_state",
    "client_key",
    "client_id",
    "password",
)


SOCIAL_ADDONS = ("social_care", "social_care_twitter", "social_care_meta")


def ticket_social_fields(env):
    """The fields the social addons add to helpdesk tickets."""
    return sorted(
        name
        for name, field in env["helpdesk.ticket"]._fields.items()
        if field._module in SOCIAL_ADDONS
    )


def social_models(env):
    """Every stored social.care.* model, connectors' included (not wizards)."""
    return sorted(
        name
        for name, model in env.registry.items()
        if name.startswith("social.care.")
        and not model._transient
        and not model._abstract
    )


def credential_fields(env):
    """``{model: [field names]}`` of every administrator-only field of social models."""
    found = {}
    for name in social_models(env):
        names = [
            field.name
            for field in env[name]._fields.values()
            if "base.group_system" in (field.groups or "").split(",")
        ]
        if names:
            found[name] = sorted(names)
    return found


@contextmanager
def captured_logs(level=logging.DEBUG):
    """The text of every record logged by Odoo meanwhile, at ``level`` or above."""
    lines = []

    class Collect(logging.Handler):
        def emit(self, record):
            lines.append(self.format(record))

    handler = Collect(level)
    logger = logging.getLogger("odoo")
    previous = logger.level
    logger.addHandler(handler)
    logger.setLevel(level)
    try:
        yield lines
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous)


class TwoCompaniesMixin:
    """Company A (the main one) and company B, each with its social data."""

    @classmethod
    def setup_two_companies(cls):
        cls.env = social_care_test_env(cls.env)
        cls.company_a = cls.env.company
        cls.company_b = cls.env["res.company"].create(
            {"name": "Company B", "email": "support-b@example.com"}
        )
        (cls.company_a | cls.company_b).social_care_partner_policy = "create"
        cls.side = {
            "a": cls._setup_company("a", cls.company_a),
            "b": cls._setup_company("b", cls.company_b),
        }
        cls._setup_users()

    @classmethod
    def _setup_company(cls, key, company):
        env = cls.env
        team = env["helpdesk.ticket.team"].create(
            {"name": f"Social team {key}", "company_id": company.id}
        )
        app = env["social.care.app"].create(
            {
                "name": f"Generic app {key}",
                "provider": "generic",
                "company_id": company.id,
                "client_key": f"client-key-{key}-not-real",
                "client_secret": f"client-secret-{key}-not-real",
                "verify_token": f"verify-token-{key}-not-real",
                "generic_outbound_secret": f"outbound-secret-{key}-not-real",
            }
        )
        account = env["social.care.account"].create(
            {
                "name": f"Internal account name {key}",
                "app_id": app.id,
                "company_id": company.id,
                "external_ref": f"brand-{key}",
                "state": "connected",
                "team_id": team.id,
                "poll_enabled": False,
                "generic_outbound_url": "https://outbound.example.com/hook",
                "access_token": f"access-token-{key}-not-real",
                "refresh_token": f"refresh-token-{key}-not-real",
                "token_secret": f"token-secret-{key}-not-real",
            }
        )
        rule = env["social.care.rule"].create(
            {
                "name": f"Refunds {key}",
                "company_id": company.id,
                "keywords": "refund",
                "team_id": team.id,
            }
        )
        customer, other = f"cust-{key}-1", f"cust-{key}-2"
        items = [
            cls._item(account, f"msg-{key}-1", "My order is late", customer),
            cls._item(account, f"msg-{key}-2", "I want a refund", other),
        ]
        app._social_store_deliveries(generic.split_delivery({"messages": items}))
        env["social.care.event"]._cron_process_events()
        messages = env["social.care.message"].search([("account_id", "=", account.id)])
        tickets = messages.ticket_id
        own = messages.filtered(lambda m: m.external_id == f"msg-{key}-1").ticket_id
        note = f"Internal note {key}: customer flagged as difficult"
        own.message_post(
            body=note, message_type="comment", subtype_xmlid="mail.mt_note"
        )
        email_ticket = env["helpdesk.ticket"].create(
            {
                "name": f"Email ticket {key}",
                "description": "By email",
                "company_id": company.id,
                "partner_id": own.partner_id.id,
                "team_id": team.id,
            }
        )
        return {
            "company": company,
            "team": team,
            "app": app,
            "account": account,
            "rule": rule,
            "events": env["social.care.event"].search([("app_id", "=", app.id)]),
            "messages": messages,
            "identities": messages.identity_id,
            "tickets": tickets | email_ticket,
            "own_ticket": own,
            "other_ticket": tickets - own,
            "email_ticket": email_ticket,
            "note": note,
            "secrets": [
                app.client_key,
                app.client_secret,
                app.verify_token,
                account.access_token,
                account.refresh_token,
                account.token_secret,
            ],
        }

    @staticmethod
    def _item(account, id_, text, author):
        return {
            "account": account.external_ref,
            "id": id_,
            "channel": "facebook_comment",
            "thread": f"thread-{id_}",
            "text": text,
            "author": {"id": author, "name": f"Person {author}", "handle": author},
        }

    @classmethod
    def _setup_users(cls):
        users = cls.env["res.users"].with_context(no_reset_password=True)
        a, b = cls.company_a, cls.company_b
        helpdesk_user = cls.env.ref("helpdesk_mgmt.group_helpdesk_user")
        helpdesk_manager = cls.env.ref("helpdesk_mgmt.group_helpdesk_manager")
        # Export rights too: an export must not reach what reading cannot.
        export = cls.env.ref("base.group_allow_export")

        def internal(login, group, companies):
            return users.create(
                {
                    "name": login.replace("_", " ").title(),
                    "login": login,
                    "email": f"{login}@example.com",
                    "company_id": companies[0].id,
                    "company_ids": [(6, 0, [c.id for c in companies])],
                    "groups_id": [(6, 0, [group.id, export.id])],
                }
            )

        cls.agent_a = internal("agent_a", helpdesk_user, [a])
        cls.agent_ab = internal("agent_ab", helpdesk_user, [a, b])
        cls.manager_a = internal("manager_a", helpdesk_manager, [a])
        cls.portal_partner = cls.side["a"]["own_ticket"].partner_id
        cls.portal_user = users.create(
            {
                "name": "Portal customer",
                "login": "portal_customer_a",
                "password": "portal_customer_a",
                "partner_id": cls.portal_partner.id,
                "company_id": a.id,
                "company_ids": [(6, 0, [a.id])],
                "groups_id": [(6, 0, [cls.env.ref("base.group_portal").id])],
            }
        )

    def as_user(self, user, companies=None):
        """An env of ``user`` with ``companies`` active (default: all theirs)."""
        context = {}
        if companies is not None:
            context["allowed_company_ids"] = companies.ids
        return self.env(user=user, su=False, context=dict(self.env.context, **context))

    def _assert_sees_only(self, records, mine, theirs):
        """``records``' user finds ``mine`` and nothing of ``theirs``, every way."""
        env, hidden = records.env, set(theirs.ids)
        found = records.search([])
        self.assertEqual(found & mine, mine.with_env(env))
        self.assertFalse(found & theirs)
        self.assertFalse(records.search([("id", "in", theirs.ids)]))
        self.assertFalse({r["id"] for r in records.search_read([], ["id"])} & hidden)
        web = records.web_search_read([], {"display_name": {}})
        self.assertFalse({r["id"] for r in web["records"]} & hidden)
        groups = records.read_group([], ["company_id"], ["company_id"])
        self.assertEqual(
            {g["company_id"][0] for g in groups if g["company_id"]},
            {self.company_a.id},
        )
        for name in theirs.mapped("display_name"):
            self.assertFalse({r[0] for r in records.name_search(name)} & hidden)
        theirs = theirs.with_env(env)
        with self.assertRaises(AccessError):
            theirs.read(["display_name"])
        with self.assertRaises(AccessError):
            theirs.export_data(["display_name"])
        with self.assertRaises(AccessError):
            theirs.web_read({"display_name": {}})

    def _assert_field_denied(self, record, name):
        model = record.env[record._name]
        self.assertNotIn(name, model.fields_get())
        attempts = {
            "attribute": lambda: record[name],
            "read": lambda: record.read([name]),
            "search_read": lambda: model.search_read([], [name]),
            "web_read": lambda: record.web_read({name: {}}),
            "web_search_read": lambda: model.web_search_read([], {name: {}}),
            "export_data": lambda: record.export_data([name]),
            "onchange": lambda: model.onchange({}, [], {name: {}}),
            "search": lambda: model.search([(name, "!=", False)]),
            "write": lambda: record.write({name: "changed-by-agent"}),
            "create": lambda: model.create({name: "new-by-agent"}),
        }
        # Whatever is logged meanwhile, SQL included, names no credential.
        with captured_logs() as logs:
            for how, attempt in attempts.items():
                with self.subTest(how=how):
                    with self.assertRaises(AccessError) as caught:
                        attempt()
                    self.assertNoSecret(caught.exception)
        self.assertTrue(logs)
        self.assertNoSecret("\n".join(logs))
        self.assertNotEqual(record.sudo()[name], "changed-by-agent")

    def rpc(self, model, method, *args, **kwargs):
        """``model.method(*args, **kwargs)`` over JSON-RPC, as the web client calls it.

        For HttpCase tests, in the session of the last ``authenticate``.
        Returns the JSON-RPC answer: ``result`` or ``error``.
        """
        response = self.url_open(
            f"/web/dataset/call_kw/{model}/{method}",
            data=json.dumps(
                {
                    "jsonrpc": "2.0",
                    "method": "call",
                    "params": {
                        "model": model,
                        "method": method,
                        "args": list(args),
                        "kwargs": kwargs,
                    },
                }
            ),
            headers={"Content-Type": "application/json"},
        )
        self.assertEqual(response.status_code, 200)
        return response.json()

    def assertRpcDenied(self, answer, error="odoo.exceptions.AccessError"):
        """The JSON-RPC ``answer`` is the refusal ``error``, naming no secret."""
        self.assertIn("error", answer, answer)
        self.assertEqual(answer["error"]["data"]["name"], error)
        self.assertNoSecret(json.dumps(answer))

    def all_secrets(self):
        return self.side["a"]["secrets"] + self.side["b"]["secrets"]

    def assertNoSecret(self, text):
        """No credential value of either company in ``text``."""
        for secret in self.all_secrets():
            self.assertNotIn(secret, str(text))
