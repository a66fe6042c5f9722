"""How a worker process retires itself when a query it cannot cancel outlives its deadline.

pyoxigraph cannot stop a running query, so the only way to get the core back is to end the process.
:func:`retire` does it the gentle way gunicorn already knows for ``max_requests``: the worker stops
accepting, answers what it holds (every other in-flight request finishes or reaches its own deadline
within the graceful timeout), exits, and the arbiter starts a fresh worker. A backstop timer ends the
process outright should anything keep it from exiting.
"""

from __future__ import annotations

import logging
import os
import threading
from typing import Any

__all__ = ["attach", "retire"]

log = logging.getLogger("server")

_worker: Any = None
_grace = 30.0
_lock = threading.Lock()
_retiring = False


def attach(worker: Any, grace: float) -> None:
    """Remember this process's gunicorn worker (called once, after the fork)."""
    global _worker, _grace
    _worker = worker
    _grace = grace


def retire(reason: str) -> None:
    """Stop taking requests, finish those in flight, exit; gunicorn replaces the process."""
    global _retiring
    with _lock:
        if _retiring:
            return
        _retiring = True
    worker = _worker
    if worker is None:  # not under gunicorn (tests, ``flask run``): nothing to replace us
        return
    log.warning("worker %s retires: %s", os.getpid(), reason)
    worker.alive = False
    worker.method_queue.defer(lambda: None)  # wake the main loop so it sees alive=False now
    backstop = threading.Timer(_grace + 5.0, os._exit, (1,))
    backstop.daemon = True
    backstop.start()
