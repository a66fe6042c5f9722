"""How long each shape of query ran lately, so that slow ones can be kept off a front's last idle worker.

Nobody knows what a query costs before it runs, but an endpoint mostly gets the same questions again
with other IRIs or strings in them: the query page's examples, the REST API, dashboards, a script
walking a list of classes. So the front remembers, per query shape (the tokens without IRIs, strings,
comments or spacing: :func:`server.guard.shape_key`), how long the engine took on it, and a query of a
shape that was slow never gets the worker the pool keeps for quick queries
(:meth:`server.pool.WorkerPool.run`). Lookups then never queue behind scans, which is what an
interactive user notices; the scans still get every general worker, so they keep the cores busy.

A shape never seen is assumed quick: the first run of a slow question costs what it always did, and
teaches the front. Memory is bounded: the least recently used shapes are forgotten first.
"""

from __future__ import annotations

import collections
import threading

__all__ = ["RunTimes"]


class RunTimes:
    """Smoothed engine time per query shape, and whether a shape counts as slow.

    ``slow_after`` is in seconds; 0 or less means no shape is ever slow. Each new time is averaged with
    the remembered one (halving the weight of the past at every run), so one unusually quick or slow run
    moves a shape half-way, and a shape that changes its behaviour is reclassified within a few runs.
    """

    def __init__(self, slow_after: float, capacity: int = 4096) -> None:
        self.slow_after = slow_after
        self.capacity = capacity
        self._seconds: collections.OrderedDict[bytes, float] = collections.OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._seconds)

    def is_slow(self, shape: bytes) -> bool:
        """Whether queries of this shape have lately taken longer than ``slow_after``."""
        if self.slow_after <= 0:
            return False
        with self._lock:
            seconds = self._seconds.get(shape)
        return seconds is not None and seconds > self.slow_after

    def record(self, shape: bytes, seconds: float) -> None:
        """Remember that a query of this shape took ``seconds`` in the engine (or was stopped after them)."""
        if self.slow_after <= 0:
            return  # nothing is ever slow: keeping times would only cost memory and a lock per query
        with self._lock:
            before = self._seconds.pop(shape, None)
            self._seconds[shape] = seconds if before is None else (before + seconds) / 2
            while len(self._seconds) > self.capacity:
                self._seconds.popitem(last=False)
