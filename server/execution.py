"""Run one query on the store and write its results, inside a query process, with the row and size caps.

pyoxigraph serializes results natively (far faster than Python can), but offers no way to stop after N
rows. So results are first written as TSV (SELECT) or N-Triples (CONSTRUCT / DESCRIBE), one row per
line, into a sink that counts lines and stops the engine as soon as the cap is passed; the kept lines
are then parsed back and re-serialized natively in the requested format. Stopping early also bounds
the work a huge result costs.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import IO, Any, cast

import pyoxigraph as ox

from server.formats import BY_NAME

__all__ = ["Limits", "execute", "term_from_json"]


@dataclass(frozen=True)
class Limits:
    """Caps applied to every result."""

    rows: int
    bytes: int


class _CapReached(Exception):
    """Raised from the sink's ``write`` to stop pyoxigraph's serializer."""


class _LineSink:
    """A binary file-like object that keeps what it is given until a line or byte cap is passed."""

    def __init__(self, max_lines: int, max_bytes: int) -> None:
        self.parts: list[bytes] = []
        self.lines = 0
        self.size = 0
        self.max_lines = max_lines
        self.max_bytes = max_bytes
        self.stopped = False

    def write(self, data: bytes) -> int:
        chunk = bytes(data)
        self.parts.append(chunk)
        self.lines += chunk.count(b"\n")
        self.size += len(chunk)
        if self.lines > self.max_lines or self.size > self.max_bytes:
            self.stopped = True
            raise _CapReached
        return len(chunk)

    def flush(self) -> None:
        """Nothing to flush: everything is kept in memory."""

    def kept(self, max_lines: int) -> tuple[bytes, bool]:
        """The first ``max_lines`` complete lines within the byte cap, and whether anything was cut."""
        data = b"".join(self.parts)
        if not self.stopped and data.count(b"\n") <= max_lines:
            return data, False
        limit = min(len(data), self.max_bytes)
        end = 0
        for _ in range(max_lines):
            nxt = data.find(b"\n", end, limit)
            if nxt < 0:
                break
            end = nxt + 1
        return data[:end], True


def term_from_json(value: dict[str, Any]) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """A term written as in SPARQL JSON results (``{"type": "uri", "value": ...}``)."""
    kind = value.get("type")
    text = value.get("value")
    if not isinstance(text, str):
        raise ValueError(f"binding has no string value: {value!r}")
    if kind == "uri":
        return ox.NamedNode(text)
    if kind == "bnode":
        return ox.BlankNode(text)
    if kind in ("literal", "typed-literal"):
        if "xml:lang" in value:
            return ox.Literal(text, language=value["xml:lang"])
        if "datatype" in value:
            return ox.Literal(text, datatype=ox.NamedNode(value["datatype"]))
        return ox.Literal(text)
    raise ValueError(f"unknown binding type {kind!r}")


def _dataset(request: dict[str, Any]) -> dict[str, Any]:
    options: dict[str, Any] = {}
    default_graphs = request.get("default_graphs")
    named_graphs = request.get("named_graphs")
    if default_graphs is not None or named_graphs is not None:
        options["default_graph"] = [ox.NamedNode(iri) for iri in default_graphs or ()]
        options["named_graphs"] = [ox.NamedNode(iri) for iri in named_graphs or ()]
    elif request.get("union", True):
        options["use_default_graph_as_union"] = True
    bindings = request.get("bindings") or {}
    if bindings:
        options["substitutions"] = {ox.Variable(name): term_from_json(term) for name, term in bindings.items()}
    return options


def _error(status: int, message: str) -> tuple[dict[str, Any], bytes]:
    return {"status": status, "error": message}, b""


def execute(
    store: ox.Store, request: dict[str, Any], query: str, limits: Limits, prefixes: dict[str, str]
) -> tuple[dict[str, Any], bytes]:
    """Run ``query`` as ``request`` describes; return a reply header and the serialized body.

    The reply header holds ``status`` (200, or 4xx with ``error``), ``format``, ``rows`` and
    ``truncated``. Parse errors keep the parser's message, which gives the line and column.
    """
    fmt = BY_NAME.get(str(request.get("format")))
    if fmt is None:
        return _error(500, f"unknown result format {request.get('format')!r}")
    try:
        options = _dataset(request)
    except (ValueError, TypeError) as err:
        return _error(400, f"invalid dataset or bindings: {err}")
    try:
        result = store.query(query, **options)
    except SyntaxError as err:
        return _error(400, f"malformed query: {err}")
    except (RuntimeError, ValueError, TypeError, OSError) as err:
        return _error(400, f"query refused by the engine: {err}")
    try:
        if isinstance(result, ox.QueryBoolean):
            if not hasattr(ox.QueryResultsFormat, fmt.oxigraph) or fmt.name not in ("json", "xml", "csv", "tsv"):
                return _error(406, "an ASK query gives a boolean: ask for a SPARQL results format")
            body = result.serialize(format=getattr(ox.QueryResultsFormat, fmt.oxigraph))
            return {"status": 200, "format": fmt.name, "rows": 1, "truncated": False}, body or b""
        if isinstance(result, ox.QuerySolutions):
            if fmt.name not in ("json", "xml", "csv", "tsv"):
                return _error(406, "a SELECT query gives a table: ask for a SPARQL results format")
            sink = _LineSink(limits.rows + 1, limits.bytes)
            with contextlib.suppress(_CapReached):
                result.serialize(cast(IO[bytes], sink), format=ox.QueryResultsFormat.TSV)
            tsv, truncated = sink.kept(limits.rows + 1)
            rows = max(0, tsv.count(b"\n") - 1)
            if fmt.name == "tsv":
                body = tsv
            else:
                parsed = ox.parse_query_results(tsv, format=ox.QueryResultsFormat.TSV)
                body = parsed.serialize(format=getattr(ox.QueryResultsFormat, fmt.oxigraph)) or b""
            return {"status": 200, "format": fmt.name, "rows": rows, "truncated": truncated}, body
        if fmt.name in ("json", "xml", "csv", "tsv"):
            return _error(406, "a CONSTRUCT or DESCRIBE query gives a graph: ask for an RDF format")
        sink = _LineSink(limits.rows, limits.bytes)
        with contextlib.suppress(_CapReached):
            result.serialize(cast(IO[bytes], sink), format=ox.RdfFormat.N_TRIPLES)
        ntriples, truncated = sink.kept(limits.rows)
        rows = ntriples.count(b"\n")
        if fmt.name == "ntriples":
            body = ntriples
        else:
            triples = ox.parse(ntriples, format=ox.RdfFormat.N_TRIPLES)
            rdf_format = getattr(ox.RdfFormat, fmt.oxigraph)
            with_prefixes = fmt.name in ("turtle", "trig", "rdfxml")
            body = ox.serialize(triples, format=rdf_format, prefixes=prefixes if with_prefixes else None) or b""
        return {"status": 200, "format": fmt.name, "rows": rows, "truncated": truncated}, body
    except (RuntimeError, ValueError, TypeError, OSError, SyntaxError) as err:
        return _error(400, f"query evaluation failed: {err}")
