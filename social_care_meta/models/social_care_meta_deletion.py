from odoo import _, api, fields, models


class SocialCareMetaDeletion(models.Model):
    """A data deletion request from Meta, kept as proof and for its status page.

    The person's platform id is not kept: the confirmation code is what Meta
    and the person use to ask about it. Meta's callback names the person by
    the app-scoped id of Facebook Login; the people who write to a Page or an
    Instagram account are recorded under page-scoped ids (PSID, IGSID) that
    Meta does not let an app match with it: most requests find nothing, and
    the status page says so.
    """

    _name = "social.care.meta.deletion"
    _description = "Meta Data Deletion Request"
    _order = "id desc"
    _rec_name = "confirmation_code"

    app_id = fields.Many2one(
        "social.care.app", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="app_id.company_id", store=True)
    confirmation_code = fields.Char(required=True, readonly=True, index=True)
    policy = fields.Selection(
        [("anonymize", "Anonymized"), ("delete", "Deleted")], readonly=True
    )
    state = fields.Selection(
        [("done", "Data erased"), ("not_found", "No data found")],
        default="done",
        required=True,
        readonly=True,
    )
    identity_count = fields.Integer("Identities", readonly=True)
    message_count = fields.Integer("Messages", readonly=True)
    ticket_count = fields.Integer("Tickets", readonly=True)
    attachment_count = fields.Integer("Media", readonly=True)
    event_count = fields.Integer("Platform deliveries", readonly=True)
    lead_count = fields.Integer("Leads", readonly=True)
    summary = fields.Text(compute="_compute_summary")

    _sql_constraints = [
        (
            "confirmation_code_uniq",
            "unique(confirmation_code)",
            "Confirmation codes are unique.",
        ),
    ]

    @api.depends("state", "policy", "identity_count", "message_count")
    def _compute_summary(self):
        for request in self:
            request.summary = request._meta_summary()

    def _meta_summary(self):
        """What was and was not erased, in words for the person and the admin."""
        self.ensure_one()
        company = self.app_id.company_id
        contact = company.email or company.website or company.name
        not_covered = _(
            "This request names you by the id Facebook gives you for this app's "
            "Facebook Login (an app-scoped id). Messages, comments and posts you "
            "sent to %(company)s's Facebook Page or Instagram account are "
            "recorded under other ids, given per Page and per Instagram account, "
            "which Facebook does not let us match with this one. To have those "
            "erased, write to %(company)s (%(contact)s).",
            company=company.name,
            contact=contact,
        )
        if self.state == "not_found":
            return _(
                "No data found: nothing recorded under this id, so nothing was "
                "erased. %(not_covered)s",
                not_covered=not_covered,
            )
        how = _("deleted") if self.policy == "delete" else _("anonymized")
        return _(
            "Found %(identities)s profile(s) and %(messages)s message(s), %(how)s: "
            "the name, username, picture and platform id; the texts and the "
            "downloaded media of the messages; the ticket titles and descriptions "
            "copied from them; the notes quoting edits; the platform's raw "
            "deliveries; the lead descriptions copied from the conversations. "
            "Kept: the tickets themselves with the agents' replies, the delivery "
            "keys (so a redelivery is not taken in again), and contacts the "
            "agents had linked by e-mail, phone or by hand, which are the "
            "company's own records. %(not_covered)s",
            identities=self.identity_count,
            messages=self.message_count,
            how=how,
            not_covered=not_covered,
        )
