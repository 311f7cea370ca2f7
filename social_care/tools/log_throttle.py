"""At most one log line per key and interval.

Some refusals are worth a warning (an app without secret is misconfigured), but
anyone can trigger them: logging each would let an outsider flood the log.
"""

import time


class LogThrottle:
    """``allow(key)`` is true once per ``interval`` seconds for each key."""

    def __init__(self, interval):
        self.interval = interval
        self._last = {}

    def allow(self, key, now=None):
        now = time.monotonic() if now is None else now
        last = self._last.get(key)
        if last is not None and now - last < self.interval:
            return False
        self._last[key] = now
        return True
