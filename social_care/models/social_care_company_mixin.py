from odoo import models


class SocialCareCompanyMixin(models.AbstractModel):
    """Records stay in the companies their editor may reach.

    Odoo checks record rules before a write, not after it: without this, a
    user could move a record of their company into another one (through its
    company or its account), where that company's users would read it.
    """

    _name = "social.care.company.mixin"
    _description = "Social Care: records stay within the editor's companies"

    def write(self, vals):
        result = super().write(vals)
        if not self.env.su:
            self.check_access("write")
        return result
