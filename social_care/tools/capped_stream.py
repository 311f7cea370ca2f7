"""A request body that cannot be read past a limit.

Werkzeug reads a chunked body (no Content-Length) whole, whatever
``max_content_length`` says: a public route must read through this cap so an
outsider cannot make the server hold an endless body in memory.
"""

import io

from werkzeug.exceptions import RequestEntityTooLarge


class CappedStream(io.RawIOBase):
    """Reads ``stream`` until its end or ``limit`` bytes, then refuses (413)."""

    def __init__(self, stream, limit):
        super().__init__()
        self._stream = stream
        self._left = limit

    def readable(self):
        return True

    def readinto(self, buffer):
        # One byte more than allowed tells "at the limit" from "past it".
        data = self._stream.read(min(len(buffer), self._left + 1))
        if len(data) > self._left:
            raise RequestEntityTooLarge()
        self._left -= len(data)
        buffer[: len(data)] = data
        return len(data)
