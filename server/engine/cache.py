"""Results kept per release, so a repeated query costs a dictionary look-up instead of a worker.

The data never change while the server runs, so a result is valid until the server stops; the cache
is bounded in bytes and forgets the least recently used results first. Identical queries that arrive
while the first is still running wait for its answer instead of occupying more workers.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

__all__ = ["ResultCache"]

V = TypeVar("V")


class _Flight(Generic[V]):
    def __init__(self) -> None:
        self.done = threading.Event()
        self.value: V | None = None
        self.error: BaseException | None = None


class ResultCache(Generic[V]):
    """A byte-bounded LRU map with single-flight computation of missing entries."""

    def __init__(self, max_bytes: int, size_of: Callable[[V], int]) -> None:
        self._max_bytes = max_bytes
        self._size_of = size_of
        self._entries: OrderedDict[Hashable, tuple[V, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self._flights: dict[Hashable, _Flight[V]] = {}
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable) -> V | None:
        """The cached value, or ``None``."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return entry[0]

    def put(self, key: Hashable, value: V, size: int | None = None) -> None:
        """Store ``value`` under ``key``; ``size`` overrides the measured size (for aliases of an entry)."""
        with self._lock:
            if key not in self._entries:
                self._put(key, value, size)

    def _put(self, key: Hashable, value: V, size: int | None = None) -> None:
        size = self._size_of(value) if size is None else size
        if size > self._max_bytes // 4:
            return
        self._entries[key] = (value, size)
        self._bytes += size
        while self._bytes > self._max_bytes and self._entries:
            _, (_, dropped) = self._entries.popitem(last=False)
            self._bytes -= dropped

    def get_or_compute(self, key: Hashable, compute: Callable[[], V], keep: Callable[[V], bool], wait: float) -> V:
        """Return the cached value or compute it once, however many threads ask at the same time.

        ``keep`` decides whether a computed value is cached; callers arriving while it is computed wait
        at most ``wait`` seconds before computing it themselves.
        """
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
                self.hits += 1
                return entry[0]
            self.misses += 1
            flight = self._flights.get(key)
            leader = flight is None
            if flight is None:
                flight = self._flights[key] = _Flight()
        if not leader:
            if flight.done.wait(wait) and flight.error is None and flight.value is not None:
                return flight.value
            return compute()
        try:
            value = compute()
        except BaseException as err:
            flight.error = err
            raise
        else:
            flight.value = value
            if keep(value):
                with self._lock:
                    self._put(key, value)
            return value
        finally:
            with self._lock:
                self._flights.pop(key, None)
            flight.done.set()

    @property
    def size(self) -> int:
        """Bytes currently held."""
        return self._bytes

    def __len__(self) -> int:
        return len(self._entries)
