"""The inbox run's memory of what it did outside the database."""

import pytest

from odoo.addons.social_care.tools.side_effects import SideEffects


def test_a_read_is_made_once_per_key():
    effects, calls = SideEffects(), []

    def fetch():
        calls.append(1)
        return b"bytes"

    assert effects.once(("media", 1, "u"), fetch) == b"bytes"
    assert effects.once(("media", 1, "u"), fetch) == b"bytes"
    assert effects.once(("media", 2, "u"), fetch) == b"bytes"
    assert len(calls) == 2


def test_a_failed_read_fails_again_without_asking():
    effects, calls = SideEffects(), []

    def fetch():
        calls.append(1)
        raise ValueError("too large")

    for _attempt in range(2):
        with pytest.raises(ValueError, match="too large"):
            effects.once("key", fetch)
    assert len(calls) == 1


def test_writes_of_a_failed_attempt_are_dropped():
    effects = SideEffects()
    with effects.attempt():
        effects.defer("kept")
    with pytest.raises(RuntimeError), effects.attempt():
        effects.defer("dropped")
        raise RuntimeError("rolled back")
    assert effects.take_deferred() == ["kept"]
    assert effects.take_deferred() == []


def test_an_attempt_yields_the_keys_it_read_even_from_memory():
    effects = SideEffects()
    effects.remember("old", b"kept")
    with effects.attempt() as outer:
        effects.once("new", lambda: b"x")
        with effects.attempt() as inner:
            effects.once("old", lambda: pytest.fail("asked again"))
    assert inner == ["old"]
    assert outer == ["new", "old"]
    assert effects.results(["new", "old", "missing"]) == {"new": b"x", "old": b"kept"}


def test_answers_are_freed_once_a_batch_is_committed():
    effects, calls = SideEffects(), []
    effects.once("key", lambda: calls.append(1))
    effects.forget_reads()
    effects.once("key", lambda: calls.append(1))
    assert len(calls) == 2
