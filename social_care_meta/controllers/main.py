import json
import logging
import secrets
import time

from markupsafe import Markup
from werkzeug.exceptions import Forbidden, NotFound

from odoo import _, http
from odoo.http import request

from odoo.addons.social_care.controllers.main import MAX_BODY_BYTES
from odoo.addons.social_care.tools import PayloadError, SendError
from odoo.addons.social_care.tools.log_throttle import LogThrottle

_logger = logging.getLogger(__name__)

STATE_KEY = "social_care_meta_oauth"
STATE_MAX_AGE = 15 * 60  # seconds to come back from Facebook Login
# Anyone can POST a forged deletion request: one warning per app and minute.
REFUSED_DELETION_WARNINGS = LogThrottle(60)


class SocialCareMeta(http.Controller):
    """Facebook Login for admins, and Meta's data deletion callback."""

    def _meta_app(self, app_id):
        """The active Meta app; 403 otherwise, as for a forged request, so an
        outsider does not learn which app ids exist."""
        app = request.env["social.care.app"].sudo().browse(app_id).exists()
        if not app or not app.active or app.provider != "meta":
            raise Forbidden()
        return app

    @http.route("/social_care_meta/oauth/start/<int:app_id>", type="http", auth="user")
    def oauth_start(self, app_id):
        if not request.env.user.has_group("base.group_system"):
            raise Forbidden()
        app = request.env["social.care.app"].browse(app_id).exists()
        if not app or app.provider != "meta":
            raise NotFound()
        state = secrets.token_urlsafe(32)
        # Kept server-side in the session: the callback must bring it back.
        request.session[STATE_KEY] = {
            "state": state,
            "app_id": app.id,
            "at": time.time(),
        }
        return request.redirect(app._meta_authorize_url(state), local=False)

    @http.route("/social_care_meta/oauth/callback", type="http", auth="user")
    def oauth_callback(self, state=None, code=None, **_kw):
        if not request.env.user.has_group("base.group_system"):
            raise Forbidden()
        expected = request.session.pop(STATE_KEY, None) or {}
        fresh = time.time() - expected.get("at", 0) < STATE_MAX_AGE
        if not (
            state and expected.get("state") and fresh
        ) or not secrets.compare_digest(state, expected["state"]):
            raise Forbidden()
        app = request.env["social.care.app"].browse(expected["app_id"]).exists()
        if not app:
            raise NotFound()
        if not code:  # the admin cancelled Facebook Login
            return request.redirect(f"/odoo/social.care.app/{app.id}")
        try:
            accounts = app._meta_connect(code)
        except SendError as error:
            return request.make_response(
                Markup("<p>%s</p>") % error.message,
                headers=[("Content-Type", "text/html; charset=utf-8")],
                status=400,
            )
        _logger.info("Meta app %s connected accounts %s", app.id, accounts.ids)
        return request.redirect(f"/odoo/social.care.app/{app.id}")

    @http.route(
        "/social_care_meta/deletion/<int:app_id>",
        type="http",
        auth="public",
        methods=["POST"],
        csrf=False,
        save_session=False,
        social_care_max_body=MAX_BODY_BYTES,
    )
    def data_deletion(self, app_id, signed_request=None, **_kw):
        app = self._meta_app(app_id)
        try:
            deletion = app._meta_handle_deletion(signed_request)
        except PayloadError as error:
            if REFUSED_DELETION_WARNINGS.allow(app.id):
                _logger.warning(
                    "Meta data deletion for app %s refused: %s (logged at most "
                    "once a minute)",
                    app.id,
                    error,
                )
            raise Forbidden() from error
        status_url = (
            f"{app.get_base_url()}/social_care_meta/deletion/status/"
            f"{deletion.confirmation_code}"
        )
        return request.make_response(
            json.dumps(
                {"url": status_url, "confirmation_code": deletion.confirmation_code}
            ),
            headers=[("Content-Type", "application/json")],
        )

    @http.route(
        "/social_care_meta/deletion/status/<string:code>",
        type="http",
        auth="public",
        methods=["GET"],
        save_session=False,
        social_care_max_body=MAX_BODY_BYTES,
    )
    def data_deletion_status(self, code):
        deletion = (
            request.env["social.care.meta.deletion"]
            .sudo()
            .search([("confirmation_code", "=", code)], limit=1)
        )
        if not deletion:
            raise NotFound()
        text = _(
            "Data deletion request %(code)s, received on %(date)s UTC: %(what)s",
            code=deletion.confirmation_code,
            date=deletion.create_date.strftime("%Y-%m-%d %H:%M"),
            what=deletion.summary,
        )
        return request.make_response(
            Markup("<!DOCTYPE html><html><body><p>%s</p></body></html>") % text,
            headers=[("Content-Type", "text/html; charset=utf-8")],
        )
