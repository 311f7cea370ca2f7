from . import helpdesk_ticket_report
