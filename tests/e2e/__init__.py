"""End-to-end tests: a running Odoo, the API simulator, the real routes."""
