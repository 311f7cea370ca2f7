import hashlib
import json
import logging

from odoo import _, api, fields, models

from ..tools import generic

_logger = logging.getLogger(__name__)


def keep_on_uninstall(apps):
    """``ondelete`` policy of a connector's provider value: nothing is deleted.

    The connector's ``uninstall_hook`` has archived its apps and accounts; they
    keep their provider, so their tickets, messages and identities still say
    where they came from, and a reinstalled connector finds them again.
    """
    apps.with_context(active_test=False)._social_archive()


class SocialCareApp(models.Model):
    """A platform app's credentials: one webhook URL, shared by many accounts.

    X and Meta register one callback per app and say in each delivery which
    page or user it concerns, so the route belongs here, not to an account.
    """

    _name = "social.care.app"
    _description = "Social Care App"
    _order = "name, id"

    name = fields.Char(required=True)
    active = fields.Boolean(default=True)
    provider = fields.Selection(
        [("generic", "Generic webhook")],
        required=True,
        default="generic",
        help="The platform this app belongs to.",
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    client_key = fields.Char("App ID / API key", groups="base.group_system", copy=False)
    client_secret = fields.Char(
        "App secret",
        groups="base.group_system",
        copy=False,
        help="Signs webhook deliveries. Without it every delivery is refused.",
    )
    generic_outbound_secret = fields.Char(
        "Outbound secret",
        groups="base.group_system",
        copy=False,
        help="Generic provider: signs the replies sent to the accounts' outbound "
        "URL. Keep it different from the app secret, which only checks what "
        "comes in; without it no reply is sent.",
    )
    verify_token = fields.Char(
        groups="base.group_system",
        copy=False,
        help="The string the platform echoes when it verifies the webhook URL.",
    )
    account_ids = fields.One2many("social.care.account", "app_id")
    webhook_url = fields.Char(
        "Webhook URL",
        compute="_compute_webhook_url",
        help="Where the platform sends this app's events; shown once the app is "
        "saved. Register webhook gives it to the platform.",
    )
    api_base_url = fields.Char(
        "API base URL",
        help="Leave empty for the platform's own API. Set it only to point the "
        "connector at a sandbox or simulator.",
    )

    @api.model
    def _social_archive_provider(self, provider):
        """Archive a connector's apps and accounts: its ``uninstall_hook`` calls this.

        Tickets, messages and identities are kept. The accounts are disabled
        too, so nothing is polled, processed or sent for them; an administrator
        restores them and clicks Enable once the connector is back.
        """
        self.with_context(active_test=False).search(
            [("provider", "=", provider)]
        )._social_archive()

    def _social_archive(self):
        accounts = (
            self.env["social.care.account"]
            .with_context(active_test=False)
            .search([("app_id", "in", self.ids)])
        )
        accounts.filtered(lambda a: a.active or a.state != "disabled").write(
            {"active": False, "state": "disabled"}
        )
        self.filtered("active").write({"active": False})

    def _compute_webhook_url(self):
        for app in self:  # get_base_url() takes one record at most
            app.webhook_url = (
                f"{app.get_base_url()}/social_care/webhook/{app.id}"
                if app.id
                else False
            )

    # ------------------------------------------------------------------
    # Webhook hooks: each provider handles its own value and calls super()
    # for the others.
    # ------------------------------------------------------------------

    def _social_webhook_challenge(self, params):
        """Answer a platform's URL verification (GET); None if not one."""
        self.ensure_one()
        return None

    def _social_webhook_verify(self, headers, body):
        """Whether a POST really comes from the platform (signature check)."""
        self.ensure_one()
        if self.provider == "generic":
            return generic.verify_signature(
                self.sudo().client_secret, body, headers.get(generic.SIGNATURE_HEADER)
            )
        return False

    def _social_webhook_split(self, payload):
        """One delivery into ParsedDelivery units (raises PayloadError)."""
        self.ensure_one()
        if self.provider == "generic":
            return generic.split_delivery(payload)
        raise NotImplementedError(self.provider)

    def _social_unreadable_status(self):
        """HTTP status for a signed delivery we could not read (it is stored anyway).

        400 tells the sender; providers that disable webhooks answering errors
        (Meta) answer 200, since a retry cannot fix the payload.
        """
        return 400

    def _social_has_secret(self):
        self.ensure_one()
        return bool(self.sudo().client_secret)

    # ------------------------------------------------------------------

    def _social_store_deliveries(self, deliveries):
        """Store delivery units in the inbox; duplicates are dropped by the DB.

        Returns the number of new events. Units for accounts nobody connected
        are stored as ignored, never processed. One statement, whatever the
        number of units: it is the webhook's only query besides the app's.
        """
        self.ensure_one()
        errors = {
            ref: self.env._("No connected account for %(ref)s.", ref=ref)
            for ref in {delivery.account_ref for delivery in deliveries}
        }
        units = []
        for delivery in deliveries:
            units.append(
                {
                    "account_ref": delivery.account_ref,
                    "delivery_key": delivery.delivery_key,
                    "event_type": delivery.event_type,
                    "payload": json.dumps(delivery.payload),
                    "error": errors[delivery.account_ref],
                }
            )
        return self.env["social.care.event"]._insert_units(self, units)

    def _social_store_unreadable(self, body, error):
        """Keep a signed delivery we could not read, as an error admins can see."""
        self.ensure_one()
        text = body.decode("utf-8", errors="replace")
        return self.env["social.care.event"]._insert_units(
            self,
            [
                {
                    "account_ref": "?",
                    "delivery_key": "unreadable:" + hashlib.sha256(body).hexdigest(),
                    "event_type": "unreadable",
                    "payload": json.dumps({"raw": text}),
                    "state": "error",
                    "error": _("Unreadable delivery: %s", error),
                }
            ],
        )
