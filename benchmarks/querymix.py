"""The benchmark's query mix: the ``.rq`` files of ``benchmarks/queries``, their headers and their parameters.

Each file carries grlc-style headers (``#+ summary:``, ``#+ tags:``) and ``?_name`` parameters. A query
tagged ``interactive`` is a selective lookup a person waits for; one tagged ``analytic`` scans or
aggregates. Parameters are filled from the generated KG's ``params.json`` rows, whose values are known to
occur, so every request asks something with an answer, and the rows differ so a server cannot win by
answering one cached query. Over HTTP a query can only travel as text, so a parameter is substituted as one
N-Triples term token (checked to be one term), never spliced in as free text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib.resources import as_file, files
from pathlib import Path

from kg.errors import UserError
from kg.library.storedqueries import parse_header

__all__ = ["MIXES", "BenchQuery", "Variant", "load_params", "load_queries", "query_folder", "variants"]

MIXES = ("interactive", "analytic")

_PARAM = re.compile(r"\?_([A-Za-z][A-Za-z0-9_]*)")
_IRI_TERM = re.compile(r'<[^<>"{}|^`\\\s]*>')
_LITERAL_TERM = re.compile(r'"(?:[^"\\\n\r]|\\.)*"(?:@[A-Za-z]+(?:-[A-Za-z0-9]+)*|\^\^<[^<>"{}|^`\\\s]*>)?')
_FORM = re.compile(r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", re.IGNORECASE)
_PROTOCOL_KEYS = ("default-graph-uri", "named-graph-uri")
# The mix's header keys, read by the library's one ``#+`` parser (kg.library.storedqueries.parse_header).
_HEADER_KEYS = frozenset({"summary", "tags", *_PROTOCOL_KEYS})


@dataclass(frozen=True)
class BenchQuery:
    """One query file of the mix."""

    name: str
    text: str
    summary: str
    tags: tuple[str, ...]
    params: tuple[str, ...]
    form: str
    protocol: tuple[tuple[str, str], ...]

    @property
    def mix(self) -> str:
        """``interactive`` or ``analytic``."""
        return next(t for t in self.tags if t in MIXES)

    @property
    def ordered(self) -> bool:
        """Whether the answer's row order is part of the answer (the mix's ORDER BYs are total orders)."""
        return "ORDER BY" in self.text.upper()

    @property
    def graph_result(self) -> bool:
        """CONSTRUCT and DESCRIBE answer with a graph, not a table."""
        return self.form in ("CONSTRUCT", "DESCRIBE")

    def bind(self, row: Mapping[str, str]) -> str:
        """Return the query text with each ``?_name`` replaced by the row's N-Triples term for ``name``."""

        def term(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in row:
                raise UserError(f"no value for parameter ?_{name} in the parameter row", path=self.name)
            value = row[name]
            if not (_IRI_TERM.fullmatch(value) or _LITERAL_TERM.fullmatch(value)):
                raise UserError(f"parameter ?_{name} is not one N-Triples term: {value!r}", path=self.name)
            return value

        return _PARAM.sub(term, self.text)


@dataclass(frozen=True)
class Variant:
    """One concrete request: a query of the mix with its parameters bound."""

    query: BenchQuery
    index: int
    text: str

    @property
    def key(self) -> str:
        """A stable name for reports and expected-answer tables, e.g. ``evidence-for-primary#3``."""
        return f"{self.query.name}#{self.index}"


def query_folder() -> Path:
    """Locate the ``benchmarks/queries`` folder."""
    with as_file(files("benchmarks.queries")) as path:
        return Path(path)


def _as_list(value: object) -> list[object]:
    """A header value given once (``key: value``) or as a YAML list."""
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _strip_comments(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))


def load_query(path: Path) -> BenchQuery:
    """Read one query file and check the headers the harness relies on."""
    text = path.read_text(encoding="utf-8")
    headers, _ = parse_header(text, str(path), _HEADER_KEYS)
    summary = str(headers.get("summary") or "").strip()
    tags = tuple(str(t) for t in headers.get("tags") or ())
    if not summary:
        raise UserError("missing '#+ summary:' header", path=path)
    mixes = [t for t in tags if t in MIXES]
    if len(mixes) != 1:
        raise UserError(f"tags must name exactly one of {', '.join(MIXES)}; found {list(tags)}", path=path)
    form = _FORM.search(_strip_comments(text))
    if form is None:
        raise UserError("no SELECT, ASK, CONSTRUCT or DESCRIBE found", path=path)
    protocol = tuple((k, str(v)) for k in _PROTOCOL_KEYS for v in _as_list(headers.get(k)))
    params = tuple(dict.fromkeys(_PARAM.findall(_strip_comments(text))))
    return BenchQuery(path.stem, text, summary, tags, params, form.group(1).upper(), protocol)


def load_queries(folder: Path | None = None) -> list[BenchQuery]:
    """Every ``.rq`` of the mix, in name order."""
    folder = folder or query_folder()
    queries = [load_query(p) for p in sorted(folder.glob("*.rq"))]
    if not queries:
        raise UserError("no .rq files", path=folder)
    return queries


def load_params(path: Path) -> list[dict[str, str]]:
    """Read the parameter rows a generated KG offers (see :mod:`benchmarks.generate`)."""
    try:
        rows = json.loads(path.read_text(encoding="utf-8"))["rows"]
    except (OSError, ValueError, KeyError) as err:
        raise UserError(f"cannot read parameter rows: {err}", path=path) from err
    if not rows:
        raise UserError("no parameter rows", path=path)
    return [dict(r) for r in rows]


def variants(queries: Sequence[BenchQuery], rows: Sequence[Mapping[str, str]]) -> list[Variant]:
    """Bind each query to each row; rows that bind a query alike (or no parameters) give one variant."""
    out: list[Variant] = []
    for query in queries:
        seen: dict[str, None] = {}
        for row in rows if query.params else rows[:1]:
            seen.setdefault(query.bind(row), None)
        out.extend(Variant(query, i, text) for i, text in enumerate(seen))
    return out
