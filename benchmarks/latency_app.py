# Fed to "odoo-bin shell" by benchmarks/run: a generic app and account for the
# latency benchmark; prints the app id.
# ruff: noqa: F821 - "env" is given by odoo-bin shell
app = env["social.care.app"].create(
    {"name": "Latency", "provider": "generic", "client_secret": "bench-secret"}
)
env["social.care.account"].create(
    {
        "name": "Latency",
        "app_id": app.id,
        "external_ref": "lat",
        "state": "connected",
        "poll_enabled": False,
    }
)
env.cr.commit()
print(f"LATENCY_APP_ID={app.id}")
