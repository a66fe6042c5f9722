"""The embedded engine: an in-memory pyoxigraph store in the serving process, queried on its own threads.

pyoxigraph releases the GIL while it evaluates and serializes, so the threads of one process run queries
on every core and share one copy of the store: no per-query IPC, no second serialization. It cannot
cancel a running query, so each query runs on a daemon thread that the request thread waits for until
the deadline; past it the client gets a 503 at once and the process is told to retire (``on_runaway``):
it stops taking requests, finishes those in flight, exits, and the supervisor starts a fresh one. A
memory watchdog does the same for a query (a huge ORDER BY, say) that would otherwise grow the process
without bound: the queries in flight get a retryable 503 instead of an out-of-memory kill.

Results are capped and serialized by :mod:`server.engine.results`, the same code the remote engine uses.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from importlib.resources import files
from typing import Any, cast

import pyoxigraph as ox

from kg.errors import UserError
from kg.library.sparqljson import term_from_json
from kg.prefixes import default_prefixes
from server.engine.base import (
    EngineError,
    EngineResult,
    EngineTimeout,
    EngineUnavailable,
    Limits,
    QueryRejected,
    QueryRequest,
)
from server.engine.dataset import DataFile
from server.engine.results import capped_result
from server.health import rss_mb
from server.release import Release

__all__ = ["EmbeddedEngine", "check_data_file", "load_store"]

log = logging.getLogger(__name__)


def load_store(release: Release | None, data: tuple[DataFile, ...]) -> ox.Store:
    """Build the in-memory store with pyoxigraph's native parsers (no Python object per triple).

    Raises :class:`UserError` naming the file and position when a file does not parse.
    """
    store = ox.Store()
    if release is not None:
        fmt = ox.RdfFormat.N_QUADS if release.dump.suffix == ".nq" else ox.RdfFormat.TRIG
        try:
            # The dump is our own build's validated output: skip re-validating every IRI (about 30% faster).
            store.load(path=str(release.dump), format=fmt, lenient=True)
        except (SyntaxError, ValueError, OSError) as err:
            raise UserError(f"cannot load the release dump: {err}", path=release.dump) from err
    for item in data:
        fmt = item.rdf_format
        target = ox.NamedNode(item.graph) if item.graph else None
        try:
            store.load(path=str(item.path), format=fmt, base_iri=item.path.resolve().as_uri(), to_graph=target)
        except (SyntaxError, ValueError, OSError) as err:
            raise UserError(f"cannot load data file: {err}", path=item.path) from err
    return store


def check_data_file(item: DataFile) -> int:
    """Parse a ``--data`` file once without keeping it (before any worker starts); return its statements.

    The same native parser and options as :func:`load_store`, so a file that passes here loads there.
    """
    fmt = item.rdf_format
    count = 0
    try:
        for _ in ox.parse(path=str(item.path), format=fmt, base_iri=item.path.resolve().as_uri()):
            count += 1
    except (SyntaxError, ValueError, OSError) as err:
        raise UserError(f"cannot load data file: {err}", path=item.path) from err
    return count


def _options(request: QueryRequest) -> dict[str, Any]:
    options: dict[str, Any] = {}
    if request.default_graphs is not None or request.named_graphs is not None:
        options["default_graph"] = [ox.NamedNode(iri) for iri in request.default_graphs or ()]
        options["named_graphs"] = [ox.NamedNode(iri) for iri in request.named_graphs or ()]
    elif request.union:
        options["use_default_graph_as_union"] = True
    if request.bindings:
        options["substitutions"] = {ox.Variable(name): term_from_json(t) for name, t in request.bindings.items()}
    if request.base_iri:
        options["base_iri"] = request.base_iri
    return options


def evaluate(store: ox.Store, request: QueryRequest, limits: Limits, prefixes: dict[str, str]) -> EngineResult:
    """Run one query to a complete, capped result in the requested format (raises :class:`EngineError`).

    ``prefixes`` (the project's table) may be used in the query undeclared, and prefix its Turtle results.
    """
    fmt = request.format
    try:
        options = _options(request)
    except (ValueError, TypeError) as err:
        raise QueryRejected(f"invalid dataset or bindings: {err}") from err
    try:
        result = store.query(request.query, prefixes=prefixes, **options)
    except SyntaxError as err:
        raise QueryRejected.malformed(request.query, err, prefixes) from err
    except (RuntimeError, ValueError, TypeError, OSError) as err:
        raise QueryRejected(f"query refused by the engine: {err}") from err
    return capped_result(result, fmt, limits, prefixes, request.page)


class _Job:
    """One query on its own thread: the request thread waits on ``done`` until its deadline."""

    __slots__ = ("done", "error", "result")

    def __init__(self) -> None:
        self.done = threading.Event()
        self.result: EngineResult | None = None
        self.error: BaseException | None = None


class _QueryThreads:
    """Daemon threads that run queries, started when none is idle and then reused.

    Starting a thread per query cost about 3% of a worker's time on selective queries (py-spy); a
    ``ThreadPoolExecutor`` would reuse threads too, but its threads are joined at interpreter exit, and a
    thread held by a runaway query must never keep a process from ending.
    """

    def __init__(self) -> None:
        self._tasks: queue.SimpleQueue[tuple[Callable[..., None], tuple[Any, ...]]] = queue.SimpleQueue()
        self._idle = 0
        self._lock = threading.Lock()

    def submit(self, task: Callable[..., None], *args: Any) -> None:
        with self._lock:
            start = self._idle == 0
            if not start:
                self._idle -= 1
        self._tasks.put((task, args))
        if start:
            threading.Thread(target=self._serve, daemon=True, name="mkg-query").start()

    def _serve(self) -> None:
        while True:
            task, args = self._tasks.get()
            task(*args)
            with self._lock:
                self._idle += 1


class EmbeddedEngine:
    """The store of this process behind the :class:`~server.engine.base.Engine` seam.

    ``on_runaway(reason)`` is called once when a query outlives its deadline or the process passes
    ``memory_mb``: the serving layer retires the process (see :mod:`server.serving.lifecycle`).
    """

    name = "embedded"

    def __init__(
        self,
        store: ox.Store,
        limits: Limits,
        prefixes: dict[str, str],
        *,
        on_runaway: Callable[[str], None] | None = None,
        memory_mb: int = 0,
        watch_interval: float = 0.1,
    ) -> None:
        self.store = store
        self.limits = limits
        self.prefixes = prefixes
        self._on_runaway = on_runaway or (lambda reason: None)
        self._lock = threading.Lock()
        self._jobs: set[_Job] = set()
        self._threads = _QueryThreads()
        self.queries = 0
        self.timeouts = 0
        self.memory_stops = 0
        self.runaways = 0
        self.retiring: str | None = None
        self.memory_mb = memory_mb
        self._stop = threading.Event()
        if memory_mb > 0:
            threading.Thread(target=self._watch_memory, args=(watch_interval,), daemon=True, name="mkg-memory").start()

    @classmethod
    def load(cls, release: Release | None, data: tuple[DataFile, ...], limits: Limits, **kwargs: Any) -> EmbeddedEngine:
        """Load the release dump and data files into a fresh store."""
        return cls(load_store(release, data), limits, default_prefixes(), **kwargs)

    def _retire(self, reason: str) -> None:
        with self._lock:
            first = self.retiring is None
            if first:
                self.retiring = reason
        if first:
            log.warning("retiring this process: %s", reason)
            self._on_runaway(reason)

    def _watch_memory(self, interval: float) -> None:
        while not self._stop.wait(interval):
            used = rss_mb()
            if used <= self.memory_mb:
                continue
            message = (
                f"the server ran short of memory on a query (this process held {used:.0f} MiB, the limit is"
                f" {self.memory_mb} MiB); the query was stopped, try a more selective one or later"
            )
            with self._lock:
                jobs = list(self._jobs)
                self._jobs.clear()
                self.memory_stops += len(jobs)
            for job in jobs:
                job.error = EngineUnavailable(message, retry_after=5)
                job.done.set()
            self._retire(f"memory {used:.0f} MiB over the {self.memory_mb} MiB limit")
            return

    def _run(self, job: _Job, request: QueryRequest) -> None:
        try:
            job.result = evaluate(self.store, request, self.limits, self.prefixes)
        except BaseException as err:
            job.error = err
        finally:
            with self._lock:
                self._jobs.discard(job)
            job.done.set()

    def query(self, request: QueryRequest) -> EngineResult:
        """Run on a query thread; past ``request.deadline`` answer :class:`EngineTimeout` and retire."""
        job = _Job()
        with self._lock:
            self._jobs.add(job)
            self.queries += 1
        self._threads.submit(self._run, job, request)
        if not job.done.wait(max(0.0, request.deadline - time.monotonic())):
            with self._lock:
                self._jobs.discard(job)
                self.timeouts += 1
            self._retire("a query outlived its time limit")
            raise EngineTimeout("the query did not finish within the time limit and was stopped")
        if job.error is not None:
            if isinstance(job.error, EngineError):
                raise job.error
            raise EngineUnavailable(f"the query engine failed: {job.error}") from job.error
        assert job.result is not None
        return job.result

    def graph_sizes(self) -> dict[str, int]:
        """Triples per named graph, and ``""`` for the store's own default graph, counted by the engine."""
        query = files("server").joinpath("queries", "graph-sizes.rq").read_text(encoding="utf-8")
        counts: dict[str, int] = {}
        for row in cast(ox.QuerySolutions, self.store.query(query)):
            graph = row["g"]
            counts[graph.value if isinstance(graph, ox.NamedNode) else ""] = int(cast(ox.Literal, row["n"]).value)
        return counts

    def counters(self) -> dict[str, Any]:
        """Counters of the engine in this process: queries run, timeouts, memory, whether it is retiring."""
        with self._lock:
            running = len(self._jobs)
        return {
            "engine": self.name,
            "queries": self.queries,
            "running": running,
            "timeouts": self.timeouts,
            "memory_stops": self.memory_stops,
            "retiring": self.retiring,
        }

    def health(self) -> dict[str, Any]:
        """The counters; an engine in this process answers whenever the process does."""
        return {"status": "ok", **self.counters()}

    def close(self) -> None:
        """Stop the memory watchdog (query threads are daemons and die with the process)."""
        self._stop.set()
