from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    social_care_partner_policy = fields.Selection(
        [
            ("create", "Create a contact"),
            ("suggest", "Leave unlinked and suggest contacts"),
        ],
        "Unknown social authors",
        default="create",
        required=True,
    )
    social_care_reopen_days = fields.Integer(
        "Reopen closed tickets within (days)",
        default=7,
        help="A new message in the conversation of a ticket closed less than this "
        "many days ago reopens it; after that it starts a new, linked ticket.",
    )
    social_care_private_template = fields.Char(
        "Move-to-private public reply",
        default="We have sent you a private message so we can help you "
        "with your details.",
        translate=True,
    )
    social_care_response_target_hours = fields.Float(
        "First response target (hours)",
        default=1.0,
        help="Reports show the share of tickets first answered within this time.",
    )
