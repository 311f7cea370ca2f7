from contextlib import contextmanager


class SideEffects:
    """What one run of the inbox does outside the database, kept across savepoints.

    A batch that fails is rolled back and redone event by event, and a failed
    event is retried later: the database forgets, the platform does not.

    - ``once``: an idempotent call (a media download, an enrichment read) is
      made once per key for the whole run; its answer, or its error, is reused
      by every later attempt.
    - ``defer``: a write on the platform (hiding a comment) is only recorded
      while an event is processed, and run once that event's processing is
      committed; an attempt that fails drops the writes it asked for.
    """

    def __init__(self):
        self._reads = {}
        self._deferred = []
        self._keys_read = None

    def once(self, key, fetch):
        """``fetch()``'s result for ``key``, calling it only the first time."""
        if self._keys_read is not None:
            self._keys_read.append(key)
        if key not in self._reads:
            try:
                self._reads[key] = (True, fetch())
            except Exception as error:
                self._reads[key] = (False, error)
                raise
        succeeded, outcome = self._reads[key]
        if not succeeded:
            raise outcome
        return outcome

    def remember(self, key, value):
        """A result known without asking (kept from an earlier run)."""
        self._reads[key] = (True, value)

    def results(self, keys):
        """The successful results among ``keys``, by key."""
        return {
            key: self._reads[key][1]
            for key in keys
            if key in self._reads and self._reads[key][0]
        }

    def defer(self, write):
        """Keep ``write`` (a callable) to run once the attempt is committed."""
        self._deferred.append(write)

    @contextmanager
    def attempt(self):
        """One try at processing; yields the keys it read.

        If the block raises, the writes it deferred are dropped: its database
        work is rolled back, so nothing on the platform may follow from it.
        """
        mark, outer = len(self._deferred), self._keys_read
        self._keys_read = keys = []
        try:
            yield keys
        except BaseException:
            del self._deferred[mark:]
            raise
        finally:
            self._keys_read = outer
            if outer is not None:
                outer.extend(keys)

    def forget_reads(self):
        """Free the answers once a batch is committed: what it stored is known."""
        self._reads.clear()

    def drop_deferred(self):
        """Forget the deferred writes (their transaction was rolled back)."""
        self._deferred.clear()

    def take_deferred(self):
        """The deferred writes, in order; they are forgotten here."""
        deferred, self._deferred = self._deferred, []
        return deferred
