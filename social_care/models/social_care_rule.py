import re

from markupsafe import Markup

from odoo import _, api, fields, models, tools
from odoo.exceptions import ValidationError

from ..tools import CHANNELS, pattern_problem
from ..tools.rule_pattern import PATTERN_MAX_LENGTH, TEXT_LIMIT
from .social_care_message import CHANNEL_LABELS


class SocialCareRule(models.Model):
    """Routing of new social tickets: the first matching rules set team, agent, ...

    Rules are tried in order; every matching rule applies until one says stop.
    """

    _name = "social.care.rule"
    _inherit = "social.care.company.mixin"
    _description = "Social Care Routing Rule"
    _order = "sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
        help="A rule routes its company's new tickets only.",
    )
    # Conditions (empty = any)
    provider = fields.Selection(
        selection=lambda self: self.env["social.care.app"]
        ._fields["provider"]
        .selection,
    )
    account_ids = fields.Many2many(
        "social.care.account", string="Accounts", check_company=True
    )
    channel = fields.Selection([(c, CHANNEL_LABELS[c]) for c in CHANNELS])
    visibility = fields.Selection(
        [("any", "Public or private"), ("public", "Public"), ("private", "Private")],
        default="any",
        required=True,
    )
    kind = fields.Char(
        help="Message kind to match (mention, reply, comment, dm, ...); empty for any."
    )
    keywords = fields.Char(
        help="Comma-separated words; the rule matches if the text contains any."
    )
    regex = fields.Char(
        "Regular expression",
        help="Matched case-insensitively against the first 4000 characters of "
        "the text. At most one unbounded repeat (* or +); no repeated group "
        "holding a repeat or an alternation: use bounded repeats such as "
        ".{0,50} or \\s{1,5}.",
    )
    min_followers = fields.Integer("Author has at least N followers")
    # Actions
    action = fields.Selection(
        [
            ("route", "Route the ticket"),
            ("spam", "Mark as spam (close, no notification)"),
        ],
        default="route",
        required=True,
    )
    team_id = fields.Many2one("helpdesk.ticket.team", check_company=True)
    user_id = fields.Many2one(
        "res.users", "Assign to", domain=[("share", "=", False)], check_company=True
    )
    priority = fields.Selection(
        lambda self: self.env["helpdesk.ticket"]._fields["priority"].selection
    )
    tag_ids = fields.Many2many("helpdesk.ticket.tag", string="Tags", check_company=True)
    category_id = fields.Many2one("helpdesk.ticket.category", check_company=True)
    create_lead = fields.Boolean("Create a CRM lead")
    stop = fields.Boolean(
        "Stop here", default=True, help="Do not try the following rules."
    )
    match_count = fields.Integer(readonly=True, copy=False)

    @api.constrains("regex")
    def _check_regex(self):
        """Refuse, on save, a pattern that could backtrack for ever on a message."""
        for rule in self.filtered("regex"):
            problem = pattern_problem(rule.regex)
            if problem == "invalid":
                try:
                    re.compile(rule.regex)
                except re.error as error:
                    raise ValidationError(
                        _("Invalid regular expression: %s", error)
                    ) from error
                raise ValidationError(_("Invalid regular expression."))
            if problem == "too_long":
                raise ValidationError(
                    _(
                        "The regular expression is longer than %s characters.",
                        PATTERN_MAX_LENGTH,
                    )
                )
            if problem == "nested":
                raise ValidationError(
                    _(
                        "The regular expression repeats a group that holds a "
                        "repeat or an alternation, as in (a+)+ or (a|b)+: on some "
                        "texts it would run for ever. Repeat single characters "
                        "or classes instead, e.g. [ab]+."
                    )
                )
            if problem == "unbounded":
                raise ValidationError(
                    _(
                        "The regular expression has more than one unbounded "
                        "repeat (* or +): on some texts it would run for minutes. "
                        "Bound the others, e.g. .{0,50} or \\s{1,5}."
                    )
                )

    def _social_matches(self, message):
        self.ensure_one()
        text = (message.text or "").lower()
        if self.provider and self.provider != message.account_id.provider:
            return False
        if self.account_ids and message.account_id not in self.account_ids:
            return False
        if self.channel and self.channel != message.channel:
            return False
        if (
            self.visibility != "any"
            and (self.visibility == "private") != message.is_private
        ):
            return False
        if self.kind and self.kind != message.kind:
            return False
        if self.keywords:
            words = [w.strip().lower() for w in self.keywords.split(",") if w.strip()]
            if not any(word in text for word in words):
                return False
        if self.regex and not re.search(
            self.regex, (message.text or "")[:TEXT_LIMIT], re.IGNORECASE
        ):
            return False
        return not (
            self.min_followers
            and (message.identity_id.followers_count or 0) < self.min_followers
        )

    @api.model_create_multi
    def create(self, vals_list):
        self.env.registry.clear_cache()
        return super().create(vals_list)

    def write(self, vals):
        if set(vals) - {"match_count"}:
            self.env.registry.clear_cache()
        return super().write(vals)

    def unlink(self):
        self.env.registry.clear_cache()
        return super().unlink()

    @api.model
    @tools.ormcache("company_id")
    def _social_rule_ids(self, company_id):
        """Active rules of a company, in order: read once, not per new ticket."""
        return tuple(self.sudo().search([("company_id", "=", company_id)]).ids)

    @api.model
    def _social_apply_rules(self, message, values):
        """Update new-ticket ``values``; return callables to run on the ticket."""
        company = message.company_id
        rules = self.browse(self._social_rule_ids(company.id))
        after_create = []
        # A rule never reaches across companies, even one written before
        # rules had to be consistent (or straight into the database).
        for rule in rules.filtered(lambda r: r.company_id == company):
            if not rule._social_matches(message):
                continue
            rule.sudo().match_count += 1
            after_create.append(rule._social_note_applied)
            if rule.action == "spam":
                values["social_is_spam"] = True
                closed = self.env["helpdesk.ticket.stage"].search(
                    [("closed", "=", True)], limit=1
                )
                values["stage_id"] = closed.id
                break
            for field in ("team_id", "user_id", "category_id"):
                target = rule[field]
                if target and self._social_within(target, company):
                    values[field] = target.id
            if rule.priority:
                values["priority"] = rule.priority
            tags = rule.tag_ids.filtered(lambda t: self._social_within(t, company))
            if tags:
                values.setdefault("tag_ids", []).extend((4, tag) for tag in tags.ids)
            if rule.create_lead:
                after_create.append(lambda ticket: ticket.action_create_lead())
            if rule.stop:
                break
        return after_create

    @staticmethod
    def _social_within(record, company):
        """Whether ``record`` (a team, user, tag, category) belongs to ``company``."""
        if record._name == "res.users":
            return company in record.sudo().company_ids
        return not record.sudo().company_id or record.sudo().company_id == company

    def _social_note_applied(self, ticket):
        ticket._social_post_note(
            Markup("%s <b>%s</b>") % (_("Routing rule applied:"), self.name)
        )
