from collections import defaultdict
from datetime import timedelta

from markupsafe import Markup

from odoo import Command, _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.osv import expression
from odoo.tools import escape_psql, formataddr, plaintext2html

from ..tools import CHANNELS, extract_contact_hints, html_to_text
from .mail_message import EMAIL
from .social_care_message import CHANNEL_LABELS, CHANNEL_XMLIDS

TITLE_LENGTH = 60
# "Window closes soon": early enough to answer before the platform refuses.
WINDOW_WARNING = timedelta(hours=2)
# A reply switched between public and private changes surface, not platform.
PRIVATE_OF = {
    "x_public": "x_dm",
    "facebook_comment": "messenger",
    "instagram_comment": "instagram_dm",
}
PUBLIC_OF = {private: public for public, private in PRIVATE_OF.items()}


# The ticket's conversation on the platform: where replies go, to whom, and
# whether the platform's reply window is open. Set by the customer's messages
# (the ingestion, as superuser), never by a user: an agent could otherwise
# send a reply into another customer's thread or reopen a closed window.
CONVERSATION_FIELDS = frozenset(
    {
        "social_channel",
        "social_is_private",
        "social_thread_key",
        "social_identity_id",
        "social_last_customer_message_at",
    }
)


def _hours_between(start, end):
    """Hours from start to end; 0 when either is missing.

    Never negative: ``create_date`` keeps microseconds while times set with
    ``fields.Datetime.now()`` are truncated to the second.
    """
    if not (start and end):
        return 0.0
    return max(0.0, (end - start).total_seconds() / 3600)


