"""Parsing RDF that never reaches the network or files it was not given.

rdflib follows a JSON-LD ``@context`` given as a URL (remote, or ``file:`` on this machine) and its XML
parser sits on expat, which expands entities declared in a DTD (billion-laughs bombs). Both ``mkg build``
and ``mkg validate`` read files through :func:`parse_file`, which refuses those constructs before rdflib
sees them and turns every syntax error into a :class:`~kg.errors.UserError` naming the file and line.
"""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path
from typing import Any

from rdflib import Dataset, Graph

from kg.errors import UserError

__all__ = ["FORMATS", "format_for", "parse_file", "parse_into"]

FORMATS = {
    ".ttl": "turtle",
    ".turtle": "turtle",
    ".nt": "nt",
    ".ntriples": "nt",
    ".nq": "nquads",
    ".trig": "trig",
    ".rdf": "xml",
    ".owl": "xml",
    ".xml": "xml",
    ".jsonld": "json-ld",
    ".json": "json-ld",
}
_DTD = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_LINE = re.compile(r"line (\d+)", re.IGNORECASE)
MAX_BYTES = 256 * 1024 * 1024


def format_for(path: Path) -> str:
    """The rdflib parser name for a file, from its suffix; unknown suffixes are a user error."""
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        known = ", ".join(sorted(FORMATS))
        raise UserError(f"unknown RDF file type '{path.suffix}' (known: {known})", path=path)
    return fmt


def _check_json_ld(path: Path, data: bytes) -> None:
    try:
        doc = json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        line = getattr(exc, "lineno", None)
        raise UserError(f"not valid JSON: {exc}", path=path, line=line) from exc

    def walk(node: Any, trail: str) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "@context":
                    _check_context(value, f"{trail}/@context")
                walk(value, f"{trail}/{key}")
        elif isinstance(node, list):
            for i, item in enumerate(node):
                walk(item, f"{trail}[{i}]")

    def _check_context(ctx: Any, trail: str) -> None:
        items = ctx if isinstance(ctx, list) else [ctx]
        for item in items:
            if isinstance(item, str):
                raise UserError(
                    f"JSON-LD @context '{item}' at {trail or '/'} refers to a remote or local document; "
                    "only inline contexts are accepted (nothing is fetched)",
                    path=path,
                )
            if isinstance(item, dict) and "@import" in item:
                raise UserError(f"JSON-LD @import at {trail} is refused (nothing is fetched)", path=path)

    walk(doc, "")


def _read(path: Path) -> bytes:
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise UserError(f"file is {size} bytes; the limit is {MAX_BYTES}", path=path)
        return path.read_bytes()
    except OSError as exc:
        raise UserError(f"cannot read: {exc.strerror or exc}", path=path) from exc


def parse_into(target: Graph | Dataset, path: Path, fmt: str | None = None) -> None:
    """Parse one file into a graph or dataset after the safety checks; errors name the file and line."""
    fmt = fmt or format_for(path)
    data = _read(path)
    if fmt == "xml" and _DTD.search(data):
        raise UserError(
            "RDF/XML with a DOCTYPE or ENTITY declaration is refused "
            "(external entities and entity expansion could read files or exhaust memory)",
            path=path,
        )
    if fmt == "json-ld":
        _check_json_ld(path, data)
    try:
        with warnings.catch_warnings():
            # rdflib's JSON-LD and TriG parsers call its own deprecated ConjunctiveGraph internally.
            warnings.filterwarnings(
                "ignore", category=DeprecationWarning, message=r".*(ConjunctiveGraph|default_context)"
            )
            target.parse(data=data, format=fmt, publicID=path.resolve().as_uri())
    except UserError:
        raise
    except Exception as exc:
        message = " ".join(str(exc).split())
        match = _LINE.search(message)
        line = int(match.group(1)) if match else None
        raise UserError(f"{fmt} syntax error: {message[:400]}", path=path, line=line) from exc


def parse_file(path: Path, fmt: str | None = None) -> Graph:
    """Parse one RDF file into a fresh graph (quads formats are merged into it)."""
    fmt = fmt or format_for(path)
    if fmt in {"nquads", "trig"}:
        ds = Dataset()
        parse_into(ds, path, fmt)
        graph = Graph()
        for s, p, o, _ in ds.quads((None, None, None, None)):
            graph.add((s, p, o))
        return graph
    graph = Graph()
    parse_into(graph, path, fmt)
    return graph
