from odoo import fields, models


class SocialCareMessageMedia(models.Model):
    """The files an agent attached to a reply travel with it to the platform."""

    # One concern per file: media apart from the account and message bodies.
    _inherit = "social.care.message"  # pylint: disable=consider-merging-classes-inherited

    attachment_ids = fields.Many2many(
        "ir.attachment",
        "social_care_message_attachment_rel",
        "message_id",
        "attachment_id",
        string="Media",
        readonly=True,
        help="Files sent with this reply, checked against the platform's limits "
        "before it was queued.",
    )
