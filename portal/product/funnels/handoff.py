"""The per-user chains a funnel's headline was computed from, handed to the details computed right
after it (time to convert, weekly trend), so the page can draw the funnel first without computing
the chains twice and without keeping millions of rows around: one entry, taken once, gone after
`ttl` seconds."""

from __future__ import annotations

import threading
import time


class Handoff:
    def __init__(self, ttl: float = 30.0):
        self.ttl = ttl
        self._lock = threading.Lock()
        self._entry: tuple[object, float, object] | None = None

    def put(self, key, value) -> None:
        with self._lock:
            self._entry = (key, time.monotonic(), value)

    def take(self, key):
        """The value put under `key` (and forget it), or None if another key replaced it or it expired."""
        with self._lock:
            entry, self._entry = self._entry, None
        if entry is None or entry[0] != key or time.monotonic() - entry[1] > self.ttl:
            return None
        return entry[2]


CHAINS = Handoff()
