import json
import logging

from werkzeug.exceptions import Forbidden

from odoo import http
from odoo.http import request

from ..models.social_care_event import VIA_WEBHOOK
from ..tools import PayloadError
from ..tools.log_throttle import LogThrottle
from ..tools.webhook_json import load_body

_logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 1024 * 1024  # Meta batches up to 1000 updates; 1 MiB is ample
# Anyone can POST to an app without secret: one warning per app and hour.
NO_SECRET_WARNINGS = LogThrottle(3600)


class SocialCareWebhook(http.Controller):
    """One public route per app. It verifies, stores and answers; nothing else.

    Parsing and ticket work run in the inbox cron, so a slow step never makes
    the platform time out and retry, and a failing one never loses an event.
    The body is capped before anything reads it (``social_care_max_body``, see
    ir.http), and every refusal to an unverified caller is the same 403, so
    nobody learns which app ids exist.
    """

    def _app(self, app_id):
        """The active app, read with its secret in one query; 403 if none."""
        app = (
            request.env["social.care.app"]
            .sudo()
            .search_fetch(
                [("id", "=", app_id)], ["provider", "client_secret", "company_id"]
            )
        )
        if not app:
            raise Forbidden()
        return app

    @http.route(
        "/social_care/webhook/<int:app_id>",
        type="http",
        auth="public",
        methods=["GET"],
        csrf=False,
        save_session=False,
        social_care_max_body=MAX_BODY_BYTES,
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
        social_care_max_body=MAX_BODY_BYTES,
    )
    def webhook_delivery(self, app_id, **_params):
        body = request.httprequest.get_data(cache=True)  # capped: 413 past the limit
        app = self._app(app_id)
        if not app._social_has_secret():
            if NO_SECRET_WARNINGS.allow(app.id):
                _logger.warning(
                    "social care app %s has no secret: deliveries are refused "
                    "(logged once an hour)",
                    app.id,
                )
            raise Forbidden()
        if not app._social_webhook_verify(request.httprequest.headers, body):
            raise Forbidden()
        try:
            payload = load_body(body)
            deliveries = app._social_webhook_split(payload)
        except (ValueError, PayloadError) as error:
            # Signed but unreadable: nothing the platform can fix by retrying.
            _logger.warning(
                "social care app %s: unreadable delivery: %s", app.id, error
            )
            app._social_store_unreadable(body, error)
            return self._answer(app._social_unreadable_status(), "unreadable payload")
        # Marked as pushed: a silent webhook is told from these (see
        # social.care.account's silence check).
        stored = app.with_context(**{VIA_WEBHOOK: True})._social_store_deliveries(
            deliveries
        )
        return self._answer(
            200,
            json.dumps({"received": len(deliveries), "new": stored}),
            "application/json",
        )

    def _answer(self, status, body, content_type="text/plain"):
        return request.make_response(
            body, headers=[("Content-Type", content_type)], status=status
        )
