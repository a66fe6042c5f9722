"""A query result, capped and written in the requested format, the same way for every engine.

Results are capped without a second engine pass: pyoxigraph serializes into a sink that counts rows
and stops the serializer once the cap is passed. TSV (SELECT) and N-Triples (CONSTRUCT/DESCRIBE) are
one row per line; the other formats are written by pyoxigraph from the kept rows. A stored query's
parameter columns and a page of rows (:class:`~server.engine.base.Page`) are cut from the TSV too, so
every format and every engine leaves out the same columns and gives the same rows.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from typing import IO, Any, cast

import pyoxigraph as ox

from server.engine.base import EngineError, EngineResult, Limits, Page, QueryRejected
from server.protocol.formats import Format

__all__ = ["SOLUTION_FORMATS", "capped_result", "capped_triples"]

SOLUTION_FORMATS = ("json", "xml", "csv", "tsv")


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
        if not self.stopped and self.lines <= max_lines:
            return data, False
        limit = min(len(data), self.max_bytes)
        end = 0
        for _ in range(max_lines):
            nxt = data.find(b"\n", end, limit)
            if nxt < 0:
                break
            end = nxt + 1
        return data[:end], True


def capped_triples(
    ntriples: bytes | Iterable[bytes], fmt: Format, limits: Limits, prefixes: dict[str, str]
) -> EngineResult:
    """N-Triples lines (a graph result), cut at the row or byte cap and written in ``fmt``."""
    sink = _LineSink(limits.rows, limits.bytes)
    with contextlib.suppress(_CapReached):
        for chunk in [ntriples] if isinstance(ntriples, bytes) else ntriples:
            sink.write(chunk)
    return _graph(sink, fmt, limits, prefixes)


def _graph(sink: _LineSink, fmt: Format, limits: Limits, prefixes: dict[str, str]) -> EngineResult:
    ntriples, truncated = sink.kept(limits.rows)
    rows = ntriples.count(b"\n")
    if fmt.name == "ntriples":
        return EngineResult(ntriples, fmt, rows, truncated)
    triples = ox.parse(ntriples, format=ox.RdfFormat.N_TRIPLES)
    with_prefixes = fmt.name in ("turtle", "trig", "rdfxml")
    body = (
        ox.serialize(triples, format=getattr(ox.RdfFormat, fmt.oxigraph), prefixes=prefixes if with_prefixes else None)
        or b""
    )
    return EngineResult(body, fmt, rows, truncated)


def _window(tsv: bytes, page: Page) -> tuple[bytes, int]:
    """SPARQL TSV without the ``page``'s hidden columns and outside its rows, and the rows before the cut.

    TSV escapes tabs and newlines inside terms, so columns and rows are split on them safely.
    """
    lines = tsv.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    if not lines:
        return tsv, 0
    header, rows = lines[0], lines[1:]
    hidden = {f"?{name}".encode() for name in page.hidden}
    names = header.split(b"\t") if header else []
    keep = [i for i, name in enumerate(names) if name not in hidden]
    if len(keep) != len(names):
        header = b"\t".join(names[i] for i in keep)
        rows = [b"\t".join(cells[i] for i in keep) for cells in (row.split(b"\t") for row in rows)]
    total = len(rows)
    end = None if page.limit is None else page.offset + page.limit
    kept = rows[page.offset : end]
    return b"".join(line + b"\n" for line in [header, *kept]), total


def capped_result(
    result: Any, fmt: Format, limits: Limits, prefixes: dict[str, str], page: Page | None = None
) -> EngineResult:
    """A pyoxigraph query result (boolean, solutions or triples) capped and written in ``fmt``.

    ``page`` (SELECT only) drops hidden columns and cuts a window of rows from the capped result.
    """
    try:
        if isinstance(result, ox.QueryBoolean):
            if fmt.name not in SOLUTION_FORMATS:
                raise EngineError("an ASK query gives a boolean: ask for a SPARQL results format")
            body = result.serialize(format=getattr(ox.QueryResultsFormat, fmt.oxigraph)) or b""
            return EngineResult(body, fmt, 1)
        if isinstance(result, ox.QuerySolutions):
            sink = _LineSink(limits.rows + 1, limits.bytes)
            with contextlib.suppress(_CapReached):
                result.serialize(cast(IO[bytes], sink), format=ox.QueryResultsFormat.TSV)
            tsv, truncated = sink.kept(limits.rows + 1)
            rows = max(0, tsv.count(b"\n") - 1)
            total = None
            if page is not None:
                tsv, total = _window(tsv, page)
                rows = max(0, tsv.count(b"\n") - 1)
            if fmt.name == "tsv":
                return EngineResult(tsv, fmt, rows, truncated, total)
            parsed = ox.parse_query_results(tsv, format=ox.QueryResultsFormat.TSV)
            body = parsed.serialize(format=getattr(ox.QueryResultsFormat, fmt.oxigraph)) or b""
            return EngineResult(body, fmt, rows, truncated, total)
        sink = _LineSink(limits.rows, limits.bytes)
        with contextlib.suppress(_CapReached):
            result.serialize(cast(IO[bytes], sink), format=ox.RdfFormat.N_TRIPLES)
        return _graph(sink, fmt, limits, prefixes)
    except EngineError:
        raise
    except (RuntimeError, ValueError, TypeError, OSError, SyntaxError) as err:
        raise QueryRejected(f"query evaluation failed: {err}") from err
