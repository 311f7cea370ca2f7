from odoo import fields, models


class SocialCareMetaDeletion(models.Model):
    """A data deletion request from Meta, kept as proof and for its status page.

    The person's platform id is not kept: the confirmation code is what Meta
    and the person use to ask about it.
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
        [("done", "Completed")], default="done", required=True, readonly=True
    )
    identity_count = fields.Integer("Identities", readonly=True)
    message_count = fields.Integer("Messages", readonly=True)

    _sql_constraints = [
        (
            "confirmation_code_uniq",
            "unique(confirmation_code)",
            "Confirmation codes are unique.",
        ),
    ]
