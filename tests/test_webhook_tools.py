"""The base addon's tools for public routes: capped bodies, JSON reading, log
throttling and the generic provider's signature (issue 11)."""

import io
import json

import pytest
from werkzeug.exceptions import RequestEntityTooLarge

from odoo.addons.social_care.tools import generic
from odoo.addons.social_care.tools.capped_stream import CappedStream
from odoo.addons.social_care.tools.log_throttle import LogThrottle
from odoo.addons.social_care.tools.webhook_json import MAX_DEPTH, load_body

SECRET = "fake-generic-secret-not-real"


class EndlessStream:
    """A chunked body that never ends; counts what was read from it."""

    def __init__(self):
        self.read_bytes = 0

    def read(self, size=-1):
        size = 65536 if size is None or size < 0 else size
        self.read_bytes += size
        return b"x" * size


def test_capped_stream_reads_a_body_up_to_the_limit():
    assert CappedStream(io.BytesIO(b"a" * 10), 10).read() == b"a" * 10
    stream = CappedStream(io.BytesIO(b"abcdef"), 10)
    assert stream.read(4) + stream.read(4) + stream.read(4) == b"abcdef"


def test_capped_stream_stops_an_endless_body_at_the_limit():
    endless = EndlessStream()
    with pytest.raises(RequestEntityTooLarge):
        CappedStream(endless, 1024 * 1024).read()
    assert endless.read_bytes <= 1024 * 1024 + 1


def test_capped_stream_refuses_one_byte_more():
    with pytest.raises(RequestEntityTooLarge):
        CappedStream(io.BytesIO(b"a" * 11), 10).read()


def test_load_body_reads_json():
    assert load_body(b'{"messages": []}') == {"messages": []}
    assert load_body(b"[" * MAX_DEPTH + b"]" * MAX_DEPTH)


@pytest.mark.parametrize(
    "body",
    [
        b'{"messages": [',
        b'{"score": NaN}',
        b"\xff\xfe",
        b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1),
        b'{"a": ' * 200 + b"1" + b"}" * 200,
        b"[" * 100000 + b"]" * 100000,  # past Python's recursion limit
    ],
)
def test_load_body_raises_only_value_error(body):
    with pytest.raises(ValueError):
        load_body(body)


def test_log_throttle_allows_once_per_interval_and_key():
    throttle = LogThrottle(60)
    assert throttle.allow(1, now=0)
    assert not throttle.allow(1, now=59)
    assert throttle.allow(2, now=59)
    assert throttle.allow(1, now=60)


@pytest.mark.parametrize(
    "header",
    [
        "sha256=\u00e9\u00e8",
        "\u00ff" * 71,
        "sha256=\udcff",  # a lone surrogate: not even UTF-8
        None,
        "",
        12345,
        b"sha256=00",
    ],
)
def test_generic_signature_refused_without_raising(header):
    body = json.dumps({"messages": []}).encode()
    assert generic.verify_signature(SECRET, body, header) is False


def test_generic_signature_round_trip():
    body = b'{"messages": []}'
    assert generic.verify_signature(SECRET, body, generic.sign(SECRET, body))
    assert generic.verify_signature(SECRET, bytearray(body), generic.sign(SECRET, body))
    assert not generic.verify_signature(None, body, generic.sign(SECRET, body))
    assert not generic.verify_signature(SECRET, "{}", generic.sign(SECRET, b"{}"))
