"""Writing query answers for people (an aligned table) and for programs (CSV, TSV, JSON).

``SELECT`` and ``ASK`` answers are serialized by pyoxigraph in the W3C SPARQL results formats. A
``CONSTRUCT``/``DESCRIBE`` answer is a set of triples, which those formats do not cover, so it is written
as rows of ``subject predicate object`` in the same conventions. The table compacts IRIs with the
project's prefixes (``mkg:BreastCancer``) and shows literals by their text, cut to a readable width.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from typing import IO, Any

import pyoxigraph as ox

from kg.library.sparqljson import term_to_json
from kg.prefixes import converter

__all__ = ["compact", "render_table", "without_columns", "write_result"]

TABLE_CELL_WIDTH = 80
_TRIPLE_COLUMNS = ("subject", "predicate", "object")
_SIMPLE_LOCAL = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.")


def compact(term: Any) -> str:
    """A term as a person reads it: ``mkg:Bone`` for IRIs under a known prefix, the text of a literal."""
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        iri = term.value
        curie = converter().compress(iri)  # the longest matching namespace of the prefix table
        if curie is not None:
            local = curie.partition(":")[2]
            if local and set(local) <= _SIMPLE_LOCAL and not local.endswith("."):
                return curie
        return iri
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.Literal):
        return term.value
    return str(term)


def _cell(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def render_table(columns: Sequence[str], rows: Iterable[Sequence[Any]], width: int = TABLE_CELL_WIDTH) -> str:
    """An aligned plain-text table with a row count; long texts are cut at ``width`` characters."""
    cells = [[_cell(compact(t), width) for t in row] for row in rows]
    widths = [max([len(c), *(len(r[i]) for r in cells)]) for i, c in enumerate(columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines.extend("  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip() for r in cells)
    count = len(cells)
    lines.append(f"({count} row{'s' if count != 1 else ''})")
    return "\n".join(lines) + "\n"


def _write_triples(triples: Iterable[Any], fmt: str, out: IO[str]) -> None:
    rows = [(t.subject, t.predicate, t.object) for t in triples]
    if fmt == "table":
        out.write(render_table(_TRIPLE_COLUMNS, rows))
    elif fmt == "json":
        bindings = [dict(zip(_TRIPLE_COLUMNS, map(term_to_json, r), strict=True)) for r in rows]
        out.write(json.dumps({"head": {"vars": list(_TRIPLE_COLUMNS)}, "results": {"bindings": bindings}}, indent=1))
        out.write("\n")
    elif fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(_TRIPLE_COLUMNS)
        writer.writerows([t.value for t in r] for r in rows)
        out.write(buffer.getvalue())
    else:
        out.write("\t".join("?" + c for c in _TRIPLE_COLUMNS) + "\n")
        out.writelines("\t".join(str(t) for t in r) + "\n" for r in rows)


def without_columns(result: Any, hidden: Sequence[str]) -> Any:
    """``result`` without the SELECT columns named in ``hidden`` (variable names without ``?``).

    Written to SPARQL TSV, cut there (TSV escapes tabs and newlines inside terms, so cells split safely)
    and read back by pyoxigraph, so every output format is still pyoxigraph's own. Other results pass.
    """
    if not isinstance(result, ox.QuerySolutions) or not {v.value for v in result.variables} & set(hidden):
        return result
    lines = (result.serialize(format=ox.QueryResultsFormat.TSV) or b"").split(b"\n")
    names = lines[0].split(b"\t")
    keep = [i for i, name in enumerate(names) if name.decode().removeprefix("?") not in hidden]
    cut = [b"\t".join(cells[i] for i in keep) for cells in (line.split(b"\t") for line in lines[1:] if line)]
    tsv = b"".join(line + b"\n" for line in [b"\t".join(names[i] for i in keep), *cut])
    return ox.parse_query_results(tsv, format=ox.QueryResultsFormat.TSV)


_FORMATS = {"csv": ox.QueryResultsFormat.CSV, "tsv": ox.QueryResultsFormat.TSV, "json": ox.QueryResultsFormat.JSON}


def write_result(result: Any, fmt: str, out: IO[str]) -> int:
    """Write a pyoxigraph query result in ``fmt`` (table, csv, tsv, json); returns the number of rows."""
    if isinstance(result, ox.QuerySolutions):
        if fmt == "table":
            columns = [v.value for v in result.variables]
            rows = [[solution[v] for v in result.variables] for solution in result]
            out.write(render_table(columns, rows))
            return len(rows)
        text = (result.serialize(format=_FORMATS[fmt]) or b"").decode("utf-8")
        out.write(text if text.endswith("\n") else text + "\n")
        return -1
    if isinstance(result, ox.QueryBoolean):
        if fmt == "table":
            out.write(("true" if bool(result) else "false") + "\n")
        else:
            text = (result.serialize(format=_FORMATS[fmt]) or b"").decode("utf-8")
            out.write(text if text.endswith("\n") else text + "\n")
        return 1
    triples = list(result)
    _write_triples(triples, fmt, out)
    return len(triples)
