"""The project's one prefix table (``kg/prefixes.tsv``), as ``curies`` converters and as SPARQL defaults.

Every reader of prefixes takes them from here: the build binds them on the graphs it writes
(:mod:`kg.namespaces`), ``mkg query`` and the endpoint let queries use them without declaring them
(pyoxigraph's ``prefixes=`` default prefixes: a query's own ``PREFIX`` wins), results show IRIs compacted
with them, and the server hands the same table to the query page (``/prefixes.json``) and the JSON-LD
context. The table is data, edited like the curated tables; a malformed row stops every reader with its
file and line.

Each row says its use: ``sparql`` rows are the prefixes of queries and written RDF (``obo:MONDO_0007254``);
``identifier`` rows are the CURIE prefixes of cross-references and of the identifiers other resources use
(``MONDO:0007254``, ``OMIM:114480``, ``PMID:123``), read by the SSSOM writer, the HPO import and the term
pages. They are kept apart because an ``HP:`` prefix among the query defaults would make every OBO IRI
compact to ``HP:…`` in results instead of the ``obo:HP_…`` that queries write.
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
    "identifier_converter",
    "identifier_prefixes",
    "read_prefix_table",
    "undeclared_prefixes",
]

PREFIX_FILE = "prefixes.tsv"
_COLUMNS = ["prefix", "namespace", "use", "vocabulary"]
USES = ("sparql", "identifier")
_PREFIX = re.compile(PN_PREFIX)
_NAMESPACE = re.compile(r"^https?://[^\s<>\"{}|^`\\]+[/#_]$")


def read_prefix_table(path: Path) -> dict[str, tuple[str, str]]:
    """``{prefix: (namespace, use)}`` in file order; a bad header, prefix, IRI, use or duplicate names its line."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"cannot read the prefix table: {exc}", path=path) from exc
    rows = list(csv.reader(text.splitlines(), delimiter="\t", quoting=csv.QUOTE_NONE))
    if not rows or rows[0] != _COLUMNS:
        raise UserError(f"the header must be {'<TAB>'.join(_COLUMNS)}", path=path, line=1)
    table: dict[str, tuple[str, str]] = {}
    owner: dict[str, str] = {}
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(_COLUMNS):
            raise UserError(f"expected {len(_COLUMNS)} tab-separated columns, got {len(row)}", path=path, line=line)
        prefix, namespace, use = row[0].strip(), row[1].strip(), row[2].strip()
        if not _PREFIX.fullmatch(prefix):
            raise UserError(f"'{prefix}' is not a SPARQL/Turtle prefix name", path=path, line=line)
        if not _NAMESPACE.match(namespace):
            raise UserError(
                f"'{namespace}' is not an absolute http(s) IRI ending in '/', '#' or '_'", path=path, line=line
            )
        if use not in USES:
            raise UserError(f"use '{use}' is not one of {', '.join(USES)}", path=path, line=line)
        if prefix in table:
            raise UserError(f"prefix '{prefix}' is listed twice", path=path, line=line)
        if namespace in owner:
            raise UserError(f"namespace {namespace} is already prefix '{owner[namespace]}'", path=path, line=line)
        table[prefix] = (namespace, use)
        owner[namespace] = prefix
    return table


@functools.cache
def _table(use: str) -> tuple[tuple[str, str], ...]:
    with_path = files("kg").joinpath(PREFIX_FILE)
    rows = read_prefix_table(Path(str(with_path))).items()
    return tuple((prefix, namespace) for prefix, (namespace, row_use) in rows if row_use == use)


def default_prefixes() -> dict[str, str]:
    """The ``sparql`` rows as ``{prefix: namespace}``, in order (a fresh dict: callers may extend it)."""
    return dict(_table("sparql"))


def identifier_prefixes() -> dict[str, str]:
    """The ``identifier`` rows as ``{prefix: namespace}`` (``MONDO`` -> ``http://purl.obolibrary.org/obo/MONDO_``)."""
    return dict(_table("identifier"))


@functools.cache
def identifier_converter() -> Converter:
    """CURIE <-> IRI for identifiers as other resources write them (``expand("OMIM:114480")``)."""
    return Converter.from_prefix_map(identifier_prefixes())


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
