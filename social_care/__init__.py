from . import controllers, models, report, wizards


# What a connector's uninstall keeps, even the records its own data files made
# (its demo app and account): without their external ids, Odoo leaves them.
KEPT_ON_UNINSTALL = (
    "social.care.app",
    "social.care.account",
    "social.care.identity",
    "social.care.message",
    "social.care.post",
    "helpdesk.ticket",
)


def archive_provider(env, provider, module):
    """For a connector's ``uninstall_hook``: archive its apps and accounts, keep
    them and their tickets, messages and identities."""
    env["social.care.app"]._social_archive_provider(provider)
    env["ir.model.data"].search(
        [("module", "=", module), ("model", "in", KEPT_ON_UNINSTALL)]
    ).unlink()
