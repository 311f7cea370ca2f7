"""Routing-rule patterns: refused on save when they could backtrack for ever.

The refused patterns are the textbook catastrophic ones (OWASP "ReDoS":
``(a+)+``, ``(a|aa)+``) and a chain of unbounded wildcards.
"""

from odoo.exceptions import ValidationError

from .common import SocialCareCase


class TestRulePatterns(SocialCareCase):
    def test_catastrophic_patterns_are_refused_on_save(self):
        rules = self.env["social.care.rule"]
        for pattern in (r"(a+)+$", r"(a|aa)+$", r"(\w+\s?)*$", r"win.*free.*now"):
            with self.subTest(pattern=pattern), self.assertRaises(ValidationError):
                rules.create({"name": "bad", "regex": pattern})

    def test_usual_patterns_are_accepted(self):
        rules = self.env["social.care.rule"].create(
            [
                {"name": "spam", "regex": r"free\s+followers"},
                {"name": "words", "regex": r"(free followers|crypto giveaway)"},
                {"name": "bounded", "regex": r"refund.{0,40}order\s{1,3}\d+"},
            ]
        )
        self.assertEqual(len(rules), 3)

    def test_a_pattern_sees_the_first_4000_characters(self):
        self.env["social.care.rule"].search([]).active = False
        self.env["social.care.rule"].create(
            {"name": "late", "regex": r"giveaway", "action": "spam"}
        )
        self.deliver(
            self.message("early", "giveaway " + "x" * 5000),
            self.message("late", "x" * 5000 + " giveaway"),
        )
        self.assertTrue(self.ticket_of("early").social_is_spam)
        self.assertFalse(self.ticket_of("late").social_is_spam)
