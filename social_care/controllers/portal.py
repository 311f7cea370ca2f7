from werkzeug.exceptions import NotFound

from odoo import http
from odoo.exceptions import AccessError, MissingError
from odoo.http import request

from odoo.addons.helpdesk_mgmt.controllers.main import HelpdeskTicketController


class SocialCareTicketClose(HelpdeskTicketController):
    """helpdesk_mgmt closes any ticket by id, as superuser, for any user.

    A customer could close other customers' tickets, social ones included:
    the ticket must be one the user may read before it is closed.
    """

    @http.route()
    def support_ticket_close(self, **kw):
        try:
            ticket = request.env["helpdesk.ticket"].browse(int(kw["ticket_id"]))
            if not ticket.exists():
                raise MissingError(ticket._name)
            ticket.check_access("read")
        except (KeyError, ValueError, AccessError, MissingError) as error:
            raise NotFound() from error
        return super().support_ticket_close(**kw)
