# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
{
    "name": "Social Care: Facebook, Messenger and Instagram",
    "summary": "Facebook comments, Messenger, Instagram comments and DMs as tickets",
    "version": "18.0.1.0.0",
    "category": "After-Sales",
    "website": "https://github.com/social-care-odoo/social-care",
    "author": "Social Care developers",
    "license": "AGPL-3",
    "depends": ["social_care"],
    "external_dependencies": {"python": ["facebook-sdk", "requests"]},
    "data": [
        "security/ir.model.access.csv",
        "security/social_care_meta_security.xml",
        "views/social_care_app_views.xml",
        "views/social_care_account_views.xml",
        "views/helpdesk_ticket_views.xml",
        "views/social_care_rule_views.xml",
    ],
    "demo": ["demo/social_care_meta_demo.xml"],
    "assets": {
        "web.assets_tests": ["social_care_meta/static/tests/tours/**/*"],
    },
    "uninstall_hook": "uninstall_hook",
    "installable": True,
    "application": True,
}
