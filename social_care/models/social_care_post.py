from dataclasses import replace

from odoo import _, api, fields, models
from odoo.osv import expression
from odoo.tools.sql import escape_psql

from ..tools.utm import URL_RE, UTM_KEYS, utm_parameters

NAME_LENGTH = 60
EXCERPT_LENGTH = 500
UTM_MODELS = {
    "campaign": "utm.campaign",
    "source": "utm.source",
    "medium": "utm.medium",
}


class SocialCarePost(models.Model):
    """A post that social conversations started under, and the tickets it raised.

    Recorded during ingestion from what the platform tells of a conversation's
    origin post (the post commented on, the ad a message came from). Its UTM
    campaign, source and medium come from the links in its text or address, or
    from a manager; the tickets' campaign follows the post's.
    """

    _name = "social.care.post"
    _inherit = ["utm.mixin", "social.care.company.mixin"]
    _description = "Social Post"
    _order = "last_ticket_at desc, id desc"

    name = fields.Char(compute="_compute_name", store=True)
    account_id = fields.Many2one(
        "social.care.account", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(
        related="account_id.company_id", store=True, index=True
    )
    provider = fields.Selection(related="account_id.provider", store=True)
    external_id = fields.Char("Platform ID", required=True, readonly=True)
    kind = fields.Char(readonly=True, help="post, media, reel, ad, story, tweet, ...")
    permalink = fields.Char(readonly=True)
    excerpt = fields.Text(readonly=True)
    is_own = fields.Boolean(
        "Own post",
        readonly=True,
        help="Written by the connected account itself, as the platform told.",
    )
    ticket_ids = fields.One2many(
        "helpdesk.ticket", "social_post_id", "Tickets from this post"
    )
    ticket_count = fields.Integer(
        "Tickets", compute="_compute_ticket_stats", store=True
    )
    first_ticket_at = fields.Datetime(
        "First ticket", compute="_compute_ticket_stats", store=True
    )
    last_ticket_at = fields.Datetime(
        "Last ticket", compute="_compute_ticket_stats", store=True
    )

    _sql_constraints = [
        (
            "post_external_uniq",
            "unique(account_id, external_id)",
            "This post is already recorded for this account.",
        ),
    ]

    @api.depends("excerpt", "external_id", "kind")
    def _compute_name(self):
        for post in self:
            # Links make poor names: the words around them say what the post is.
            text = " ".join(URL_RE.sub("", post.excerpt or "").split())
            if len(text) > NAME_LENGTH:
                text = text[: NAME_LENGTH - 1] + "…"
            post.name = text or _("Post %s", post.external_id)

    @api.depends("ticket_ids.create_date", "ticket_ids.active")
    def _compute_ticket_stats(self):
        stats = {
            post.id: (count, first, last)
            for post, count, first, last in self.env["helpdesk.ticket"]._read_group(
                [("social_post_id", "in", self.ids)],
                ["social_post_id"],
                ["__count", "create_date:min", "create_date:max"],
            )
        }
        for post in self:
            count, first, last = stats.get(post.id, (0, False, False))
            post.update(
                {
                    "ticket_count": count,
                    "first_ticket_at": first,
                    "last_ticket_at": last,
                }
            )

    def action_open_tickets(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "helpdesk_mgmt.helpdesk_ticket_action"
        )
        action.update(
            domain=[("social_post_id", "=", self.id)],
            context={"default_social_post_id": self.id},
        )
        return action

    # ------------------------------------------------------------------
    # Ingestion
    # ------------------------------------------------------------------

    @api.model
    def _social_record(self, account, origins):
        """The posts of ``origins`` (OriginPost) by external id, in one go.

        Known posts are completed with what they lacked (address, text, being
        the account's own); new ones are created together, with their UTM.
        """
        merged = {}
        for origin in origins:
            known = merged.get(origin.external_id)
            merged[origin.external_id] = (
                replace(
                    known,
                    permalink=known.permalink or origin.permalink,
                    text=known.text or origin.text,
                    from_account=known.from_account or origin.from_account,
                )
                if known
                else origin
            )
        if not merged:
            return {}
        posts = {
            post.external_id: post
            for post in self.search(
                [("account_id", "=", account.id), ("external_id", "in", list(merged))]
            )
        }
        for external_id, post in posts.items():
            post._social_complete(merged[external_id])
        new = [
            origin for external_id, origin in merged.items() if external_id not in posts
        ]
        if new:
            utm = self._social_utm_values(new)
            created = self.create(
                [
                    {
                        "account_id": account.id,
                        "external_id": origin.external_id,
                        "kind": origin.kind,
                        "permalink": origin.permalink or False,
                        "excerpt": origin.text[:EXCERPT_LENGTH] or False,
                        "is_own": origin.from_account,
                        **utm[index],
                    }
                    for index, origin in enumerate(new)
                ]
            )
            posts.update(zip((o.external_id for o in new), created, strict=True))
        return posts

    def _social_complete(self, origin):
        """What a later message tells of a known post that it did not know."""
        self.ensure_one()
        values = {}
        if origin.permalink and not self.permalink:
            values["permalink"] = origin.permalink
        if origin.text and not self.excerpt:
            values["excerpt"] = origin.text[:EXCERPT_LENGTH]
        if origin.from_account and not self.is_own:
            values["is_own"] = True
        if values:
            self.write(values)

    @api.model
    def _social_utm_values(self, origins):
        """Campaign, source and medium of each new post, from its links.

        Matched by name with the existing UTM records, one search per kind for
        all posts. Customer input never creates a UTM record: only the
        account's own posts do, when nothing matches.
        """
        wanted = [utm_parameters(o.text, o.permalink) for o in origins]
        values = [{} for _origin in origins]
        for key in UTM_KEYS:
            names = {params[key] for params in wanted if key in params}
            if not names:
                continue
            creatable = {
                params[key]
                for params, origin in zip(wanted, origins, strict=True)
                if key in params and origin.from_account
            }
            by_name = self._social_utm_records(UTM_MODELS[key], names, creatable)
            for params, post_values in zip(wanted, values, strict=True):
                record = by_name.get(params.get(key, "").lower())
                if record:
                    post_values[f"{key}_id"] = record.id
        return values

    @api.model
    def _social_utm_records(self, model_name, names, creatable):
        """UTM records by lowercase name: found case-insensitively, archived
        ones too; those of ``creatable`` that none matches are created."""
        model = self.env[model_name].with_context(active_test=False)
        records = model.search(
            expression.OR([[("name", "=ilike", escape_psql(name))] for name in names])
        )
        by_name = {record.name.lower(): record for record in records}
        missing = {
            name.lower(): name
            for name in sorted(creatable)
            if name.lower() not in by_name
        }
        if missing:
            values = [
                {"title": name, "is_auto_campaign": True}
                if model_name == "utm.campaign"
                else {"name": name}
                for name in missing.values()
            ]
            by_name.update(zip(missing, model.create(values), strict=True))
        return by_name
