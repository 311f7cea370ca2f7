# Fed to "odoo-bin shell": uninstall the three addons, then say so.
# ruff: noqa: F821 - "env" is given by odoo-bin shell
names = ["social_care_twitter", "social_care_meta", "social_care"]
modules = env["ir.module.module"].search([("name", "in", names)])
assert set(modules.mapped("state")) == {"installed"}, modules.mapped("state")
modules.button_immediate_uninstall()
env.invalidate_all()
states = env["ir.module.module"].search([("name", "in", names)]).mapped("state")
assert set(states) == {"uninstalled"}, states
assert "social.care.account" not in env.registry
print("UNINSTALL OK")
