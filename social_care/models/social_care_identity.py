from odoo import _, api, fields, models


class SocialCareIdentity(models.Model):
    """A person on a platform, tied to the contact they are in Odoo.

    Meta's user ids are page-scoped, hence ``scope``: the same person has one
    id per page, and one contact gathers all of them.
    """

    _name = "social.care.identity"
    _description = "Social Identity"
    _order = "provider, handle, id"
    _rec_names_search = ["handle", "name", "external_id"]

    provider = fields.Selection(
        selection=lambda self: self.env["social.care.app"]
        ._fields["provider"]
        .selection,
        required=True,
    )
    scope = fields.Char(
        default="", help="For page-scoped ids (Meta): the page or account id."
    )
    external_id = fields.Char("Platform user ID", required=True)
    handle = fields.Char()
    name = fields.Char()
    avatar_url = fields.Char()
    profile_url = fields.Char()
    followers_count = fields.Integer()
    partner_id = fields.Many2one(
        "res.partner", "Contact", index=True, ondelete="set null"
    )
    company_id = fields.Many2one("res.company", default=lambda self: self.env.company)
    match_confidence = fields.Selection(
        [
            ("known", "Linked by an agent"),
            ("handle", "Handle recorded on the contact"),
            ("email", "Same email"),
            ("phone", "Same phone"),
            ("created", "Contact created"),
        ],
        readonly=True,
    )
    message_ids = fields.One2many("social.care.message", "identity_id")
    message_count = fields.Integer(compute="_compute_message_count")

    _sql_constraints = [
        (
            "identity_uniq",
            "unique(provider, scope, external_id)",
            "This platform user already has an identity.",
        ),
    ]

    @api.depends("handle", "name", "provider")
    def _compute_display_name(self):
        labels = dict(self._fields["provider"]._description_selection(self.env))
        for identity in self:
            who = (
                f"@{identity.handle}"
                if identity.handle
                else identity.name or identity.external_id
            )
            identity.display_name = f"{who} ({labels.get(identity.provider, '')})"

    def _compute_message_count(self):
        counts = dict(
            self.env["social.care.message"]._read_group(
                [("identity_id", "in", self.ids)], ["identity_id"], ["__count"]
            )
        )
        for identity in self:
            identity.message_count = counts.get(identity, 0)

    @api.model
    def _social_get_or_create(self, provider, scope, author, company):
        """The identity of an author, created (with its contact) when unknown."""
        identity = self.search(
            [
                ("provider", "=", provider),
                ("scope", "=", scope),
                ("external_id", "=", author.external_id),
            ],
            limit=1,
        )
        profile = {
            key: value
            for key, value in {
                "handle": author.handle,
                "name": author.name,
                "avatar_url": author.avatar_url,
                "profile_url": author.profile_url,
                "followers_count": author.followers_count,
            }.items()
            if value not in (None, "")
        }
        if identity:
            changed = {k: v for k, v in profile.items() if identity[k] != v}
            if changed:
                identity.write(changed)
            if not identity.partner_id:
                identity._social_match_partner(author, company)
            return identity
        identity = self.create(
            dict(
                profile,
                provider=provider,
                scope=scope,
                external_id=author.external_id,
                company_id=company.id,
            )
        )
        identity._social_match_partner(author, company)
        return identity

    def _social_match_partner(self, author, company):
        """Find the contact this person already is, or create one (company policy)."""
        self.ensure_one()
        partners = self.env["res.partner"].with_context(active_test=False)
        partner, confidence = partners, False
        if self.handle:
            partner = partners.search(
                [("social_handles", "ilike", self.handle)], limit=5
            ).filtered(lambda p: self.handle.lower() in p._social_handle_list())[:1]
            confidence = "handle"
        if not partner and author.email:
            partner = partners.search([("email", "=ilike", author.email)], limit=1)
            confidence = "email"
        if not partner and author.phone:
            partner = partners.search(
                ["|", ("phone", "=", author.phone), ("mobile", "=", author.phone)],
                limit=1,
            )
            confidence = "phone"
        if not partner and company.social_care_partner_policy == "create":
            partner = partners.create(self._social_partner_values(author))
            confidence = "created"
        if partner:
            self.write({"partner_id": partner.id, "match_confidence": confidence})

    def _social_partner_values(self, author):
        return {
            "name": self.name
            or (
                f"@{self.handle}"
                if self.handle
                else _("Social user %s", self.external_id)
            ),
            "email": author.email or False,
            "phone": author.phone or False,
            "social_handles": self.handle or False,
            "company_id": False,
        }

    def action_link_partner(self):
        return self.env["social.care.link.partner"]._social_open_for(self)

    def _social_relink(self, partner):
        """Move identities, their tickets and messages' authorship to ``partner``."""
        previous = self.mapped("partner_id")
        self.write({"partner_id": partner.id, "match_confidence": "known"})
        tickets = self.env["helpdesk.ticket"].search(
            [("social_identity_id", "in", self.ids)]
        )
        tickets.write(
            {
                "partner_id": partner.id,
                "partner_name": partner.name,
                "partner_email": partner.email,
            }
        )
        chatter = self.env["mail.message"].search(
            [
                ("id", "in", self.message_ids.mail_message_id.ids),
                ("author_id", "in", previous.ids),
            ]
        )
        chatter.sudo().write({"author_id": partner.id})
        return tickets