class HelpdeskTicket(models.Model):
    _inherit = "helpdesk.ticket"

    # Every field below is for employees: a portal customer reads their
    # ticket, never its social internals (identities, thread keys, accounts).
    social_account_id = fields.Many2one(
        "social.care.account",
        "Social account",
        index=True,
        readonly=True,
        groups="base.group_user",
    )
    social_channel = fields.Selection(
        [(c, CHANNEL_LABELS[c]) for c in CHANNELS],
        "Social channel",
        readonly=True,
        index=True,
        groups="base.group_user",
    )
    social_is_private = fields.Boolean(
        "Private conversation", readonly=True, groups="base.group_user"
    )
    social_thread_key = fields.Char(
        index=True, readonly=True, copy=False, groups="base.group_user"
    )
    social_private_thread_key = fields.Char(
        index="btree_not_null",
        readonly=True,
        copy=False,
        groups="base.group_user",
        help="The private conversation the customer was moved to (a private "
        "reply, a direct message): their answers there join this ticket.",
    )
    social_identity_id = fields.Many2one(
        "social.care.identity",
        "Social author",
        readonly=True,
        groups="base.group_user",
    )
    social_message_ids = fields.One2many(
        "social.care.message",
        "ticket_id",
        "Social messages",
        groups="base.group_user",
    )
    social_reply_private = fields.Boolean(
        "Reply in private",
        help="Agents' replies from the chatter go out as a private message "
        "instead of a public reply.",
        groups="base.group_user",
    )
    social_reply_by_email = fields.Boolean(
        "Reply by e-mail",
        help="Agents' replies from the chatter go to the customer by e-mail, not "
        "on the social channel: for when the platform no longer accepts a reply "
        "or the customer asked for e-mail.",
        groups="base.group_user",
    )
    social_last_customer_message_at = fields.Datetime(
        "Customer's last message",
        readonly=True,
        groups="base.group_user",
    )
    social_previous_ticket_id = fields.Many2one(
        "helpdesk.ticket",
        "Previous conversation",
        readonly=True,
        groups="base.group_user",
    )
    social_possible_duplicate_ids = fields.Many2many(
        "helpdesk.ticket",
        "helpdesk_ticket_social_duplicate_rel",
        "ticket_id",
        "other_id",
        "Possible duplicates",
        readonly=True,
        groups="base.group_user",
    )
    social_suggested_partner_ids = fields.Many2many(
        "res.partner",
        "helpdesk_ticket_social_suggested_partner_rel",
        "ticket_id",
        "partner_id",
        "Suggested contacts",
        groups="base.group_user",
    )
    social_is_spam = fields.Boolean("Spam", readonly=True, groups="base.group_user")
    social_approval_required = fields.Boolean(
        "Public replies need approval",
        readonly=True,
        copy=False,
        groups="base.group_user",
        help="Set when someone who is not a manager moves the ticket out of a "
        "team that approves public replies: the approval stays with the ticket "
        "until a manager changes its team.",
    )
    lead_id = fields.Many2one(
        "crm.lead", readonly=True, copy=False, groups="base.group_user"
    )
    social_post_id = fields.Many2one(
        "social.care.post",
        "Origin post",
        readonly=True,
        copy=False,
        index="btree_not_null",
        groups="base.group_user",
        help="The post the conversation started under (commented on, replied "
        "to, or the ad a message came from).",
    )
    social_campaign_id = fields.Many2one(
        related="social_post_id.campaign_id",
        store=True,
        string="Campaign",
        groups="base.group_user",
        help="The origin post's UTM campaign: set on the post, it follows here.",
    )
    social_window_deadline = fields.Datetime(
        "Reply window closes",
        compute="_compute_social_window_deadline",
        store=True,
        help="Until when the platform lets agents answer this private conversation.",
        groups="base.group_user",
    )
    social_window_closed = fields.Boolean(
        compute="_compute_social_window_closed", groups="base.group_user"
    )
    social_window_closing_soon = fields.Boolean(
        "Window closes within 2 h",
        compute="_compute_social_window_closing_soon",
        search="_search_social_window_closing_soon",
        help="The customer awaits a reply and the platform stops accepting one "
        "within 2 hours.",
        groups="base.group_user",
    )
    social_partner_phone = fields.Char(
        related="partner_id.phone", string="Phone", groups="base.group_user"
    )
    social_partner_email = fields.Char(
        related="partner_id.email",
        string="Customer's e-mail",
        groups="base.group_user",
    )
    social_partner_identity_ids = fields.One2many(
        related="partner_id.social_identity_ids",
        string="Customer's identities",
        groups="base.group_user",
    )
    social_other_ticket_ids = fields.Many2many(
        "helpdesk.ticket",
        compute="_compute_social_other_ticket_ids",
        string="Customer's other open tickets",
        groups="base.group_user",
    )
    social_reply_channel = fields.Selection(
        [(c, CHANNEL_LABELS[c]) for c in CHANNELS],
        "Replies go to",
        compute="_compute_social_reply_info",
        groups="base.group_user",
    )
    social_reply_max_length = fields.Integer(
        "Reply length limit",
        compute="_compute_social_reply_info",
        groups="base.group_user",
    )
    social_reply_public_allowed = fields.Boolean(
        compute="_compute_social_reply_info", groups="base.group_user"
    )
    social_reply_blocked = fields.Char(
        "Replies cannot be sent",
        compute="_compute_social_reply_info",
        help="Why the account cannot send any reply on the social channel.",
        groups="base.group_user",
    )
    social_reply_window_deadline = fields.Datetime(
        "Reply accepted until",
        compute="_compute_social_reply_info",
        help="Until when the platform accepts a reply in the current reply mode.",
        groups="base.group_user",
    )
    social_reply_length_unit = fields.Selection(
        [
            ("characters", "Characters"),
            ("weighted", "Weighted characters (X)"),
            ("bytes", "Bytes"),
        ],
        "Reply length unit",
        compute="_compute_social_reply_info",
        help="How the platform counts the reply length limit; the composer counts "
        "the same way.",
        groups="base.group_user",
    )
    social_reply_cost_hint = fields.Char(
        "Reply cost",
        compute="_compute_social_reply_info",
        help="What the platform bills for a reply, where it bills per message.",
        groups="base.group_user",
    )
    social_awaiting_reply = fields.Boolean(
        "Awaiting our reply",
        readonly=True,
        index=True,
        help="The customer wrote last and no agent has answered since.",
        groups="base.group_user",
    )
    answered_within_target = fields.Float(
        "Answered within target (%)",
        compute="_compute_response_times",
        store=True,
        aggregator="avg",
        help="100 when the first response came within the company's target, "
        "else 0: averaged, it is the share of tickets answered in time.",
        groups="base.group_user",
    )
    first_response_at = fields.Datetime(
        readonly=True, copy=False, groups="base.group_user"
    )
    first_response_hours = fields.Float(
        compute="_compute_response_times",
        store=True,
        aggregator="avg",
        help="Hours from creation to the first answer by an internal user, "
        "on any channel.",
        groups="base.group_user",
    )
    resolution_hours = fields.Float(
        compute="_compute_response_times",
        store=True,
        aggregator="avg",
        help="Hours from creation to closing.",
        groups="base.group_user",
    )

    def write(self, vals):
        """The conversation is the platform's; the approval survives team changes.

        Otherwise an agent could clear a ticket's team, post, and set the
        team back: the approval would be skipped.
        """
        if not self.env.su and CONVERSATION_FIELDS & set(vals):
            raise AccessError(
                _(
                    "A ticket's social conversation follows the customer's "
                    "messages: it cannot be edited."
                )
            )
        manager = self.env.su or self.env.user.has_group(
            "social_care.group_social_care_manager"
        )
        if "social_approval_required" in vals and not manager:
            raise AccessError(
                _("Only social care managers decide which replies need approval.")
            )
        if "team_id" in vals and not self.env.su:
            if manager:
                vals = dict(vals, social_approval_required=False)
            else:
                self.filtered(
                    lambda t: t.social_account_id
                    and t.team_id.social_care_approve_public
                ).sudo().write({"social_approval_required": True})
        return super().write(vals)

    @api.constrains("social_account_id", "company_id")
    def _check_social_account_company(self):
        """Replies go out through the ticket's account: never another company's.

        The error names neither record (Odoo's own company check would name the
        other company's account to someone who may not read it).
        """
        for ticket in self.sudo().filtered("social_account_id"):
            if ticket.company_id != ticket.social_account_id.company_id:
                raise ValidationError(
                    _(
                        "A ticket's social account must belong to the ticket's "
                        "company."
                    )
                )

    @api.depends("social_last_customer_message_at", "social_channel")
    def _compute_social_window_deadline(self):
        for ticket in self:
            account = ticket.social_account_id
            ticket.social_window_deadline = (
                account._social_window_deadline(ticket) if account else False
            )

    @api.depends("social_reply_private", "social_channel", "social_message_ids")
    def _compute_social_reply_info(self):
        """What the composer shows: where a reply goes and what the platform allows."""
        for ticket in self:
            account = ticket.social_account_id
            if not account:
                ticket.update(
                    {
                        "social_reply_channel": False,
                        "social_reply_max_length": 0,
                        "social_reply_public_allowed": False,
                        "social_reply_window_deadline": False,
                        "social_reply_length_unit": False,
                        "social_reply_cost_hint": False,
                        "social_reply_blocked": False,
                    }
                )
                continue
            private = ticket.social_reply_private
            limits = account._social_reply_limits(ticket, private)
            ticket.update(
                {
                    "social_reply_channel": ticket._social_reply_channel(private),
                    "social_reply_max_length": limits.get("max_length") or 0,
                    "social_reply_public_allowed": limits.get("public_allowed", True),
                    "social_reply_window_deadline": limits.get("window_deadline"),
                    "social_reply_length_unit": limits.get("length_unit", "characters"),
                    "social_reply_cost_hint": limits.get("cost_hint") or False,
                    "social_reply_blocked": account._social_send_blocked() or False,
                }
            )

    def _compute_social_window_closed(self):
        now = fields.Datetime.now()
        for ticket in self:
            deadline = ticket.social_window_deadline
            ticket.social_window_closed = bool(deadline and deadline < now)

    @api.depends("social_window_deadline", "social_awaiting_reply")
    def _compute_social_window_closing_soon(self):
        now = fields.Datetime.now()
        for ticket in self:
            deadline = ticket.social_window_deadline
            ticket.social_window_closing_soon = bool(
                ticket.social_awaiting_reply
                and deadline
                and now <= deadline <= now + WINDOW_WARNING
            )

    def _search_social_window_closing_soon(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(_("Unsupported search on the reply window."))
        now = fields.Datetime.now()
        domain = [
            ("social_awaiting_reply", "=", True),
            ("social_window_deadline", ">=", now),
            ("social_window_deadline", "<=", now + WINDOW_WARNING),
        ]
        if (operator == "=") != value:
            return ["!", *expression.normalize_domain(domain)]
        return domain

    @api.depends("partner_id")
    def _compute_social_other_ticket_ids(self):
        open_tickets = self.search(
            [("partner_id", "in", self.partner_id.ids), ("stage_id.closed", "=", False)]
        )
        for ticket in self:
            ticket.social_other_ticket_ids = open_tickets.filtered(
                lambda other, ticket=ticket: other.partner_id == ticket.partner_id
                and other != ticket
            )

    @api.depends("first_response_at", "closed_date", "create_date")
    def _compute_response_times(self):
        for ticket in self:
            target = ticket.company_id.social_care_response_target_hours
            start = ticket.create_date
            ticket.first_response_hours = _hours_between(
                start, ticket.first_response_at
            )
            response = ticket.first_response_hours
            in_time = ticket.first_response_at and response <= target
            ticket.answered_within_target = 100.0 if in_time else 0.0
            ticket.resolution_hours = _hours_between(start, ticket.closed_date)

    # ------------------------------------------------------------------
    # Inbound: find, create, reopen
    # ------------------------------------------------------------------

    @api.model
    def _social_find_thread_tickets(self, account, thread_keys):
        """The latest ticket of each thread key (closed ones included).

        A conversation moved to private continues where the customer answers:
        the open ticket that sent a private message into a thread takes that
        thread's messages, before a ticket of the thread's own; a closed one
        only when the thread has none (it reopens or is followed up).
        """
        by_thread, moved, moved_closed = {}, {}, {}
        if thread_keys:
            keys = list(thread_keys)
            for ticket in self.with_context(active_test=False).search(
                [
                    ("social_account_id", "=", account.id),
                    "|",
                    ("social_thread_key", "in", keys),
                    ("social_private_thread_key", "in", keys),
                ],
                order="id desc",
            ):
                if ticket.social_thread_key in thread_keys:
                    by_thread.setdefault(ticket.social_thread_key, ticket)
                if ticket.social_private_thread_key in thread_keys:
                    target = moved_closed if ticket.closed else moved
                    target.setdefault(ticket.social_private_thread_key, ticket)
        return {**moved_closed, **by_thread, **moved}

    @api.model
    def _social_create_from_message(self, message, previous=None):
        account = message.account_id
        partner = message.identity_id.partner_id
        text = (message.text or "").strip()
        author = message.identity_id.display_name or _("a customer")
        title = (
            text.splitlines()[0][:TITLE_LENGTH]
            if text
            else _(
                "%(channel)s message from %(author)s",
                channel=CHANNEL_LABELS[message.channel],
                author=author,
            )
        )
        values = {
            "name": title,
            "description": plaintext2html(text) if text else Markup("<p></p>"),
            "partner_id": partner.id,
            "partner_name": partner.name or message.identity_id.name,
            "partner_email": partner.email,
            "company_id": account.company_id.id,
            "team_id": account.team_id.id,
            "channel_id": self.env["ir.model.data"]._xmlid_to_res_id(
                CHANNEL_XMLIDS[message.channel]
            ),
            "social_account_id": account.id,
            "social_channel": message.channel,
            "social_is_private": message.is_private,
            "social_reply_private": message.is_private,
            "social_thread_key": message.thread_key,
            "social_identity_id": message.identity_id.id,
            "social_previous_ticket_id": previous.id if previous else False,
            "social_post_id": message.post_id.id
            or (previous.social_post_id.id if previous else False),
            # Unassigned unless a rule says otherwise: helpdesk_mgmt would
            # assign the ticket to whoever creates it, here the inbox cron.
            "user_id": False,
        }
        after_create = self.env["social.care.rule"]._social_apply_rules(message, values)
        ticket = self.with_context(mail_create_nosubscribe=True).create(values)
        for action in after_create:
            action(ticket)
        if not ticket.social_is_spam:
            ticket._social_suggest_partners(message)
        return ticket

    def _social_reopen_or_follow_up(self, message):
        """A message for a closed ticket: reopen it, or start a linked one."""
        self.ensure_one()
        days = self.company_id.social_care_reopen_days
        if self.closed_date and fields.Datetime.now() - self.closed_date <= timedelta(
            days=days
        ):
            stage = (
                self.team_id._get_applicable_stages().filtered(lambda s: not s.closed)[
                    :1
                ]
                if self.team_id
                else self.env["helpdesk.ticket.stage"].search(
                    [("closed", "=", False)], limit=1
                )
            )
            self.write({"stage_id": stage.id, "closed_date": False})
            self._social_post_note(_("Reopened: the customer wrote again."))
            return self
        ticket = self._social_create_from_message(message, previous=self)
        self._social_post_note(
            Markup("%s %s")
            % (
                _("The customer wrote again; the conversation continues in"),
                ticket._get_html_link(title=ticket.display_name),
            )
        )
        return ticket

    def _social_record_customer_message(self, posted_at):
        """The customer wrote, last at ``posted_at``: written once, if changed."""
        self.ensure_one()
        values = {}
        if not self.social_awaiting_reply:
            values["social_awaiting_reply"] = True
        last = self.social_last_customer_message_at
        if not last or posted_at > last:
            values["social_last_customer_message_at"] = posted_at
        if values:
            self.write(values)

    def _social_record_response(self, responded_at, last_responded_at=None):
        """The company answered the customer at ``responded_at``, on any surface.

        Replies sent from the ticket and those made in the platform's own apps
        (echoes) count alike: the earliest sets the first response, and an
        answer (the latest, ``last_responded_at``, when several came together)
        newer than the customer's last message clears "awaiting our reply".
        """
        latest = last_responded_at or responded_at
        for ticket in self:
            values = {}
            if not ticket.first_response_at or responded_at < ticket.first_response_at:
                values["first_response_at"] = responded_at
            last = ticket.social_last_customer_message_at
            if ticket.social_awaiting_reply and (not last or latest >= last):
                values["social_awaiting_reply"] = False
            if values:
                ticket.sudo().write(values)

    def _social_message_defaults(self):
        """What message_post looks up for each ticket, looked up once for all.

        Company, alias domain and reply-to address (when an alias or catchall
        gives one), by ticket id: passed to message_post, they spare it three
        queries per message of a batch.
        """
        if not self:
            return {}
        company = self.env.company
        domains = self.sudo()._mail_get_alias_domains(default_company=company)
        companies = self._mail_get_companies(default=company)
        reply_to = self._notify_get_reply_to(default=None)
        defaults = {}
        for ticket in self:
            defaults[ticket.id] = {
                "record_alias_domain_id": domains[ticket.id].id,
                "record_company_id": companies[ticket.id].id,
            }
            if reply_to.get(ticket.id):
                defaults[ticket.id]["reply_to"] = reply_to[ticket.id]
        return defaults

    def _social_post_inbound(self, message, attachments, defaults=None):
        """The customer's message in the chatter, authored by their contact.

        Followers notified by email see it from the customer's name at the
        company's address: the customer may have no email, and an agent's email
        reply must not bypass the social channel. ``defaults``: this ticket's
        ``_social_message_defaults``.
        """
        self.ensure_one()
        body = Markup("%s%s") % (
            message._social_header_html(),
            plaintext2html(message.text or ""),
        )
        author = message.identity_id.partner_id
        sender_address = (
            self.company_id.email
            or self.env["ir.mail_server"]._get_default_from_address()
        )
        name = author.name or message.identity_id.display_name
        email_from = formataddr((name, sender_address or ""))
        values = dict(defaults or {})
        if defaults is not None:
            # Without alias nor catchall, message_post replies to the sender.
            values.setdefault("reply_to", email_from)
        return self.with_context(
            social_care_inbound=True, mail_create_nosubscribe=True
        ).message_post(
            body=body,
            author_id=author.id or False,
            email_from=email_from,
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
            attachment_ids=attachments.ids,
            **values,
        )

    def _social_post_note(self, body, defaults=None):
        """A note by OdooBot (``defaults``: see ``_social_message_defaults``)."""
        self.ensure_one()
        author_id = self.env["ir.model.data"]._xmlid_to_res_id("base.partner_root")
        values = dict(defaults or {})
        if defaults is not None and "reply_to" not in values:
            # Without alias nor catchall, message_post replies to the author.
            values["reply_to"] = self._message_compute_author(author_id)[1]
        return self.with_context(social_care_inbound=True).message_post(
            body=body,
            message_type="notification",
            subtype_xmlid="mail.mt_note",
            author_id=author_id,
            **values,
        )

    def _social_suggest_partners(self, message):
        """Contacts this customer may be, when the match is not certain."""
        identity = message.identity_id
        if identity.match_confidence in ("known", "handle", "email", "phone"):
            return
        hints = extract_contact_hints(message.text)
        partners = self.env["res.partner"]
        domain = []
        for email in hints["emails"]:
            domain.append([("email", "=ilike", escape_psql(email))])
        for phone in hints["phones"]:
            domain.append([("phone_sanitized", "like", phone[-9:])])
        if hints["references"]:
            tickets = self.search([("number", "in", hints["references"])], limit=5)
            partners |= tickets.partner_id
        if identity.name and len(identity.name) >= 4:
            domain.append([("name", "=ilike", escape_psql(identity.name))])
        if domain:
            partners |= partners.search(expression.OR(domain), limit=10)
        partners -= identity.partner_id
        if partners:
            self.social_suggested_partner_ids = [(6, 0, partners[:5].ids)]

    def _social_flag_cross_channel_duplicates(self, defaults=None):
        """Another open ticket of the same contact may be the same matter.

        ``self``: tickets just opened, in creation order, each compared with the
        open tickets that existed before it; one search for all of them.
        ``defaults``: ``_social_message_defaults`` of these tickets.
        """
        tickets = self.filtered(lambda t: t.partner_id and not t.social_is_spam)
        if not tickets:
            return
        opened_at = {ticket.id: index for index, ticket in enumerate(self)}
        # Contacts are shared between companies; tickets are not: a company's
        # ticket is compared with that company's tickets only.
        open_tickets = defaultdict(list)
        for other in self.search(
            [
                ("partner_id", "in", tickets.partner_id.ids),
                ("company_id", "in", tickets.company_id.ids),
                ("closed", "=", False),
            ]
        ):
            open_tickets[other.partner_id.id, other.company_id.id].append(other)
        for ticket in tickets:
            others = self.browse(
                [
                    other.id
                    for other in open_tickets[
                        ticket.partner_id.id, ticket.company_id.id
                    ]
                    if opened_at.get(other.id, -1) < opened_at[ticket.id]
                    and (
                        other.channel_id != ticket.channel_id
                        or other.social_thread_key != ticket.social_thread_key
                    )
                ][:5]
            )
            if not others:
                continue
            ticket.social_possible_duplicate_ids = [Command.link(o.id) for o in others]
            others.social_possible_duplicate_ids = [Command.link(ticket.id)]
            links = Markup(", ").join(
                t._get_html_link(title=t.display_name) for t in others
            )
            ticket._social_post_note(
                Markup("%s %s")
                % (
                    _(
                        "This customer has other open tickets, "
                        "possibly about the same matter:"
                    ),
                    links,
                ),
                (defaults or {}).get(ticket.id),
            )

    # ------------------------------------------------------------------
    # Outbound: the chatter's "Send message" goes out on the social channel
    # ------------------------------------------------------------------

    def _social_reply_channel(self, private):
        self.ensure_one()
        channel = self.social_channel
        if private:
            return PRIVATE_OF.get(channel, channel)
        return PUBLIC_OF.get(channel, channel)

    def _social_reply_parent(self, private):
        """The customer's message a reply answers: the latest on its surface."""
        self.ensure_one()
        inbound = self.social_message_ids.filtered(
            lambda m: m.direction == "in" and not m.is_deleted
        ).sorted("posted_at", reverse=True)
        same_surface = inbound.filtered(lambda m: m.is_private == private)
        return (same_surface or inbound)[:1]

    def _social_reply_thread_key(self, private):
        self.ensure_one()
        return self._social_reply_parent(private).thread_key or self.social_thread_key

    def message_post(self, **kwargs):
        if len(self) != 1:
            return super().message_post(**kwargs)
        is_agent_answer = (
            not self.env.context.get("social_care_inbound")
            and kwargs.get("message_type", "notification") == "comment"
            and kwargs.get("subtype_xmlid") == "mail.mt_comment"
            and self.env.user._is_internal()
            and not self.env.user._is_superuser()
        )
        social_ticket = is_agent_answer and self.social_account_id
        social_reply = social_ticket and not self.social_reply_by_email
        if social_ticket:
            # One reply, one channel: the customer is never e-mailed a copy of
            # a social reply, nor made a follower by it.
            kwargs["partner_ids"] = self._social_internal_partner_ids(
                kwargs.get("partner_ids")
            )
        if social_reply:
            text = html_to_text(kwargs.get("body") or "")
            private = self.env.context.get(
                "social_care_private", self.social_reply_private
            )
            attachments = self.env["ir.attachment"].browse(
                kwargs.get("attachment_ids") or []
            )
            self.env["social.care.message"]._social_check_reply(
                self, text, private, attachments
            )
            kwargs["social_care_channel"] = self._social_reply_channel(private)
        elif social_ticket:
            self._social_check_email_reply()
            kwargs["partner_ids"].append(self.partner_id.id)
            kwargs["social_care_channel"] = EMAIL
            self = self.with_context(mail_post_autofollow=False)
        message = super().message_post(**kwargs)
        if is_agent_answer:
            answered = {"social_awaiting_reply": False}
            # A social reply responds once the platform has it (sent, or
            # echoed), not when it is written: approval and the queue come first.
            if not social_reply and not self.first_response_at:
                answered["first_response_at"] = fields.Datetime.now()
            self.sudo().write(answered)
        if social_reply:
            self.env["social.care.message"]._social_queue_reply(
                self, text, private, message, attachments
            )
        return message

    def _get_message_create_valid_field_names(self):
        # Set by message_post only: not in the web client's post parameters.
        return super()._get_message_create_valid_field_names() | {"social_care_channel"}

    def _social_internal_partner_ids(self, partner_ids):
        """Of the partners a reply names, those of employees (colleagues)."""
        partners = self.env["res.partner"].sudo().browse(partner_ids or [])
        return partners.filtered(lambda p: not p.partner_share).ids

    def _social_check_email_reply(self):
        self.ensure_one()
        if not self.partner_id.email:
            raise UserError(
                _(
                    "The customer has no e-mail address: add one to the contact, "
                    "or reply on the social channel."
                )
            )

    def _message_get_suggested_recipients(self):
        """A social ticket's reply goes where its banner says, never to a CC list.

        The customer is not offered as an e-mail recipient: checked, they would
        get an e-mail copy of each social reply. Colleagues stay suggested.
        """
        recipients = super()._message_get_suggested_recipients()
        if not self.sudo().social_account_id:
            return recipients
        internal = set(
            self._social_internal_partner_ids(
                [r["partner_id"] for r in recipients if r.get("partner_id")]
            )
        )
        return [r for r in recipients if r.get("partner_id") in internal]

    def _notify_get_recipients(self, message, msg_vals, **kwargs):
        """Who is e-mailed or notified of a reply: the reply's channel decides.

        A social reply reaches the customer on the platform only: of its
        recipients, employees stay (colleagues following the ticket). A reply
        the agent chose to send by e-mail goes to them and to the customer. Any
        other follower outside the company (e.g. made one by an earlier e-mail)
        is left out of both: the customer is answered on one channel.
        """
        recipients = super()._notify_get_recipients(message, msg_vals, **kwargs)
        # message_post gives its values: no read of the message just created.
        if msg_vals:
            channel = msg_vals.get("social_care_channel")
        else:
            channel = message.sudo().social_care_channel
        if not channel:
            return recipients
        customer = self.sudo().partner_id.id if channel == EMAIL else None
        return [r for r in recipients if not r["share"] or r["id"] == customer]

    def _social_record_reply_sent(self, message):
        if message.permalink and message.mail_message_id:
            message.mail_message_id.sudo().body = Markup("%s%s") % (
                message.mail_message_id.body or "",
                message._social_header_html(),
            )

    # ------------------------------------------------------------------
    # Agent actions
    # ------------------------------------------------------------------

    def action_link_partner(self):
        self.ensure_one()
        return self.env["social.care.link.partner"]._social_open_for(
            self.social_identity_id
        )

    def action_merge_social_duplicate(self):
        """Mark as a duplicate of the flagged ticket, the helpdesk_mgmt way."""
        self.ensure_one()
        action = self.action_open_duplicate_wizard()
        action["context"] = dict(
            action["context"],
            default_duplicate_of_id=self.social_possible_duplicate_ids[:1].id,
        )
        return action

    def action_move_to_private(self):
        """A short public reply, then the conversation goes on in private.

        The public reply uses the company's template; where the platform does
        not allow a public reply, the conversation just switches to private.
        """
        self.ensure_one()
        template = self.company_id.social_care_private_template
        account = self.social_account_id
        public_problem = account._social_outbound_problem(self, template, False)
        # Private messages are the platform's: the conversation leaves e-mail too.
        self.write({"social_reply_private": True, "social_reply_by_email": False})
        if template and not public_problem:
            self.with_context(social_care_private=False).message_post(
                body=template,
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )
            note = _("Moved to private messages: a public reply tells the customer.")
        else:
            note = _(
                "Moved to private messages (no public reply: %(reason)s).",
                reason=public_problem or _("no template"),
            )
        self._social_post_note(note)
        return True

    def action_mark_spam(self):
        """Close as spam: no reply expected, kept for the record and the reports."""
        closed = self.env["helpdesk.ticket.stage"].search(
            [("closed", "=", True)], limit=1
        )
        for ticket in self:
            ticket.write({"social_is_spam": True, "stage_id": closed.id})
            ticket._social_post_note(_("Marked as spam by %s.", self.env.user.name))

    def action_create_lead(self):
        """A CRM lead for the ticket's contact, with the conversation."""
        for ticket in self.filtered(lambda t: not t.lead_id):
            conversation = (
                "\n\n".join(
                    f"{m.identity_id.display_name or ticket.company_id.name}: "
                    f"{m.text or ''}"
                    for m in ticket.social_message_ids.sorted("posted_at")
                )
                or ticket.name
            )
            post = ticket.social_post_id
            lead = self.env["crm.lead"].create(
                {
                    "name": ticket.name,
                    "partner_id": ticket.partner_id.id,
                    "type": "lead",
                    "company_id": ticket.company_id.id,
                    "description": plaintext2html(conversation),
                    "social_ticket_id": ticket.id,
                    "user_id": False,
                    "campaign_id": post.campaign_id.id,
                    "source_id": post.source_id.id,
                    "medium_id": post.medium_id.id,
                }
            )
            ticket.lead_id = lead
            ticket._social_post_note(_("Lead created: %s", lead.name))
        if len(self) == 1:
            return {
                "type": "ir.actions.act_window",
                "res_model": "crm.lead",
                "res_id": self.lead_id.id,
                "view_mode": "form",
            }
        return True

    def action_open_lead(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "crm.lead",
            "res_id": self.lead_id.id,
            "view_mode": "form",
        }
