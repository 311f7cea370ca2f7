from werkzeug.exceptions import BadRequest, Forbidden

from odoo import _, http
from odoo.http import request

from ..models.social_care_account import CALLBACK_ROUTE, OAUTH_SESSION_KEY


class SocialCareTwitterOAuth(http.Controller):
    """Where X sends the admin back after they authorized the app."""

    @http.route(CALLBACK_ROUTE, type="http", auth="user", methods=["GET"])
    def twitter_oauth_callback(self, state=None, code=None, error=None, **_params):
        if not request.env.user.has_group("base.group_system"):
            raise Forbidden()
        account = request.env["social.care.account"]._twitter_from_oauth_state(state)
        if not account:
            raise BadRequest(
                _(
                    "This X authorization is unknown or was already used: press "
                    "Connect with X on the account again."
                )
            )
        if not account._twitter_oauth_started_here(state):
            # Not the admin, or not the browser, that pressed Connect: the
            # state stays for them, the account keeps its tokens.
            raise Forbidden()
        request.session[OAUTH_SESSION_KEY] = [
            started
            for started in request.session.get(OAUTH_SESSION_KEY) or []
            if started != state
        ]
        account._twitter_finish_oauth(code, error)
        return request.redirect(f"/odoo/social.care.account/{account.id}")
