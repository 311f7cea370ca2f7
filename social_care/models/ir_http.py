from werkzeug.exceptions import RequestEntityTooLarge

from odoo import models
from odoo.http import request

from ..tools.capped_stream import CappedStream

# Route option: the most bytes the route's body may have, e.g.
# ``@http.route(..., social_care_max_body=1024 * 1024)``.
MAX_BODY_OPTION = "social_care_max_body"


class IrHttp(models.AbstractModel):
    _inherit = "ir.http"

    @classmethod
    def _pre_dispatch(cls, rule, args):
        """Cap the body of the routes that ask for it, before anything reads it.

        Odoo parses a form body before the route runs, and Werkzeug reads a
        chunked body whole: the cap goes on the stream itself, here.
        """
        limit = rule.endpoint.routing.get(MAX_BODY_OPTION)
        if limit:
            httprequest = request.httprequest
            length = httprequest.content_length
            if length is not None and length > limit:
                raise RequestEntityTooLarge()
            httprequest.max_content_length = limit
            # Odoo's request wrapper exposes no stream: set it on Werkzeug's.
            wrapped = httprequest._HTTPRequest__wrapped
            wrapped.stream = CappedStream(wrapped.stream, limit)
        return super()._pre_dispatch(rule, args)
