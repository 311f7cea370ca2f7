from . import controllers
from . import models

from odoo.addons import social_care


def uninstall_hook(env):
    """Keep the tickets, messages and identities; archive the apps and accounts."""
    social_care.archive_provider(env, "twitter", "social_care_twitter")
