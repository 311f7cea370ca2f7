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
