from odoo import fields, models


class SocialCareMessageXMedia(models.Model):
    _inherit = "social.care.message"

    # {attachment id: {"id": X media id, "expires_at": epoch, "ready": bool}}:
    # an upload X took is kept across the send's retries, so a video still
    # processing, or a post that failed after its upload, is not uploaded again.
    twitter_media_uploads = fields.Json(copy=False, readonly=True)
