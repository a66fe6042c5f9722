"""The engine seam: what the front asks of whatever evaluates SPARQL, embedded store or remote endpoint.

Everything users see (guards, content negotiation, the result cache and ETags, linked-data pages, the
REST API) lives in the front and talks to an :class:`Engine` only through :meth:`Engine.query`, so a
remote engine (Oxigraph server, Virtuoso, Fuseki, QLever ...) slots in behind the same front. An engine
gets a query that already passed the guards, with the result format already negotiated; it returns the
serialized body, never a cut one: past its deadline it raises :class:`EngineTimeout`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from kg.library.sparqlerrors import SyntaxProblem, describe_syntax_error
from server.protocol.formats import Format

__all__ = [
    "Engine",
    "EngineBusy",
    "EngineError",
    "EngineFailed",
    "EngineResult",
    "EngineTimeout",
    "EngineUnavailable",
    "Limits",
    "Page",
    "QueryRejected",
    "QueryRequest",
]


@dataclass(frozen=True)
class Limits:
    """Caps applied to every result: rows (SELECT rows, CONSTRUCT triples) and bytes."""

    rows: int
    bytes: int


@dataclass(frozen=True)
class Page:
    """Which part of a SELECT result to give: columns left out, and a window of rows.

    ``hidden`` are variables (without ``?``) dropped from every format: a stored query's parameters, which
    must be projected to be bound but are not part of its answer. ``offset`` rows are skipped and at most
    ``limit`` kept (``None``: all). The window is cut from the complete, capped result, so paging through a
    result gives exactly its rows, in its order, whatever the engine.
    """

    hidden: tuple[str, ...] = ()
    offset: int = 0
    limit: int | None = None


@dataclass(frozen=True)
class QueryRequest:
    """One guarded query, ready for an engine.

    ``union`` asks for the union of every graph as the default graph (no FROM clause and no dataset
    parameter); ``default_graphs`` / ``named_graphs`` are the protocol's dataset parameters when given.
    ``bindings`` maps variable names to SPARQL-JSON terms substituted before evaluation. ``deadline`` is
    a ``time.monotonic()`` instant; ``base_iri`` resolves relative IRIs in the query; ``page`` selects
    columns and rows of a SELECT result.
    """

    query: str
    format: Format
    deadline: float
    union: bool = True
    default_graphs: tuple[str, ...] | None = None
    named_graphs: tuple[str, ...] | None = None
    bindings: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    base_iri: str | None = None
    page: Page | None = None


@dataclass(frozen=True)
class EngineResult:
    """A complete result in the requested format; ``truncated`` when the row or byte cap cut it.

    ``rows`` are the rows (or triples) in ``body``; ``total`` those of the whole capped result when a
    :class:`Page` window was cut from it.
    """

    body: bytes
    format: Format
    rows: int
    truncated: bool = False
    total: int | None = None


class EngineError(Exception):
    """A query the engine did not answer; ``status`` and ``message`` become the client's response."""

    status = 500

    def __init__(self, message: str, *, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


class QueryRejected(EngineError):
    """The engine refused the query itself (syntax, unsupported feature): the client's fault.

    A syntax error carries its :class:`~kg.library.sparqlerrors.SyntaxProblem` (line, column, hint) as ``problem``,
    for a JSON error body; ``message`` is its one line.
    """

    status = 400

    def __init__(self, message: str, *, problem: SyntaxProblem | None = None) -> None:
        super().__init__(message)
        self.problem = problem

    @classmethod
    def malformed(cls, query: str, err: SyntaxError, prefixes: Mapping[str, str] | None) -> QueryRejected:
        """The 400 for pyoxigraph's ``SyntaxError`` on ``query`` (run with default ``prefixes``), explained."""
        problem = describe_syntax_error(query, err, prefixes=prefixes)
        return cls(problem.message, problem=problem)


class EngineTimeout(EngineError):
    """The deadline passed before the result was complete (never answered as a partial 200)."""

    status = 503


class EngineBusy(EngineError):
    """No capacity to start the query within the waiting bound; retryable (``Retry-After``)."""

    status = 503


class EngineUnavailable(EngineError):
    """The engine cannot be reached or died while running the query; retryable."""

    status = 503


class EngineFailed(EngineError):
    """The engine answered with something that is not a valid, complete result (a bad gateway)."""

    status = 502


class Engine(Protocol):
    """What the front needs from an engine: run a query, count what is served, say how it is."""

    name: str

    def query(self, request: QueryRequest) -> EngineResult:
        """Run ``request`` and return its complete result, or raise an :class:`EngineError`."""
        ...

    def graph_sizes(self) -> dict[str, int]:
        """Triples per named graph IRI (key ``""`` for the engine's own default graph)."""
        ...

    def counters(self) -> dict[str, Any]:
        """JSON-ready counters of the engine in this process, read without asking the engine anything.

        A worker writes them into its health snapshot from its event loop about once a second, so this
        must not wait on I/O: a network round-trip there stalls every connection of the worker.
        """
        ...

    def health(self) -> dict[str, Any]:
        """The counters and ``status`` (``ok`` or ``unavailable``) for ``/health``; may ask the engine."""
        ...

    def close(self) -> None:
        """Release what the engine holds (threads, connections)."""
        ...
