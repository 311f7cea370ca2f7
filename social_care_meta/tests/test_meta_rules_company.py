"""Issue 11: another company's manager cannot hide this company's comments.

A routing rule without a company applied to every company: a manager of
company B could make one that hides company A's comments, with A's Page
token. Rules now belong to one company and apply to its tickets only.
"""

from psycopg2.errors import NotNullViolation

from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import PSID, MetaCase

COMMENT = "722000000000001_1290000000000061"


@tagged("post_install", "-at_install")
class TestMetaRulesStayInTheirCompany(MetaCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_b = cls.env["res.company"].create({"name": "Company B"})
        cls.manager_b = (
            cls.env["res.users"]
            .with_context(no_reset_password=True)
            .create(
                {
                    "name": "Manager B",
                    "login": "manager_b_meta",
                    "company_id": cls.company_b.id,
                    "company_ids": [(6, 0, cls.company_b.ids)],
                    "groups_id": [
                        (
                            6,
                            0,
                            cls.env.ref("helpdesk_mgmt.group_helpdesk_manager").ids,
                        )
                    ],
                }
            )
        )

    @mute_logger("odoo.sql_db")
    def test_a_rule_of_company_b_never_hides_company_a_comments(self):
        rules = self.env["social.care.rule"].with_user(self.manager_b)
        with self.assertRaises(NotNullViolation), self.env.cr.savepoint():
            rules.create(
                {
                    "name": "Hide everyone's",
                    "company_id": False,
                    "keywords": "bikes",
                    "meta_hide_comment": True,
                }
            )
        # Their own rule is theirs: it routes company B's tickets only.
        rules.create(
            {"name": "Hide B's", "keywords": "bikes", "meta_hide_comment": True}
        )
        routes = {
            ("POST", COMMENT): {"success": True},
            ("GET", PSID): {"first_name": "Maija", "last_name": "Virtanen"},
        }
        with self.graph(routes) as graph:
            self.deliver(self.feed_comment(COMMENT, "I love these bikes"))
        message = self.message_of(self.page, COMMENT)
        self.assertTrue(message.ticket_id)
        self.assertEqual(graph.find("POST", COMMENT), [])
        self.assertFalse(message.meta_is_hidden)
