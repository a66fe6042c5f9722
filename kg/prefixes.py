"""The project's one prefix table (``kg/prefixes.tsv``), as a ``curies`` converter and as SPARQL defaults.

Every reader of prefixes takes them from here: the build binds them on the graphs it writes
(:mod:`kg.namespaces`), ``mkg query`` and the endpoint let queries use them without declaring them
(pyoxigraph's ``prefixes=`` default prefixes: a query's own ``PREFIX`` wins), results show IRIs compacted
with them, and the server hands the same table to the query page (``/prefixes.json``) and the JSON-LD
context. The table is data, edited like the curated tables; a malformed row stops every reader with its
file and line.
"""

from __future__ import annotations

import csv
import functools
import re
from importlib.resources import files
from pathlib import Path

from curies import Converter

from kg.errors import UserError
from kg.library.sparqltokens import PN_PREFIX, declared_prefixes, tokens

__all__ = [
    "PREFIX_FILE",
    "converter",
    "declarations",
    "default_prefixes",
    "read_prefix_table",
    "undeclared_prefixes",
]

PREFIX_FILE = "prefixes.tsv"
_COLUMNS = ["prefix", "namespace", "vocabulary"]
_PREFIX = re.compile(PN_PREFIX)
_NAMESPACE = re.compile(r"^https?://[^\s<>\"{}|^`\\]+[/#_]$")


def read_prefix_table(path: Path) -> dict[str, str]:
    """``{prefix: namespace}`` in the file's order; a bad header, prefix, IRI or duplicate names its line."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"cannot read the prefix table: {exc}", path=path) from exc
    rows = list(csv.reader(text.splitlines(), delimiter="\t", quoting=csv.QUOTE_NONE))
    if not rows or rows[0] != _COLUMNS:
        raise UserError(f"the header must be {'<TAB>'.join(_COLUMNS)}", path=path, line=1)
    table: dict[str, str] = {}
    owner: dict[str, str] = {}
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(_COLUMNS):
            raise UserError(f"expected {len(_COLUMNS)} tab-separated columns, got {len(row)}", path=path, line=line)
        prefix, namespace = row[0].strip(), row[1].strip()
        if not _PREFIX.fullmatch(prefix):
            raise UserError(f"'{prefix}' is not a SPARQL/Turtle prefix name", path=path, line=line)
        if not _NAMESPACE.match(namespace):
            raise UserError(
                f"'{namespace}' is not an absolute http(s) IRI ending in '/', '#' or '_'", path=path, line=line
            )
        if prefix in table:
            raise UserError(f"prefix '{prefix}' is listed twice", path=path, line=line)
        if namespace in owner:
            raise UserError(f"namespace {namespace} is already prefix '{owner[namespace]}'", path=path, line=line)
        table[prefix] = namespace
        owner[namespace] = prefix
    return table


@functools.cache
def _table() -> tuple[tuple[str, str], ...]:
    with_path = files("kg").joinpath(PREFIX_FILE)
    return tuple(read_prefix_table(Path(str(with_path))).items())


def default_prefixes() -> dict[str, str]:
    """The table as ``{prefix: namespace}``, in its order (a fresh dict: callers may extend it)."""
    return dict(_table())


@functools.cache
def converter() -> Converter:
    """CURIE <-> IRI over the table (``converter().expand("owl:Class")``, ``compress(iri)``)."""
    return Converter.from_prefix_map(default_prefixes())


def undeclared_prefixes(query: str) -> list[str]:
    """The prefixes ``query`` uses in prefixed names without declaring them, in order of first use."""
    declared = declared_prefixes(query)
    used: dict[str, None] = {}
    for token in tokens(query):
        prefix = token.prefix
        if prefix is not None and prefix not in declared:
            used.setdefault(prefix, None)
    return list(used)


def declarations(query: str, table: dict[str, str] | None = None) -> str:
    """``PREFIX`` lines, on one line, for the table's prefixes ``query`` uses without declaring them.

    For an engine that cannot be given default prefixes (a remote endpoint): put in front of the query,
    they change nothing but make the query complete. Empty when nothing is missing.
    """
    table = default_prefixes() if table is None else table
    missing = [prefix for prefix in undeclared_prefixes(query) if prefix in table]
    return "".join(f"PREFIX {prefix}: <{table[prefix]}> " for prefix in missing)
