"""A remote engine: an existing SPARQL 1.1 Protocol query endpoint behind the same seam as the embedded store.

The front keeps everything users see (guards, conneg, caching, linked data, the API): the engine is asked
only for what the embedded store gives, in formats that every SPARQL engine writes — SPARQL JSON for
SELECT and ASK, N-Triples for CONSTRUCT and DESCRIBE — and the result is capped and written in the
requested format by the same code as the embedded engine's (:mod:`server.engine.results`). The time
limit is enforced here (the HTTP call gets what is left of the request's deadline: 503 past it, never a
cut 200) and passed down as the ``timeout`` parameter that Virtuoso and Fuseki accept.

Bindings of a stored query are put in place of their variables in the text
(:func:`server.protocol.guard.substitute_variables`, as the embedded store's substitutions do), and the
endpoint's URL becomes a ``BASE``. A query without its own dataset is sent with the release's graphs as
``default-graph-uri`` and ``named-graph-uri``, so it sees exactly what it would see on the embedded store
(whose default graph is the union of those graphs) and none of the engine's other graphs.

Engine quirks met so far, handled here: Virtuoso answers a query it cut at its ``timeout`` with HTTP 206
or an ``X-SQL-State`` header (a 503 here, never a 200); the Oxigraph server answers 500 for a function it
does not know (passed on as a 502 naming it); an answer in another media type than asked for, JSON or
N-Triples that do not parse, or a body shorter than its ``Content-Length`` is a 502, never passed on;
Virtuoso labels blank nodes ``nodeID://…``, which are not valid labels and are rewritten, and writes
booleans as ``1``/``0`` (made ``true``/``false``) and N-Triples with tabs between terms (written
again canonically); Virtuoso's ``DESCRIBE`` gives the resource's own triples, and triples pointing at it,
without the blank nodes they reach, so a query for a graph sent to an engine whose ``Server`` header
names Virtuoso starts with ``define sql:describe-mode "CBD"`` (the concise bounded description, what
pyoxigraph's ``DESCRIBE`` gives, so OWL class expressions arrive whole). Differences
left as the engine gives them (``tests/linked/test_engines_agree.py`` lists them): Virtuoso types
``EXISTS`` as ``xsd:integer``, gives ``""`` for an empty ``GROUP_CONCAT`` and drops its language tag,
orders ``GROUP_CONCAT`` differently, and drops rows where ``COALESCE`` meets an unbound variable.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from http.client import HTTPException
from importlib.resources import files
from typing import Any
from urllib.parse import urlencode

import pyoxigraph as ox

from kg.namespaces import XSD
from kg.prefixes import declarations
from server.engine.base import (
    EngineFailed,
    EngineResult,
    EngineTimeout,
    EngineUnavailable,
    Limits,
    QueryRejected,
    QueryRequest,
)
from server.engine.publish import stored_graph
from server.engine.results import SOLUTION_FORMATS, capped_result, capped_triples
from server.protocol.guard import rename_graphs, substitute_variables

__all__ = ["RemoteEngine", "open_remote_engine"]

_SPARQL_JSON = "application/sparql-results+json"
_NTRIPLES = "application/n-triples"
_MAX_ERROR = 2000
_BOOLEAN = str(XSD.boolean)
_SYNTAX = ox.Store()  # always empty: only parses
# The media types accepted as each requested one: anything else is not passed on as a result.
_ANSWER_TYPES = {
    _SPARQL_JSON: {_SPARQL_JSON, "application/json"},
    _NTRIPLES: {_NTRIPLES, "text/plain"},
}


def _term(value: Mapping[str, str]) -> str:
    kind, text = value.get("type"), value.get("value", "")
    if kind == "uri":
        return str(ox.NamedNode(text))
    if kind == "bnode":
        raise QueryRejected("a blank node cannot be bound in a query sent to a remote engine")
    if "xml:lang" in value:
        return str(ox.Literal(text, language=value["xml:lang"]))
    if "datatype" in value:
        return str(ox.Literal(text, datatype=ox.NamedNode(value["datatype"])))
    return str(ox.Literal(text))


def _canonical_results(body: bytes, unstored: dict[str, str] | None = None) -> bytes:
    """SPARQL JSON results with what only one engine writes made portable, without changing any value.

    Blank node labels become valid ones (Virtuoso writes ``nodeID://b10001``; a stable hash keeps which
    rows share a node), ``xsd:boolean`` values get their canonical lexical form (Virtuoso writes
    ``1`` and ``0``, pyoxigraph ``true`` and ``false``: the same values), and versioned graph names are
    given back their release names.
    """
    if b'"bnode"' not in body and _BOOLEAN.encode() not in body and not _mentions(body, unstored):
        return body  # the common case: the walk costs 49 ms per 10,000 rows (json.loads and dumps)
    results = json.loads(body)
    for row in results.get("results", {}).get("bindings", []):
        for term in row.values():
            if term.get("type") == "bnode":
                term["value"] = "b" + hashlib.sha1(term["value"].encode(), usedforsecurity=False).hexdigest()[:16]
            elif unstored and term.get("type") == "uri" and term.get("value") in unstored:
                term["value"] = unstored[term["value"]]
            elif term.get("datatype") == _BOOLEAN and term.get("value") in ("1", "0"):
                term["value"] = "true" if term["value"] == "1" else "false"
    return json.dumps(results).encode()


def _mentions(body: bytes, iris: dict[str, str] | None) -> bool:
    """Whether ``body`` names one of ``iris``, written plain or with the slashes escaped as JSON allows."""
    return bool(iris) and any(iri.encode() in body or iri.replace("/", "\\/").encode() in body for iri in iris or ())


_REIFIED = (
    "<http://www.w3.org/1999/02/22-rdf-syntax-ns#subject>",
    "<http://www.w3.org/1999/02/22-rdf-syntax-ns#predicate>",
    "<http://www.w3.org/1999/02/22-rdf-syntax-ns#object>",
)


def _without_reifications(ntriples: bytes) -> bytes:
    """Virtuoso's CBD without the reifications of its triples, which pyoxigraph's ``DESCRIBE`` leaves out.

    A subject that reifies a triple of the answer (its ``rdf:subject``, ``rdf:predicate`` and
    ``rdf:object`` are that triple) is one Virtuoso added as the CBD's definition allows: its triples go.
    """
    lines = [line for line in ntriples.decode().splitlines() if line]
    parts = [line.removesuffix(" .").split(" ", 2) for line in lines]
    stated = {tuple(p) for p in parts}
    reified: dict[str, dict[str, str]] = {}
    for s, p, o in parts:
        if p in _REIFIED and not s.startswith("_:"):
            reified.setdefault(s, {})[p] = o
    drop = {s for s, parts_of in reified.items() if tuple(parts_of.get(p) for p in _REIFIED) in stated}
    if not drop:
        return ntriples
    return "".join(line + "\n" for line, (s, _, _) in zip(lines, parts, strict=True) if s not in drop).encode()


class RemoteEngine:
    """A SPARQL 1.1 Protocol query endpoint at ``url``."""

    name = "remote"

    def __init__(self, url: str, limits: Limits, timeout: float) -> None:
        self.url = url
        self.limits = limits
        self.timeout = timeout
        self.queries = 0
        self.timeouts = 0
        self.failures = 0
        self.running = 0  # queries waiting on the engine now, for /health
        self._running = threading.Lock()
        self.prefixes: dict[str, str] = {}
        self.graphs: tuple[str, ...] = ()
        self.stored: dict[str, str] = {}  # release graph -> its name in the engine, when published by version
        self._unstored: dict[str, str] = {}
        self.virtuoso = False  # the engine's Server header says Virtuoso: its DESCRIBE needs a define

    def _post(self, query: str, accept: str, deadline: float, request: QueryRequest | None = None) -> bytes:
        fields = [("query", query), ("timeout", str(max(1, int(self.timeout * 1000))))]
        if request is not None and request.default_graphs is not None:
            fields += [("default-graph-uri", self.stored.get(iri, iri)) for iri in request.default_graphs]
            fields += [("named-graph-uri", self.stored.get(iri, iri)) for iri in request.named_graphs or ()]
        elif request is not None and request.union and self.graphs:
            # The served graphs as the dataset: an engine also holds other graphs (Virtuoso its own system
            # graphs), and the embedded store's default graph is the union of exactly these.
            fields += [("default-graph-uri", self.stored.get(iri, iri)) for iri in self.graphs]
            fields += [("named-graph-uri", self.stored.get(iri, iri)) for iri in self.graphs]
        http = urllib.request.Request(  # noqa: S310 (the http(s) URL given as --engine, checked in ServerConfig)
            self.url,
            data=urlencode(fields).encode(),
            headers={"Accept": accept, "Content-Type": "application/x-www-form-urlencoded"},
            method="POST",
        )
        left = deadline - time.monotonic()
        if left <= 0:
            raise EngineTimeout("the query did not finish within the time limit")
        try:
            with urllib.request.urlopen(http, timeout=left) as answer:  # noqa: S310 (an http(s) URL we were given)
                if answer.status != 200:  # e.g. Virtuoso's 206 partial ("anytime") results
                    raise EngineTimeout("the engine gave only a partial result within the time limit")
                if answer.headers.get("X-SQL-State"):
                    raise EngineTimeout("the engine gave only a partial result within the time limit")
                self.virtuoso = answer.headers.get("Server", "").startswith("Virtuoso/")
                media = answer.headers.get_content_type()
                if media not in _ANSWER_TYPES[accept]:
                    self.failures += 1
                    raise EngineFailed(f"the engine answered {media}, not {accept}")
                body: bytes = answer.read()
                return body
        except urllib.error.HTTPError as err:
            text = err.read(_MAX_ERROR).decode("utf-8", "replace").strip()
            if 400 <= err.code < 500:
                raise QueryRejected(f"the engine refused the query: {text}") from err
            self.failures += 1
            raise EngineFailed(f"the engine failed ({err.code}): {text}") from err
        except TimeoutError as err:
            self.timeouts += 1
            raise EngineTimeout("the query did not finish within the time limit") from err
        except HTTPException as err:  # e.g. a body shorter than its Content-Length
            self.failures += 1
            raise EngineFailed(f"the engine's answer was cut short: {err!r}") from err
        except (urllib.error.URLError, ConnectionError, OSError) as err:
            self.failures += 1
            raise EngineUnavailable(f"the engine at {self.url} cannot be reached: {err}", retry_after=5) from err

    def query(self, request: QueryRequest) -> EngineResult:
        """Run ``request`` on the engine (:meth:`_query`), counted as running meanwhile."""
        with self._running:
            self.running += 1
        try:
            return self._query(request)
        finally:
            with self._running:
                self.running -= 1

    def _query(self, request: QueryRequest) -> EngineResult:
        """Send the query, then cap and write the answer like the embedded engine.

        The syntax is not checked here first: pyoxigraph parses and plans a query together (300 triple
        patterns take seconds on an empty store), so a valid query goes straight to the engine. Only when
        the engine refuses it is the text parsed here (:meth:`_explain_refusal`), so a malformed query gets
        the same 400, with the same position, whichever engine answers. The guards (SERVICE, LOAD,
        updates) ran before, on the shared lexer pass. The default prefixes the query uses without
        declaring them are declared in front of the text sent.
        """
        self.queries += 1
        try:
            return self._send(request)
        except (QueryRejected, EngineFailed) as err:
            if isinstance(err.__cause__, urllib.error.HTTPError):  # the engine's refusal (4xx) or failure (5xx)
                self._explain_refusal(request)
            raise

    def _explain_refusal(self, request: QueryRequest) -> None:
        """Raise our own 400 when ``request`` is malformed (the engine refused it); else return.

        pyoxigraph gives the message and position the embedded store gives (an undeclared prefix
        included); its planning cost is paid only on this path, for a query the engine already refused.
        """
        try:
            _SYNTAX.query(request.query, base_iri=request.base_iri, prefixes=self.prefixes or None)
        except SyntaxError as err:
            raise QueryRejected.malformed(request.query, err, self.prefixes) from err
        except (RuntimeError, ValueError, TypeError, OSError):
            pass  # evaluation matters on the engine, not on the empty store

    def _send(self, request: QueryRequest) -> EngineResult:
        # The engine knows nothing of our default prefixes: declare those the query uses undeclared.
        text = declarations(request.query, self.prefixes) + request.query
        if request.bindings:
            text = substitute_variables(text, {name: _term(term) for name, term in request.bindings.items()})
        if self.stored:
            text = rename_graphs(text, self.stored)
        if request.base_iri:
            text = f"BASE <{request.base_iri}>\n{text}"
        if request.format.name in SOLUTION_FORMATS:
            body = self._post(text, _SPARQL_JSON, request.deadline, request)
            try:
                body = _canonical_results(body, self._unstored)
                result = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
                # The parse is lazy: a body cut short fails while the rows are written.
                return capped_result(result, request.format, self.limits, self.prefixes, request.page)
            except (SyntaxError, ValueError, QueryRejected) as err:
                if isinstance(err, QueryRejected) and not isinstance(err.__cause__, SyntaxError):
                    raise
                self.failures += 1
                why = err.__cause__ if isinstance(err, QueryRejected) else err
                raise EngineFailed(f"the engine's answer is not SPARQL JSON results: {why}") from err
        if self.virtuoso:  # its DESCRIBE leaves blank nodes unfollowed unless told to give the CBD
            text = f'define sql:describe-mode "CBD"\n{text}'
        body = self._post(text, _NTRIPLES, request.deadline, request)
        try:  # checked, and written canonically (Virtuoso separates terms with tabs)
            body = ox.serialize(ox.parse(body, format=ox.RdfFormat.N_TRIPLES), format=ox.RdfFormat.N_TRIPLES) or b""
        except SyntaxError as err:
            self.failures += 1
            raise EngineFailed(f"the engine's answer is not N-Triples: {err}") from err
        if self.virtuoso:
            body = _without_reifications(body)
        for stored, iri in self._unstored.items():
            body = body.replace(f"<{stored}>".encode(), f"<{iri}>".encode())
        return capped_triples(body, request.format, self.limits, self.prefixes)

    def use_published(self, version: str) -> bool:
        """Map the release's graphs onto their versioned names when the engine holds them so (``mkg publish``)."""
        if not self.graphs:
            return False
        probe = stored_graph(self.graphs[0], version)
        body = self._post(f"ASK {{ GRAPH <{probe}> {{ ?s ?p ?o }} }}", _SPARQL_JSON, time.monotonic() + 30.0)
        if not json.loads(body).get("boolean"):
            return False
        self.stored = {iri: stored_graph(iri, version) for iri in self.graphs}
        self._unstored = {v: k for k, v in self.stored.items()}
        return True

    def graph_sizes(self) -> dict[str, int]:
        """Triples per named graph, counted by the engine."""
        query = files("server").joinpath("queries", "graph-sizes.rq").read_text(encoding="utf-8")
        body = self._post(query, _SPARQL_JSON, time.monotonic() + max(self.timeout, 60.0))
        counts: dict[str, int] = {}
        for row in json.loads(body)["results"]["bindings"]:
            graph = row.get("g", {})
            counts[graph.get("value", "") if graph.get("type") == "uri" else ""] = int(row["n"]["value"])
        return counts

    def health(self) -> dict[str, Any]:
        """Whether the engine answers ``ASK {}`` now (so ``/health`` is 503 when it does not), and counters."""
        try:
            self._post("ASK {}", _SPARQL_JSON, time.monotonic() + 2.0)
            status = "ok"
        except (EngineUnavailable, EngineFailed, EngineTimeout, QueryRejected):
            status = "unavailable"
        return {"status": status, **self.counters()}

    def counters(self) -> dict[str, Any]:
        """What this process has seen of the engine; no request is made."""
        return {
            "engine": self.name,
            "engine_url": self.url,
            "queries": self.queries,
            "timeouts": self.timeouts,
            "failures": self.failures,
            "running": self.running,
        }

    def close(self) -> None:
        """Nothing is held open between queries."""


def open_remote_engine(url: str, limits: Limits, timeout: float) -> RemoteEngine:
    """The engine at ``url``, checked with ``ASK {}`` so a wrong URL is one clear start-up error."""
    from kg.errors import UserError

    engine = RemoteEngine(url, limits, timeout)
    try:
        engine._post("ASK {}", _SPARQL_JSON, time.monotonic() + max(timeout, 10.0))
    except (EngineUnavailable, EngineFailed, QueryRejected, EngineTimeout) as err:
        raise UserError(f"the engine does not answer SPARQL queries: {err.message}", field="--engine") from err
    return engine
