"""``mkg query``: answer a stored question, a ``.rq`` file or SPARQL text from a built release.

The release's ``kg.nq`` is loaded into an in-memory pyoxigraph store and queried over the union of its
named graphs, read-only. The prefixes of the project's table (``kg/prefixes.tsv``) may be used without
declaring them (``--no-default-prefixes`` turns that off); a query's own ``PREFIX`` wins. Parameters
reach the engine as RDF terms through pyoxigraph's substitutions (:mod:`kg.library.storedqueries`), never
pasted into the query text.
"""

from __future__ import annotations

import argparse
import csv
import difflib
import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO, Any

import pyoxigraph as ox

from kg.errors import UserError
from kg.library.results import render_table, without_columns, write_result
from kg.library.sparqlerrors import describe_syntax_error
from kg.library.storedqueries import MissingParameter, StoredQuery, load_library, parse_query
from kg.prefixes import default_prefixes
from kg.release.files import read_manifest

__all__ = ["execute", "open_release", "parse_params", "resolve_query", "run_query"]

DUMP = "kg.nq"


def open_release(folder: Path) -> ox.Store:
    """The release's quads in a fresh in-memory store; a missing or broken release is a :class:`UserError`."""
    if not folder.exists():
        raise UserError("no such release folder (build one with `mkg build --out FOLDER`)", path=folder)
    if not folder.is_dir():
        raise UserError("the release must be a folder", path=folder)
    read_manifest(folder)
    dump = folder / DUMP
    if not dump.is_file():
        raise UserError(f"the release has no {DUMP} (rebuild it with `mkg build`)", path=dump)
    store = ox.Store()
    try:
        store.load(path=str(dump), format=ox.RdfFormat.N_QUADS)
    except (SyntaxError, ValueError, OSError) as exc:
        raise UserError(f"cannot load the release's quads: {exc}", path=dump) from exc
    return store


def _existing_file(arg: str) -> Path | None:
    try:
        path = Path(arg)
        return path if path.is_file() else None
    except (OSError, ValueError):
        return None


def resolve_query(arg: str, library: Mapping[str, StoredQuery]) -> StoredQuery:
    """A library name, else an existing file, else SPARQL text; an unknown bare name is an error with hints."""
    if arg in library:
        return library[arg]
    path = _existing_file(arg)
    if path is not None:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise UserError(f"cannot read query file: {exc}", path=path) from exc
        return parse_query(text, path.stem, path)
    if any(ch.isspace() or ch in "{}" for ch in arg):
        return parse_query(arg, "<query text>")
    if arg.endswith(".rq") or "/" in arg:
        raise UserError("no such query file", path=arg)
    close = difflib.get_close_matches(arg, list(library), n=3)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    raise UserError(f"unknown query name '{arg}' (see `mkg query --list`){hint}")


def parse_params(items: Sequence[str]) -> dict[str, str]:
    """``["site=mkg:Bone", ...]`` -> ``{"site": "mkg:Bone"}``; a malformed or repeated item is an error."""
    params: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep or not name:
            raise UserError(f"'{item}' is not of the form NAME=VALUE", field="--param")
        if name in params:
            raise UserError(f"parameter '{name}' is given twice", field="--param")
        params[name] = value
    return params


def execute(
    store: ox.Store,
    query: StoredQuery,
    params: Mapping[str, str] | None = None,
    *,
    prefixes: Mapping[str, str] | None = None,
) -> Any:
    """Run ``query`` on the union of the store's graphs with ``params`` bound; engine errors become UserErrors.

    ``prefixes`` are default prefixes the query may use without declaring them (its own ``PREFIX`` wins);
    a syntax error is explained in one line by :func:`kg.library.sparqlerrors.describe_syntax_error`.
    """
    substitutions = query.bind(params or {})
    defaults = dict(prefixes) if prefixes else None
    try:
        return store.query(
            query.text, use_default_graph_as_union=True, substitutions=substitutions or None, prefixes=defaults
        )
    except SyntaxError as exc:
        problem = describe_syntax_error(query.text, exc, prefixes=defaults)
        raise UserError(problem.message, path=query.where) from exc
    except (RuntimeError, ValueError, OSError) as exc:
        message = str(exc)
        if "SELECT projection" in message:
            message += " (a parameter must be listed in the SELECT clause, and in GROUP BY if the query groups)"
        raise UserError(f"the query failed: {message}", path=query.where) from exc


def _list(library: Mapping[str, StoredQuery], fmt: str, out: IO[str]) -> None:
    entries: list[dict[str, Any]] = [
        {
            "name": q.name,
            "summary": q.summary,
            "tags": list(q.tags),
            "parameters": [
                {"name": p.name, "type": p.type_label, "required": p.required, "default": p.default}
                for p in q.parameters
            ],
        }
        for q in library.values()
    ]
    if fmt == "json":
        out.write(json.dumps(entries, indent=1, ensure_ascii=False) + "\n")
        return

    def params(query: StoredQuery) -> str:
        return " ".join(
            p.name + ("" if p.required else "?") + (f"={p.default}" if p.default else "") for p in query.parameters
        )

    rows = [[q.name, q.summary, ", ".join(q.tags), params(q)] for q in library.values()]
    columns = ["name", "summary", "tags", "parameters"]
    if fmt == "table":
        out.write(render_table(columns, rows, width=1000))
    else:
        sep = "," if fmt == "csv" else "\t"
        writer = csv.writer(out, delimiter=sep, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(rows)


def run_query(args: argparse.Namespace) -> int:
    """CLI entry: list the library, or run one query on the release and print its answer."""
    library = load_library()
    if args.list:
        _list(library, args.format, sys.stdout)
        return 0
    if not args.query:
        raise UserError("give a stored query name, a .rq file or SPARQL text (or --list)", field="query")
    query = resolve_query(args.query, library)
    params = parse_params(args.param)
    try:
        query.resolve(params)
    except MissingParameter as missing:
        raise UserError(f"{missing}: pass --param {missing.parameter.name}=VALUE") from missing
    store = open_release(args.release)
    result = execute(store, query, params, prefixes=None if args.no_default_prefixes else default_prefixes())
    write_result(without_columns(result, query.hidden_columns), args.format, sys.stdout)
    return 0
