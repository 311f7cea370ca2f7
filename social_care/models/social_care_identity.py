from odoo import _, api, fields, models
from odoo.exceptions import AccessError
from odoo.osv import expression
from odoo.tools import escape_psql

# What the platform says about the person, and who they are in Odoo: written
# by the ingestion and by the link wizard (which checks the agent first), never
# straight by users.
PROTECTED_FIELDS = frozenset(
    {
        "provider",
        "scope",
        "external_id",
        "handle",
        "name",
        "avatar_url",
        "profile_url",
        "followers_count",
        "partner_id",
        "match_confidence",
    }
)


class SocialCareIdentity(models.Model):
    """A person on a platform, tied to the contact they are in Odoo.

    Meta's user ids are page-scoped, hence ``scope``: the same person has one
    id per page, and one contact gathers all of them.
    """

    _name = "social.care.identity"
    _inherit = "social.care.company.mixin"
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
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
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

    def write(self, vals):
        if not self.env.su and PROTECTED_FIELDS & set(vals):
            raise AccessError(
                _(
                    "A social identity is what the platform says: link it to a "
                    "contact with Link to existing contact."
                )
            )
        return super().write(vals)

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
    def _social_resolve(self, provider, authors, company):
        """The identity of each ``(scope, author)``, created with its contact if new.

        One search covers a whole batch of events. A person met twice in the
        batch gets one identity carrying the profile's latest non-empty values,
        as if the messages had been ingested one by one. Returns identities in
        the order of ``authors``.
        """
        profiles, first_author = {}, {}
        for scope, author in authors:
            key = (scope or "", author.external_id)
            profiles.setdefault(key, {}).update(self._social_profile(author))
            first_author.setdefault(key, author)
        found = {
            (identity.scope or "", identity.external_id): identity
            for identity in self.search(
                [
                    ("provider", "=", provider),
                    ("external_id", "in", list({key[1] for key in profiles})),
                ]
            )
        }
        missing = [key for key in profiles if key not in found]
        created = self.create(
            [
                dict(
                    profiles[key],
                    provider=provider,
                    scope=key[0],
                    external_id=key[1],
                    company_id=company.id,
                )
                for key in missing
            ]
        )
        for key, identity in found.items():
            if key in profiles:
                changed = {
                    field: value
                    for field, value in profiles[key].items()
                    if identity[field] != value
                }
                if changed:
                    identity.write(changed)
        found.update(zip(missing, created, strict=True))
        unlinked = [key for key in profiles if not found[key].partner_id]
        self.browse([found[key].id for key in unlinked])._social_match_partners(
            [first_author[key] for key in unlinked], company
        )
        return [found[(scope or "", author.external_id)] for scope, author in authors]

    @api.model
    def _social_profile(self, author):
        return {
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

    def _social_match_partners(self, authors, company):
        """Find the contact each person already is, or create one (company policy).

        ``authors`` are what the platform said about each identity of ``self``
        (its email and phone, when given). People of the same batch who share
        a handle, email or phone get the same new contact, as they would if
        ingested one by one.
        """
        candidates = self._social_partner_candidates(authors)
        create = company.social_care_partner_policy == "create"
        to_create, matches = [], []
        for identity, author in zip(self, authors, strict=True):
            keys = [
                (found, key, how)
                for found, key, how in zip(
                    candidates,
                    (
                        (identity.handle or "").lower(),
                        author.email.lower(),
                        author.phone,
                    ),
                    ("handle", "email", "phone"),
                    strict=True,
                )
                if key
            ]
            match = next(
                ((found[k], how) for found, k, how in keys if k in found), None
            )
            if match is None and create:
                match = (len(to_create), "created")
                for found, key, _how in keys:
                    found.setdefault(key, len(to_create))
                to_create.append(identity._social_partner_values(author))
            matches.append(match)
        new_partners = self.env["res.partner"].create(to_create)
        for identity, match in zip(self, matches, strict=True):
            if match:
                partner, confidence = match
                if isinstance(partner, int):
                    partner = new_partners[partner]
                identity.write(
                    {"partner_id": partner.id, "match_confidence": confidence}
                )

    def _social_partner_candidates(self, authors):
        """Contacts by handle, email and phone: one search for each, for all."""
        partners = self.env["res.partner"].with_context(active_test=False)
        handles = {i.handle.lower() for i in self if i.handle}
        emails = {a.email.lower() for a in authors if a.email}
        phones = list({a.phone for a in authors if a.phone})
        by_handle, by_email, by_phone = {}, {}, {}
        if handles:
            domain = expression.OR(
                [[("social_handles", "ilike", escape_psql(h))] for h in handles]
            )
            for partner in partners.search(domain):
                for handle in partner._social_handle_list():
                    by_handle.setdefault(handle, partner)
        if emails:
            domain = expression.OR(
                [[("email", "=ilike", escape_psql(e))] for e in emails]
            )
            for partner in partners.search(domain):
                by_email.setdefault((partner.email or "").lower(), partner)
        if phones:
            domain = ["|", ("phone", "in", phones), ("mobile", "in", phones)]
            for partner in partners.search(domain):
                for phone in (partner.phone, partner.mobile):
                    if phone:
                        by_phone.setdefault(phone, partner)
        return by_handle, by_email, by_phone

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
        self.check_access("write")  # the agent's identities, in their companies
        previous = self.mapped("partner_id")
        self.sudo().write({"partner_id": partner.id, "match_confidence": "known"})
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
