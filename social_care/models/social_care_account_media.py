from odoo import _, models


class SocialCareAccountMedia(models.Model):
    """Which media a reply may carry, per surface; connectors widen it."""

    # One concern per file: media apart from the account and message bodies.
    _inherit = "social.care.account"  # pylint: disable=consider-merging-classes-inherited

    def _social_media_problem(self, ticket, attachments, private):
        """Why these files cannot go with this reply (a sentence), or None.

        Checked before queueing, with ``attachments`` (ir.attachment, sudo)
        as the agent attached them. A surface that takes media also takes a
        reply made of media alone (``_social_outbound_problem`` then accepts
        an empty text); the base refuses every file.
        """
        self.ensure_one()
        if attachments:
            return _(
                "This channel takes no media: remove the attachments, or send "
                "them another way."
            )
        return None

    @staticmethod
    def _social_megabytes(size):
        """A byte count in megabytes as the platforms write them (5 MB, 8 MB)."""
        return f"{size / (1024 * 1024):.3g} MB"
