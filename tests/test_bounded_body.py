"""Media bodies are read under a cap, however they are encoded.

The bombs are built here the way the outside review built its 663-byte one:
zeros gzip-compressed, and the result compressed again, sent as
``Content-Encoding: gzip, gzip`` (RFC 9110 §8.4: codings listed in the order
applied). Memory is asserted with tracemalloc (a cap, not a timing).
"""

import gzip
import io
import tracemalloc
import zlib

import pytest
from urllib3.response import HTTPResponse

from odoo.addons.social_care.tools.bounded_body import (
    ENCODING,
    TOO_LARGE,
    BodyRefused,
    encodings_of,
    read_capped,
)

CAP = 1024 * 1024
BOMB_INFLATED = 40 * 1024 * 1024


def chunks(data, size=16 * 1024):
    return [data[i : i + size] for i in range(0, len(data), size)]


def stacked_bomb(size=BOMB_INFLATED):
    return gzip.compress(gzip.compress(bytes(size), 9), 9)


@pytest.fixture(scope="module")
def bomb():
    return stacked_bomb()


@pytest.fixture(scope="module")
def single_bomb():
    return gzip.compress(bytes(BOMB_INFLATED), 9)


def peak_of(call):
    tracemalloc.start()
    try:
        try:
            call()
        except BodyRefused as refused:
            code = refused.code
        else:
            code = None
        return code, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_urllib3_inflates_a_stacked_bomb_in_one_read(bomb):
    """Why bodies are not decoded by urllib3: one bounded read of the raw
    stream returns the whole inflated body, far over any cap."""
    assert len(bomb) < 1024
    response = HTTPResponse(
        body=io.BytesIO(bomb),
        headers={"Content-Encoding": "gzip, gzip"},
        preload_content=False,
    )
    first = next(response.stream(64 * 1024, decode_content=True))
    assert len(first) == BOMB_INFLATED


def test_a_stacked_encoding_is_refused_unread(bomb):
    consumed = []

    def raw():
        for chunk in chunks(bomb):
            consumed.append(chunk)
            yield chunk

    code, peak = peak_of(lambda: read_capped(raw(), "gzip, gzip", CAP))
    assert code == ENCODING
    assert consumed == []
    assert peak < 64 * 1024


def test_a_single_gzip_bomb_stops_at_the_cap(single_bomb):
    code, peak = peak_of(lambda: read_capped(chunks(single_bomb), "gzip", CAP))
    assert code == TOO_LARGE
    # The body under construction (the cap) and one bounded inflate step.
    assert peak < 3 * CAP


def test_an_encoded_body_within_the_cap_is_read():
    data = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 100
    assert read_capped(chunks(gzip.compress(data)), "gzip", CAP) == data
    assert read_capped(chunks(gzip.compress(data)), "x-gzip", CAP) == data
    assert read_capped(chunks(zlib.compress(data)), "deflate", CAP) == data
    two_members = gzip.compress(data[:100]) + gzip.compress(data[100:])
    assert read_capped(chunks(two_members, 7), "GZIP", CAP) == data
    assert read_capped(chunks(data), "identity", CAP) == data
    assert read_capped(chunks(data), None, CAP) == data


def test_exactly_the_cap_is_read_one_byte_more_is_not():
    assert len(read_capped(chunks(bytes(CAP)), "", CAP)) == CAP
    with pytest.raises(BodyRefused) as refused:
        read_capped(chunks(bytes(CAP + 1)), "", CAP)
    assert refused.value.code == TOO_LARGE
    assert len(read_capped([gzip.compress(bytes(CAP))], "gzip", CAP)) == CAP
    with pytest.raises(BodyRefused) as refused:
        read_capped([gzip.compress(bytes(CAP + 1))], "gzip", CAP)
    assert refused.value.code == TOO_LARGE


@pytest.mark.parametrize(
    "encoding, body",
    [
        ("br", b"\x0b\x02\x80hello\x03"),
        ("compress", b"\x1f\x9d\x90h"),
        ("gzip, identity, gzip", gzip.compress(gzip.compress(b"x"))),
        ("deflate, gzip", gzip.compress(zlib.compress(b"x"))),
        ("gzip", b"\x1f\x8b not really gzip"),
        ("gzip", gzip.compress(b"x") + b"trailing junk"),
    ],
)
def test_unknown_stacked_or_corrupt_encodings_are_refused(encoding, body):
    with pytest.raises(BodyRefused) as refused:
        read_capped(chunks(body), encoding, CAP)
    assert refused.value.code == ENCODING


def test_encodings_of_reads_the_header_as_listed():
    assert encodings_of(" GZIP ,identity, deflate") == ["gzip", "deflate"]
    assert encodings_of("") == encodings_of(None) == []
