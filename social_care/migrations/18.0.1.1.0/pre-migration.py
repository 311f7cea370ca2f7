"""Routing rules and identities now belong to one company each.

A rule without a company applied to every company, copying its team, user
and tags into other companies' tickets; an identity without one was visible
to every company. Each gets the company it was really serving: a rule its
team's, else its accounts', else the first company; an identity the company
of its latest message, else the first company.
"""


def migrate(cr, version):
    cr.execute(
        """
        UPDATE social_care_rule rule
           SET company_id = coalesce(
                   (SELECT team.company_id FROM helpdesk_ticket_team team
                     WHERE team.id = rule.team_id),
                   (SELECT min(account.company_id)
                      FROM social_care_account account
                      JOIN social_care_account_social_care_rule_rel rel
                        ON rel.social_care_account_id = account.id
                     WHERE rel.social_care_rule_id = rule.id),
                   (SELECT min(id) FROM res_company))
         WHERE rule.company_id IS NULL
        """
    )
    cr.execute(
        """
        UPDATE social_care_identity identity
           SET company_id = coalesce(
                   (SELECT message.company_id FROM social_care_message message
                     WHERE message.identity_id = identity.id
                     ORDER BY message.id DESC LIMIT 1),
                   (SELECT min(id) FROM res_company))
         WHERE identity.company_id IS NULL
        """
    )
