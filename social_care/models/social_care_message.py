import base64
import logging
import zlib
from datetime import timedelta

import requests
from markupsafe import Markup, escape

from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import plaintext2html
from odoo.tools.mimetypes import guess_mimetype

from ..tools import CHANNELS, SendError, media_type
from .transaction import commit

_logger = logging.getLogger(__name__)

CHANNEL_LABELS = {
    "x_public": "X",
    "x_dm": "X direct message",
    "facebook_comment": "Facebook",
    "messenger": "Messenger",
    "instagram_comment": "Instagram",
    "instagram_dm": "Instagram direct message",
}
CHANNEL_XMLIDS = {
    "x_public": "social_care.helpdesk_ticket_channel_x",
    "x_dm": "social_care.helpdesk_ticket_channel_x",
    "facebook_comment": "social_care.helpdesk_ticket_channel_facebook",
    "messenger": "social_care.helpdesk_ticket_channel_messenger",
    "instagram_comment": "social_care.helpdesk_ticket_channel_instagram",
    "instagram_dm": "social_care.helpdesk_ticket_channel_instagram",
}
SEND_MAX_ATTEMPTS = 5
SENDING_STALE_AFTER = timedelta(minutes=15)


class SocialCareMessage(models.Model):
    """One social post, comment or direct message, in or out.

    Unique per (account, external id): the same message delivered twice, or
    seen by a poll and a webhook, is one row; edits and deletes update it.
    """

    _name = "social.care.message"
    _inherit = "social.care.company.mixin"
    _description = "Social Message"
    _order = "posted_at desc, id desc"
    _rec_name = "external_id"

    account_id = fields.Many2one(
        "social.care.account", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(
        related="account_id.company_id", store=True, index=True
    )
    provider = fields.Selection(related="account_id.provider", store=True)
    external_id = fields.Char("Platform ID", index=True, copy=False)
    version_external_id = fields.Char(
        "Latest version ID",
        index="btree_not_null",
        copy=False,
        readonly=True,
        help="The platform's id of the latest version of an edited post: replies "
        "to that version name it.",
    )
    direction = fields.Selection(
        [("in", "Received"), ("out", "Sent")], required=True, default="in"
    )
    channel = fields.Selection(
        [(c, CHANNEL_LABELS[c]) for c in CHANNELS], required=True
    )
    is_private = fields.Boolean("Private")
    kind = fields.Char(help="mention, reply, quote, comment, visitor_post, dm, ...")
    text = fields.Text()
    original_text = fields.Text(
        "Text as posted",
        readonly=True,
        help="The text exactly as the platform sent it, when the text shown "
        "differs (shortened links expanded).",
    )
    identity_id = fields.Many2one("social.care.identity", "Author", index=True)
    partner_id = fields.Many2one(related="identity_id.partner_id", string="Contact")
    user_id = fields.Many2one(
        "res.users", "Agent", help="Who wrote an outbound message."
    )
    parent_id = fields.Many2one("social.care.message", "In reply to", index=True)
    parent_external_id = fields.Char()
    thread_key = fields.Char(required=True, index=True)
    permalink = fields.Char()
    post_id = fields.Many2one(
        "social.care.post",
        "Origin post",
        index="btree_not_null",
        ondelete="set null",
        help="The post this conversation started under, as the platform told.",
    )
    posted_at = fields.Datetime(default=fields.Datetime.now, index=True)
    ticket_id = fields.Many2one("helpdesk.ticket", index=True, ondelete="set null")
    mail_message_id = fields.Many2one(
        "mail.message", "Chatter message", ondelete="set null"
    )
    from_account = fields.Boolean(help="Written by the connected account itself.")
    is_edited = fields.Boolean("Edited", readonly=True)
    is_deleted = fields.Boolean("Deleted on the platform", readonly=True)
    state = fields.Selection(
        [
            ("received", "Received"),
            ("to_approve", "Waiting for approval"),
            ("queued", "Queued"),
            ("sending", "Sending"),
            ("sent", "Sent"),
            ("failed", "Failed"),
            ("rejected", "Rejected"),
        ],
        default="received",
        required=True,
        index=True,
    )
    attempts = fields.Integer(readonly=True)
    next_attempt_at = fields.Datetime(readonly=True)
    error = fields.Text(readonly=True)
    rejection_reason = fields.Text(
        readonly=True, help="Why a manager turned the reply down; its author sees it."
    )

    def init(self):
        self.env.cr.execute(
            """
            CREATE UNIQUE INDEX IF NOT EXISTS social_care_message_external_uniq
                ON social_care_message (account_id, external_id)
                WHERE external_id IS NOT NULL;
            """
        )

    @api.constrains("account_id", "ticket_id")
    def _check_ticket_company(self):
        """A message goes out through its account: its ticket is of that company."""
        for message in self.sudo():
            ticket_company = message.ticket_id.company_id
            if ticket_company and ticket_company != message.account_id.company_id:
                # Named neither: one of them may be another company's.
                raise ValidationError(
                    _(
                        "A social message and its ticket must belong to the same "
                        "company."
                    )
                )

    # ------------------------------------------------------------------
    # Inbound
    # ------------------------------------------------------------------

    @api.model
    def _social_ingest(self, account, parsed_messages):
        """Record normalized messages of one account; return the rows created.

        Idempotent: a message already known is updated (edit, delete) or
        skipped (duplicate), never created twice. ``parsed_messages`` may be a
        whole batch of events in arrival order: look-ups are made once for all
        of them and rows are created together, with the outcome of ingesting
        them one by one.
        """
        if not parsed_messages:
            return self.browse()
        rows = self._social_known(account, parsed_messages)
        firsts, values, parents, joined = {}, {}, {}, set()
        # Edited posts of this batch, by the id of their new version.
        versions = {
            p.version_id: p.external_id for p in parsed_messages if p.version_id
        }
        for parsed in parsed_messages:
            external_id = parsed.external_id
            if external_id in rows or external_id in firsts:
                continue
            # A reply belongs to its parent's conversation when we know the
            # parent: recorded, or created earlier in this batch.
            parent_ref = versions.get(
                parsed.parent_external_id, parsed.parent_external_id
            )
            parent = values.get(parent_ref)
            if parent:
                parents[external_id] = parent_ref
            else:
                parent = rows.get(parent_ref)
            if self._social_joins_parent(parent):
                joined.add(external_id)
            firsts[external_id] = parsed
            values[external_id] = self._social_inbound_values(account, parsed, parent)
        self._social_set_authors(account, firsts, values)
        self._social_set_origin_posts(account, firsts, values, joined)
        created = self.create(list(values.values()))
        rows.update(zip(values, created, strict=True))
        for external_id, parent_external_id in parents.items():
            rows[external_id].parent_id = rows[parent_external_id]
        opened = created._social_attach_tickets()
        defaults = created.ticket_id._social_message_defaults()
        opened._social_flag_cross_channel_duplicates(defaults)
        for parsed in parsed_messages:
            message = rows[parsed.external_id]
            if firsts.get(parsed.external_id) is parsed:
                message._social_post_new(parsed, defaults)
            else:
                message._social_apply_update(parsed)
        return created

    @api.model
    def _social_known(self, account, parsed_messages):
        """Rows already recorded, by external id: the messages and their parents.

        Our own outbound messages coming back (Meta echo metadata) are found by
        the reference we sent, and get the platform's id.
        """
        external_ids = {m.external_id for m in parsed_messages} | {
            m.parent_external_id for m in parsed_messages if m.parent_external_id
        }
        known = {}
        for message in self.search(
            [
                ("account_id", "=", account.id),
                "|",
                ("external_id", "in", list(external_ids)),
                ("version_external_id", "in", list(external_ids)),
            ]
        ):
            known[message.external_id] = message
            if message.version_external_id:  # a reply to the edited version
                known.setdefault(message.version_external_id, message)
        echoes = {}
        for parsed in parsed_messages:
            prefix, _sep, reference = parsed.app_metadata.partition(":")
            if (
                parsed.from_account
                and prefix == "social_care"
                and reference.isdigit()
                and parsed.external_id not in known
            ):
                echoes.setdefault(int(reference), parsed.external_id)
        if echoes:
            for echo_of in self.search(
                [("id", "in", list(echoes)), ("account_id", "=", account.id)]
            ):
                if not echo_of.external_id:
                    echo_of.external_id = echoes[echo_of.id]
                if echo_of.state == "failed":
                    echo_of._social_confirm_sent()
                known.setdefault(echoes[echo_of.id], echo_of)
        return known

    def _social_confirm_sent(self):
        """The platform shows a reply we had failed (no answer came): it went out.

        Marked sent, the agent's "check before retrying" activity is closed,
        and nobody resends it.
        """
        self.ensure_one()
        self.write({"state": "sent", "error": False, "next_attempt_at": False})
        self.ticket_id._social_record_response(fields.Datetime.now())
        activities = self.ticket_id.activity_ids.filtered(
            lambda a: a.activity_type_id
            == self.env.ref("social_care.mail_activity_social_reply_failed")
        )
        activities.action_feedback(
            feedback=_("The platform confirmed the reply was sent.")
        )

    def _social_apply_update(self, parsed):
        """An edit or delete of a known message; a plain duplicate changes nothing."""
        self.ensure_one()
        if parsed.version_id and parsed.version_id != self.version_external_id:
            self.version_external_id = parsed.version_id
        if parsed.action == "edit" and parsed.text != self.text and not self.is_deleted:
            self.write(
                {
                    "text": parsed.text,
                    "original_text": parsed.original_text or False,
                    "is_edited": True,
                }
            )
            if self.ticket_id:
                self.ticket_id._social_post_note(
                    Markup("%s<br/>%s")
                    % (
                        _("The customer edited their message:"),
                        plaintext2html(parsed.text or ""),
                    )
                )
        elif parsed.action == "delete" and not self.is_deleted:
            self.write({"is_deleted": True})
            if self.ticket_id:
                self.ticket_id._social_post_note(
                    _("The customer deleted this message on the platform.")
                )

    @api.model
    def _social_inbound_values(self, account, parsed, parent):
        """A new row's values. ``parent``: a row, or the values of a new one."""
        return {
            "account_id": account.id,
            "external_id": parsed.external_id,
            "direction": "out" if parsed.from_account else "in",
            "state": "sent" if parsed.from_account else "received",
            "from_account": parsed.from_account,
            "channel": parsed.channel,
            "is_private": parsed.is_private,
            "kind": parsed.kind,
            "text": parsed.text,
            "original_text": parsed.original_text or False,
            "version_external_id": parsed.version_id or False,
            "parent_external_id": parsed.parent_external_id or False,
            "parent_id": parent.id if isinstance(parent, models.BaseModel) else False,
            "thread_key": (self._social_joins_parent(parent) and parent["thread_key"])
            or parsed.thread_key,
            "permalink": parsed.permalink or False,
            "posted_at": parsed.created_at or fields.Datetime.now(),
            "is_edited": parsed.action == "edit",
            "is_deleted": parsed.action == "delete",
        }

    @api.model
    def _social_joins_parent(self, parent):
        """Whether a reply to ``parent`` (a row, or new values) joins its thread.

        Not under the account's own post: shared by every customer answering
        it, it is split per customer by the parser's thread keys.
        """
        if not parent:
            return False
        own_post = parent["from_account"] and not (
            parent["parent_external_id"] or parent["parent_id"]
        )
        return not own_post

    @api.model
    def _social_set_authors(self, account, firsts, values):
        """The authors of new customer messages, resolved together.

        A message deleted before we saw it gets no author: it is a tombstone.
        """
        authored = [
            parsed
            for parsed in firsts.values()
            if parsed.author and not parsed.from_account and parsed.action != "delete"
        ]
        identities = self.env["social.care.identity"]._social_resolve(
            account.provider,
            [(account._social_identity_scope(p), p.author) for p in authored],
            account.company_id,
        )
        for parsed, identity in zip(authored, identities, strict=True):
            values[parsed.external_id]["identity_id"] = identity.id

    @api.model
    def _social_set_origin_posts(self, account, firsts, values, joined):
        """The origin posts of new customer messages that start a conversation.

        A message that ``joined`` its known parent's thread is in a
        conversation already started; the posts are recorded together, for
        the whole batch.
        """
        starting = [
            parsed
            for parsed in firsts.values()
            if parsed.origin_post
            and not parsed.from_account
            and parsed.action != "delete"
            and parsed.external_id not in joined
        ]
        posts = self.env["social.care.post"]._social_record(
            account, [parsed.origin_post for parsed in starting]
        )
        for parsed in starting:
            values[parsed.external_id]["post_id"] = posts[
                parsed.origin_post.external_id
            ].id

    def _social_attach_tickets(self):
        """Give each new message its ticket, in arrival order; return those opened.

        A customer message joins its thread's ticket, reopens or follows up a
        closed one, or opens one; the account's own messages only join an
        existing ticket. The threads are locked first, in a fixed order, so
        two workers never open one thread twice nor wait for each other.
        """
        tickets = self.env["helpdesk.ticket"]
        messages = self.filtered(lambda m: not m.is_deleted)
        if not messages:
            return tickets
        account = messages.account_id
        account.ensure_one()
        customer = messages.filtered(lambda m: not m.from_account)
        locks = sorted(
            {
                zlib.crc32(f"{account.id}:{key}".encode()) - 2**31
                for key in customer.mapped("thread_key")
            }
        )
        if locks:
            self.env.cr.execute(
                "SELECT pg_advisory_xact_lock(k) FROM unnest(%s::bigint[]) AS k",
                [locks],
            )
        by_thread = tickets._social_find_thread_tickets(
            account, set(messages.mapped("thread_key"))
        )
        opened, last_posted, answered = tickets, {}, {}
        for message in messages:
            ticket = by_thread.get(message.thread_key, tickets)
            if message.from_account and ticket:
                # Answered in the platform's own app: a response like any other.
                first, last = answered.get(ticket, (message.posted_at,) * 2)
                answered[ticket] = (
                    min(first, message.posted_at),
                    max(last, message.posted_at),
                )
            if not message.from_account:
                if ticket.social_private_thread_key == message.thread_key:
                    message._social_link_private_identity(ticket)
                if ticket.closed:
                    ticket = ticket._social_reopen_or_follow_up(message)
                elif not ticket:
                    ticket = tickets._social_create_from_message(message)
                if ticket != by_thread.get(message.thread_key):
                    opened |= ticket
                by_thread[message.thread_key] = ticket
                if not ticket.social_is_spam:
                    last_posted[ticket] = max(
                        last_posted.get(ticket, message.posted_at), message.posted_at
                    )
            message.ticket_id = ticket
        for ticket, posted_at in last_posted.items():
            ticket._social_record_customer_message(posted_at)
        for ticket, (first, last) in answered.items():
            ticket._social_record_response(first, last)
        return opened

    def _social_link_private_identity(self, ticket):
        """The customer answering our private message is the ticket's contact.

        The platform delivered the private reply to the person who wrote
        publicly, so the id they answer from (page-scoped on Messenger) is
        theirs: an identity met for the first time here takes the ticket's
        contact rather than one of its own.
        """
        identity = self.identity_id
        if (
            not identity
            or not ticket.partner_id
            or identity.partner_id == ticket.partner_id
            or self.env["helpdesk.ticket"].search_count(
                [("social_identity_id", "=", identity.id)], limit=1
            )
        ):
            return
        identity.sudo().write(
            {"partner_id": ticket.partner_id.id, "match_confidence": "known"}
        )

    def _social_post_new(self, parsed, defaults):
        """A new message in its ticket's chatter (``defaults``: per ticket id).

        The account's own post or reply made outside Odoo shows as the
        company's note; a customer's, as theirs, with its media.
        """
        self.ensure_one()
        ticket = self.ticket_id
        if not ticket:
            return
        if self.from_account:
            body = Markup("%s%s") % (
                self._social_header_html(),
                plaintext2html(self.text or ""),
            )
            self.mail_message_id = ticket.with_context(
                social_care_inbound=True
            ).message_post(
                body=body,
                author_id=self.account_id.company_id.partner_id.id,
                message_type="comment",
                subtype_xmlid="mail.mt_note",
                **defaults.get(ticket.id, {}),
            )
            return
        if ticket.social_is_spam:
            return
        attachments = self._social_download_media(parsed.attachments)
        self.mail_message_id = ticket._social_post_inbound(
            self, attachments, defaults.get(ticket.id)
        )

    def _social_header_html(self):
        """A line above each message in the chatter: channel, visibility, link."""
        self.ensure_one()
        label = CHANNEL_LABELS.get(self.channel, self.channel)
        visibility = _("private message") if self.is_private else _("public")
        link = Markup("")
        if self.permalink and self.permalink.startswith("https://"):
            link = Markup(
                ' · <a href="%s" target="_blank" rel="noopener noreferrer">%s</a>'
            ) % (self.permalink, _("view original"))
        return Markup(
            '<p class="o_social_care_header text-muted small">%s · %s%s</p>'
        ) % (label, visibility, link)

    def _social_download_media(self, attachments):
        """Fetch media from the platform's own hosts only, size-limited.

        A media that cannot be fetched is noted on the ticket; the message stays.
        """
        self.ensure_one()
        if not attachments:
            return self.env["ir.attachment"]
        values, notes = [], []
        for index, attachment in enumerate(attachments):
            _target, problem = self.account_id._social_media_target(attachment.url)
            if problem:
                notes.append(
                    _(
                        "Attachment not fetched (not from the platform's hosts: "
                        "%(why)s): %(url)s",
                        why=problem,
                        url=attachment.url,
                    )
                )
                continue
            try:
                content = self.account_id._social_once(
                    "media",
                    attachment.url,
                    lambda url=attachment.url: self.account_id._social_fetch_media(url),
                )
            except (requests.RequestException, ValueError) as error:
                notes.append(
                    _(
                        "Attachment could not be downloaded (%(error)s): %(url)s",
                        error=error,
                        url=attachment.url,
                    )
                )
                continue
            sniffed = guess_mimetype(content)
            mimetype, refused = media_type.stored_type(
                sniffed, content, attachment.kind, attachment.mimetype
            )
            if refused:
                notes.append(
                    _(
                        "Attachment not stored (announced as %(announced)s, the file "
                        "is %(actual)s): %(url)s",
                        announced=attachment.mimetype or attachment.kind,
                        actual=sniffed,
                        url=attachment.url,
                    )
                )
                continue
            values.append(
                {
                    "name": attachment.name or f"{self.external_id}-{index + 1}",
                    "datas": base64.b64encode(content),
                    "res_model": "helpdesk.ticket",
                    "res_id": self.ticket_id.id,
                    # What the bytes are, never the payload's word or name.
                    "mimetype": mimetype,
                }
            )
        if notes:
            self.ticket_id._social_post_note(
                Markup("<br/>").join(escape(n) for n in notes)
            )
        return self.env["ir.attachment"].create(values)

    # ------------------------------------------------------------------
    # Outbound
    # ------------------------------------------------------------------

    @api.model
    def _social_check_reply(self, ticket, text, private, attachments=None):
        """Refuse, before posting or queueing, what the platform would refuse."""
        account = ticket.social_account_id
        if attachments:
            problem = account._social_media_problem(ticket, attachments.sudo(), private)
            if problem:
                raise UserError(problem)
            account = account.with_context(social_care_with_media=True)
        problem = account._social_outbound_problem(ticket, text, private)
        if problem:
            raise UserError(problem)

    @api.model
    def _social_queue_reply(
        self, ticket, text, private, mail_message=None, attachments=None
    ):
        """Queue a checked reply, or hold it for a manager's approval."""
        account = ticket.social_account_id
        channel = ticket._social_reply_channel(private)
        needs_approval = not self.env.user.has_group(
            "social_care.group_social_care_manager"
        ) and (
            (
                not private
                and (
                    ticket.team_id.social_care_approve_public
                    or ticket.sudo().social_approval_required
                )
            )
            or account._social_reply_needs_approval(ticket, private)
        )
        # Agents read social messages, never write them: the row is made here,
        # after the checks, so a reply cannot skip them or the approval.
        message = self.sudo().create(
            {
                "account_id": account.id,
                "direction": "out",
                "channel": channel,
                "is_private": private,
                "kind": "dm" if private else "reply",
                "text": text,
                "user_id": self.env.user.id,
                "thread_key": ticket._social_reply_thread_key(private),
                "parent_id": ticket._social_reply_parent(private).id,
                "ticket_id": ticket.id,
                "mail_message_id": mail_message.id if mail_message else False,
                "state": "to_approve" if needs_approval else "queued",
                "attachment_ids": [Command.set(attachments.ids if attachments else [])],
            }
        )
        if not needs_approval:
            self.env.ref("social_care.ir_cron_send_messages")._trigger()
        return message

    def write(self, vals):
        """A reply's text changed before it went out is checked again.

        Managers may correct a reply waiting for approval, or a failed one:
        what they write must pass the platform's limits like the agent's, and
        the ticket says who changed what.
        """
        edited = self.browse()
        if "text" in vals:
            edited = self.filtered(
                lambda m: m.direction == "out"
                and m.state in ("to_approve", "queued", "failed")
                and m.text != vals["text"]
            )
            for message in edited.filtered("ticket_id"):
                self._social_check_reply(
                    message.ticket_id,
                    vals["text"] or "",
                    message.is_private,
                    message.attachment_ids,
                )
        result = super().write(vals)
        for message in edited.filtered("ticket_id"):
            message.ticket_id._social_post_note(
                Markup("%s<br/>%s")
                % (
                    _(
                        "%(user)s changed this reply before it was sent:",
                        user=self.env.user.name,
                    ),
                    plaintext2html(message.text or ""),
                )
            )
        return result

    def action_reject(self):
        """Open the dialog where a manager says why a reply is not sent."""
        if not self.env.user.has_group("social_care.group_social_care_manager"):
            raise UserError(_("Only social care managers reject public replies."))
        waiting = self.filtered(lambda m: m.state == "to_approve")
        if not waiting:
            raise UserError(_("Only replies waiting for approval can be rejected."))
        return {
            "type": "ir.actions.act_window",
            "name": _("Reject reply"),
            "res_model": "social.care.reply.reject",
            "view_mode": "form",
            "target": "new",
            "context": {"default_message_ids": waiting.ids},
        }

    def _social_reject(self, reason):
        """Not sent: the author sees the manager's reason and is asked to rewrite."""
        waiting = self.filtered(lambda m: m.state == "to_approve")
        waiting.sudo().write({"state": "rejected", "rejection_reason": reason})
        for message in waiting.filtered("ticket_id"):
            ticket = message.ticket_id
            note = _(
                "%(user)s rejected this reply; it was not sent. Reason: %(reason)s",
                user=self.env.user.name,
                reason=reason,
            )
            ticket._social_post_note(
                Markup("%s<br/><i>%s</i>") % (note, plaintext2html(message.text or ""))
            )
            ticket.activity_schedule(
                "social_care.mail_activity_social_reply_rejected",
                summary=_("Social reply rejected"),
                note=reason,
                user_id=(message.user_id or ticket.user_id or self.env.user).id,
            )

    def action_approve(self):
        if not self.env.user.has_group("social_care.group_social_care_manager"):
            raise UserError(_("Only social care managers approve public replies."))
        self.filtered(lambda m: m.state == "to_approve").write({"state": "queued"})
        self.env.ref("social_care.ir_cron_send_messages")._trigger()

    def action_retry(self):
        """Queue a failed message again: an agent's decision, after the error."""
        self.filtered(lambda m: m.state == "failed").sudo().write(
            {"state": "queued", "next_attempt_at": False, "error": False}
        )
        self.env.ref("social_care.ir_cron_send_messages")._trigger()

    @api.model
    def _cron_send_messages(self, batch_size=50):
        self._social_fail_stale_sending()
        self.env.flush_all()
        # Messages of an account in error wait for its reconnection; those of
        # a disabled account wait until an administrator enables it again.
        self.env.cr.execute(
            """
            SELECT message.id
              FROM social_care_message message
              JOIN social_care_account account ON account.id = message.account_id
             WHERE message.state = 'queued'
               AND account.state NOT IN ('error', 'disabled')
               AND (message.next_attempt_at IS NULL
                    OR message.next_attempt_at <= now() at time zone 'utc')
             ORDER BY message.id LIMIT %s FOR UPDATE OF message SKIP LOCKED
            """,
            [batch_size],
        )
        for message in self.browse([row[0] for row in self.env.cr.fetchall()]):
            # The account's state may have changed in the batch.
            if message.account_id.state not in ("error", "disabled"):
                message._social_send_one()

    def _social_fail_stale_sending(self):
        """A send interrupted mid-call may have gone out: never resend blindly."""
        stale = self.search(
            [
                ("state", "=", "sending"),
                ("write_date", "<", fields.Datetime.now() - SENDING_STALE_AFTER),
            ]
        )
        confirmed = stale.filtered("external_id")  # the platform's echo came
        confirmed.write({"state": "sent", "error": False})
        for message in stale - confirmed:
            message._social_mark_failed(
                _(
                    "Sending was interrupted; it may or may not have reached the "
                    "platform. "
                    "Check the conversation there before retrying."
                )
            )

    def _social_send_one(self):
        """Send one message; 'sending' is committed first: a crash never resends."""
        self.ensure_one()
        self.write({"state": "sending", "attempts": self.attempts + 1})
        commit(self.env)
        try:
            result = self.account_id._social_send(self)
        except SendError as error:
            self._social_handle_send_error(error)
        else:
            self.write(
                {
                    "state": "sent",
                    "external_id": result.external_id or False,
                    "permalink": result.permalink or False,
                    "posted_at": fields.Datetime.now(),
                    "error": False,
                    "next_attempt_at": False,
                }
            )
            self.ticket_id._social_record_reply_sent(self)
            self.ticket_id._social_record_response(self.posted_at)
            self._social_record_private_thread(result.thread_key)
        # The platform has it now: record that before anything else can fail.
        commit(self.env)

    def _social_record_private_thread(self, thread_key):
        """The private conversation this reply went into belongs to its ticket."""
        self.ensure_one()
        ticket = self.ticket_id
        if not thread_key or thread_key == self.thread_key:
            return
        self.thread_key = thread_key
        if ticket and thread_key != ticket.social_thread_key:
            ticket.sudo().social_private_thread_key = thread_key

    def _social_handle_send_error(self, error):
        if error.retryable and self.attempts < SEND_MAX_ATTEMPTS:
            backoff = timedelta(minutes=2**self.attempts)
            retry_at = error.retry_at or fields.Datetime.now() + backoff
            self.write(
                {"state": "queued", "next_attempt_at": retry_at, "error": error.message}
            )
            self.env.ref("social_care.ir_cron_send_messages")._trigger(retry_at)
            return
        if error.kind == "auth":
            # The account's access is gone, not this message's chance: it
            # waits, queued, and goes out once an admin reconnects the account.
            self.account_id._social_set_error(error.message)
            self.write(
                {
                    "state": "queued",
                    "next_attempt_at": False,
                    "error": _(
                        "Waiting for the account to be reconnected: %s", error.message
                    ),
                }
            )
            return
        if error.kind == "uncertain":
            self._social_mark_uncertain(error.message)
            return
        self._social_mark_failed(error.message)

    def _social_check_url(self):
        """Where an agent sees whether a reply went out: the customer's post, if any."""
        self.ensure_one()
        posts = self.parent_id | self.ticket_id.social_message_ids.filtered(
            lambda m: m.direction == "in"
        )
        return next(
            (
                url
                for url in posts.mapped("permalink")
                if (url or "").startswith("https://")
            ),
            "",
        )

    def _social_mark_uncertain(self, reason):
        """No answer after the platform got the request: it may have posted it.

        Retrying blindly could post the reply twice, so the message fails with
        a sentence saying where to look; the agent retries if it is not there.
        """
        self.ensure_one()
        url = self._social_check_url()
        where = url or _("the conversation on the platform")
        self._social_mark_failed(
            _(
                "%(reason)s The reply may have been posted: check %(where)s before "
                "retrying.",
                reason=reason,
                where=where,
            ),
            summary=_("Social reply may have been sent"),
        )

    def _social_mark_failed(self, reason, summary=None):
        self.write({"state": "failed", "error": reason, "next_attempt_at": False})
        for message in self.filtered("ticket_id"):
            ticket = message.ticket_id
            ticket.activity_schedule(
                "social_care.mail_activity_social_reply_failed",
                summary=summary or _("Social reply not sent"),
                note=reason,
                user_id=(message.user_id or ticket.user_id or self.env.user).id,
            )
