"""Read an HTTP body into memory without ever holding more than a cap.

urllib3 (1.26, as requests uses it) decodes ``Content-Encoding`` a whole raw
chunk at a time, with no bound on what comes out: a few hundred bytes sent
as ``gzip, gzip`` inflate to hundreds of megabytes in one step, before any
size check can run. Here the raw body is read undecoded; one layer of gzip
or deflate is inflated with an output bound at every call, and anything
else (stacked or unknown encodings) is refused unread.
"""

import zlib

TOO_LARGE = "too_large"
ENCODING = "encoding"  # stacked, unknown or corrupt content encoding
CODES = (TOO_LARGE, ENCODING)

INFLATED_ENCODINGS = ("gzip", "x-gzip", "deflate")
# gzip or zlib headers, detected (what servers send as "deflate" is zlib).
_WBITS = 32 + zlib.MAX_WBITS


class BodyRefused(Exception):
    """The body is not read further; ``code`` is one of ``CODES``."""

    def __init__(self, code):
        super().__init__(code)
        self.code = code


def encodings_of(header):
    """The content codings of a ``Content-Encoding`` value, identity left out."""
    return [
        coding
        for coding in (part.strip().lower() for part in (header or "").split(","))
        if coding and coding != "identity"
    ]


class _Inflater:
    """One gzip/deflate layer (several gzip members too), bounded per call."""

    def __init__(self):
        self._decompressor = zlib.decompressobj(_WBITS)

    def inflate(self, data, budget):
        """At most ``budget + 1`` bytes of what ``data`` inflates to."""
        pieces, size = [], 0
        try:
            while data and size <= budget:
                decompressor = self._decompressor
                piece = decompressor.decompress(data, budget + 1 - size)
                pieces.append(piece)
                size += len(piece)
                if decompressor.unconsumed_tail:
                    data = decompressor.unconsumed_tail
                elif decompressor.eof and decompressor.unused_data:
                    data = decompressor.unused_data  # the next gzip member
                    self._decompressor = zlib.decompressobj(_WBITS)
                else:
                    data = b""
        except zlib.error as error:
            raise BodyRefused(ENCODING) from error
        return b"".join(pieces)


def read_capped(raw_chunks, content_encoding, cap):
    """The body from its raw (undecoded) chunks, at most ``cap`` bytes once
    decoded; raises BodyRefused past the cap or on an encoding not handled."""
    codings = encodings_of(content_encoding)
    if len(codings) > 1 or (codings and codings[0] not in INFLATED_ENCODINGS):
        raise BodyRefused(ENCODING)
    inflater = _Inflater() if codings else None
    body, received = bytearray(), 0
    for chunk in raw_chunks:
        received += len(chunk)
        if received > cap:
            raise BodyRefused(TOO_LARGE)
        if inflater:
            chunk = inflater.inflate(chunk, cap - len(body))
        body += chunk
        if len(body) > cap:
            raise BodyRefused(TOO_LARGE)
    return bytes(body)
