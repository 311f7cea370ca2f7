# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
{
    "name": "Social Care: X (Twitter)",
    "summary": "X mentions, replies and direct messages as helpdesk tickets",
    "version": "18.0.1.0.0",
    "category": "After-Sales",
    "website": "https://github.com/social-care-odoo/social-care",
    "author": "Social Care developers",
    "license": "AGPL-3",
    "depends": ["social_care"],
    "external_dependencies": {"python": ["tweepy"]},
    "data": [
        "security/social_care_twitter_security.xml",
        "security/ir.model.access.csv",
        "data/social_care_twitter_price_data.xml",
        "views/social_care_app_views.xml",
        "views/social_care_account_views.xml",
        "views/social_care_twitter_hit_views.xml",
        "views/social_care_twitter_price_views.xml",
    ],
    "demo": ["demo/social_care_twitter_demo.xml"],
    "installable": True,
    "application": True,
}
