"""Helpers of the end-to-end tests."""

import time

import pytest

WAIT_TIMEOUT = 60  # seconds for the inbox and send crons to do their work


def wait_for(check, timeout=WAIT_TIMEOUT, what="the condition"):
    """Poll ``check()`` until it returns something truthy; fail after ``timeout``."""
    deadline = time.time() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.time() > deadline:
            pytest.fail(f"{what}: not reached within {timeout} s")
        time.sleep(0.3)


def messages(odoo, domain, fields=("ticket_id", "state", "external_id", "error")):
    return odoo.call("social.care.message", "search_read", domain, fields=list(fields))


def ticket_of(odoo, account, external_id):
    """The ticket the inbound message ``external_id`` landed in (waits for it)."""

    def landed():
        rows = messages(
            odoo,
            [("account_id", "=", account), ("external_id", "=", external_id)],
        )
        return rows and rows[0]["ticket_id"] and rows[0]["ticket_id"][0]

    return wait_for(landed, what=f"a ticket for message {external_id}")
