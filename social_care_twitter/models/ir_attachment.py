import io
import logging

from odoo import models

_logger = logging.getLogger(__name__)


class IrAttachment(models.Model):
    _inherit = "ir.attachment"

    def _twitter_media_stream(self):
        """The file's bytes as a seekable stream, from the filestore if there."""
        self.ensure_one()
        if self.store_fname:
            try:
                return open(self._full_path(self.store_fname), "rb")  # noqa: SIM115
            except OSError:
                # Odoo's own reading (``raw``) logs and answers nothing then.
                _logger.info("Attachment %s read from the database", self.id)
        return io.BytesIO(self.raw or b"")
