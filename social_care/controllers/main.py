import json
import logging

from werkzeug.exceptions import Forbidden, NotFound

from odoo import http
from odoo.http import request

from ..tools import PayloadError

_logger = logging.getLogger(__name__)


def _not_json(constant):
    """NaN and Infinity: Python reads them, PostgreSQL's jsonb does not."""
    raise ValueError(f"{constant} is not JSON")


MAX_BODY_BYTES = 1024 * 1024  # Meta batches up to 1000 updates; 1 MiB is ample


class SocialCareWebhook(http.Controller):
    """One public route per app. It verifies, stores and answers; nothing else.

    Parsing and ticket work run in the inbox cron, so a slow step never makes
    the platform time out and retry, and a failing one never loses an event.
    """

    def _app(self, app_id):
        """The active app, read with its secret in one query."""
        app = (
            request.env["social.care.app"]
            .sudo()
            .search_fetch(
                [("id", "=", app_id)], ["provider", "client_secret", "company_id"]
            )
        )
        if not app:
            raise NotFound()
        return app

    @http.route(
        "/social_care/webhook/<int:app_id>",
        type="http",
        auth="public",
        methods=["GET"],
        csrf=False,
        save_session=False,
    )
    def webhook_challenge(self, app_id, **params):
        app = self._app(app_id)
        answer = app._social_webhook_challenge(params)
        if answer is None:
            raise Forbidden()
        body, content_type = answer
        return request.make_response(body, headers=[("Content-Type", content_type)])

    @http.route(
        "/social_care/webhook/<int:app_id>",
        type="http",
        auth="public",
        methods=["POST"],
        csrf=False,
        save_session=False,
    )
    def webhook_delivery(self, app_id, **_params):
        app = self._app(app_id)
        length = request.httprequest.content_length
        if length is not None and length > MAX_BODY_BYTES:
            return self._answer(413, "payload too large")
        body = request.httprequest.get_data(cache=True)
        if len(body) > MAX_BODY_BYTES:
            return self._answer(413, "payload too large")
        if not app._social_has_secret():
            _logger.warning(
                "social care app %s has no secret: delivery refused", app.id
            )
            raise Forbidden()
        if not app._social_webhook_verify(request.httprequest.headers, body):
            raise Forbidden()
        try:
            payload = json.loads(body, parse_constant=_not_json)
            deliveries = app._social_webhook_split(payload)
        except (ValueError, PayloadError) as error:
            # Signed but unreadable: nothing the platform can fix by retrying.
            _logger.warning(
                "social care app %s: unreadable delivery: %s", app.id, error
            )
            app._social_store_unreadable(body, error)
            return self._answer(app._social_unreadable_status(), "unreadable payload")
        stored = app._social_store_deliveries(deliveries)
        return self._answer(
            200,
            json.dumps({"received": len(deliveries), "new": stored}),
            "application/json",
        )

    def _answer(self, status, body, content_type="text/plain"):
        return request.make_response(
            body, headers=[("Content-Type", content_type)], status=status
        )
