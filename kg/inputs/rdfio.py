"""The one safe reader of users' RDF: the same refusals and the same file:line messages on every path.

``mkg validate``, ``mkg build`` and ``mkg serve --data`` all read files a user hands them. Two kinds of
file are dangerous whichever parser reads them: RDF/XML with a DTD (entity expansion, "billion laughs",
and external entities that read local files: rdflib's expat and pyoxigraph both expand internal ones) and
JSON-LD whose ``@context`` or ``@import`` names a document (remote, or ``file:`` on this machine).
:func:`refuse_unsafe` refuses both before any parser runs; the server calls it before its store loads.

The parse itself is pyoxigraph's (:func:`parse_into`, :func:`parse_file`): it is strict about IRIs (a
space or a NUL is an error, as in the server), linear in literal length where rdflib's Turtle parser is
quadratic, iterative where rdflib recurses (deep nesting), and its errors carry line and column. The
rdflib graph the checks need is then built from its quads. JSON-LD is the exception: rdflib reads it
(after the checks; pyoxigraph's reader refuses what rdflib's writer, and so the release, writes for
blank-node classes and doubles), and its IRIs are then held to the same rules. Every failure is a
:class:`~kg.errors.UserError` naming the file and line, without parser internals.
"""

from __future__ import annotations

import json
import re
import warnings
import xml.parsers.expat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.namespace import XSD
from rdflib.term import Node

from kg.errors import UserError

__all__ = ["FORMATS", "check_syntax", "format_for", "parse_file", "parse_into", "rdf_format_for", "refuse_unsafe"]

# The one extension table (the build, ``mkg validate`` and ``mkg serve --data`` read files by it): suffix ->
# the parser name used in messages, and that name -> pyoxigraph's format.
FORMATS = {
    ".ttl": "turtle",
    ".turtle": "turtle",
    ".nt": "nt",
    ".ntriples": "nt",
    ".nq": "nquads",
    ".trig": "trig",
    ".n3": "n3",
    ".rdf": "xml",
    ".owl": "xml",
    ".xml": "xml",
    ".jsonld": "json-ld",
    ".json": "json-ld",
}
_OX_FORMATS = {
    "turtle": ox.RdfFormat.TURTLE,
    "nt": ox.RdfFormat.N_TRIPLES,
    "nquads": ox.RdfFormat.N_QUADS,
    "trig": ox.RdfFormat.TRIG,
    "n3": ox.RdfFormat.N3,
    "xml": ox.RdfFormat.RDF_XML,
    "json-ld": ox.RdfFormat.JSON_LD,
}
_DTD = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_BOM = b"\xef\xbb\xbf"
_CHUNK = 1 << 20
_XSD_STRING = str(XSD.string)
_OX_PREFIX = re.compile(r"^Parser error (?:at|between) [^:]*: ")
_OX_SUFFIX = re.compile(r" \(line \d+\)$")
_QUOTED = re.compile(r"'([^']{1,200})'")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_BAD_IRI = re.compile(r'[\x00-\x20<>"{}|\\^`]')
MAX_BYTES = 256 * 1024 * 1024


def format_for(path: Path) -> str:
    """The parser name for a file, from its suffix; unknown suffixes are a user error."""
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        known = ", ".join(sorted(FORMATS))
        raise UserError(f"unknown RDF file type '{path.suffix}' (known: {known})", path=path)
    return fmt


def rdf_format_for(path: Path) -> ox.RdfFormat:
    """Pyoxigraph's format for a file, from the same table as :func:`format_for` (and its error)."""
    return _OX_FORMATS[format_for(path)]


def _line_at(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def _refuse_dtd(path: Path, line: int) -> UserError:
    return UserError(
        "RDF/XML with a DOCTYPE or ENTITY declaration is refused "
        "(external entities and entity expansion could read files or exhaust memory)",
        path=path,
        line=line,
    )


def _check_xml(path: Path) -> None:
    """Refuse a DTD anywhere in the file, reading it in chunks so a large file costs no memory."""
    lines_before = 0  # newlines in the file before ``window``
    tail = b""
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(_CHUNK):
                if (
                    not lines_before
                    and not tail
                    and (chunk.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\0" in chunk[:4])
                ):
                    raise UserError("RDF/XML must be UTF-8 (this file looks like UTF-16 or UTF-32)", path=path)
                window = tail + chunk
                match = _DTD.search(window)
                if match:
                    raise _refuse_dtd(path, lines_before + _line_at(window, match.start()))
                tail = window[-16:]
                lines_before += window.count(b"\n", 0, len(window) - len(tail))
    except OSError as exc:
        raise UserError(f"cannot read: {exc.strerror or exc}", path=path) from exc


def _check_json_ld(path: Path, data: bytes) -> None:
    try:
        doc = json.loads(data)
    except RecursionError as exc:
        raise UserError("JSON nested too deeply to check (more than about 900 levels)", path=path) from exc
    except UnicodeDecodeError as exc:
        raise UserError(f"not valid UTF-8 ({exc.reason})", path=path, line=_line_at(data, exc.start)) from exc
    except json.JSONDecodeError as exc:
        raise UserError(f"not valid JSON: {exc.msg} (column {exc.colno})", path=path, line=exc.lineno) from exc

    stack: list[tuple[Any, str]] = [(doc, "")]
    while stack:
        node, trail = stack.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "@context":
                    _check_context(path, data, value, f"{trail}/@context")
                if key in ("@id", "@type"):
                    for iri in value if isinstance(value, list) else [value]:
                        _check_iri(path, data, iri)
                elif ":" in key:
                    _check_iri(path, data, key)
            stack.extend((value, f"{trail}/{key}") for key, value in reversed(node.items()))
        elif isinstance(node, list):
            stack.extend((item, f"{trail}[{i}]") for i, item in reversed(list(enumerate(node))))


def _check_iri(path: Path, data: bytes, iri: Any) -> None:
    """An IRI with a space, a control character or another character IRIs forbid is refused, as pyoxigraph does."""
    bad = _BAD_IRI.search(iri) if isinstance(iri, str) else None
    if bad:
        raise UserError(
            f"json-ld syntax error: Invalid IRI code point {bad.group()!r} in {iri!r}",
            path=path,
            line=_line_of(data, json.dumps(iri, ensure_ascii=False)[1:-1]),
        )


def _check_context(path: Path, data: bytes, ctx: Any, trail: str) -> None:
    for item in ctx if isinstance(ctx, list) else [ctx]:
        if isinstance(item, dict):
            for key, value in item.items():
                if key in ("@vocab", "@base") or not key.startswith("@"):
                    _check_iri(path, data, value.get("@id") if isinstance(value, dict) else value)
        if isinstance(item, str):
            raise UserError(
                f"JSON-LD @context '{item}' at {trail or '/'} refers to a remote or local document; "
                "only inline contexts are accepted (nothing is fetched)",
                path=path,
            )
        if isinstance(item, dict) and "@import" in item:
            raise UserError(f"JSON-LD @import at {trail} is refused (nothing is fetched)", path=path)


def refuse_unsafe(path: Path, fmt: str | None = None) -> None:
    """Refuse RDF/XML with a DTD and JSON-LD that names a context document, before any parser sees them.

    ``fmt`` is one of :data:`FORMATS`' values; by default it comes from the suffix, and files of other
    types (N3, say) have nothing to refuse. Raises :class:`UserError` naming the file (and line).
    """
    fmt = fmt or FORMATS.get(path.suffix.lower())
    if fmt == "xml":
        _check_xml(path)
    elif fmt == "json-ld":
        _check_json_ld(path, _read(path, limit=None))


def _read(path: Path, limit: int | None = MAX_BYTES) -> bytes:
    try:
        size = path.stat().st_size
        if limit is not None and size > limit:
            raise UserError(f"file is {size} bytes; the limit is {limit}", path=path)
        return path.read_bytes()
    except OSError as exc:
        raise UserError(f"cannot read: {exc.strerror or exc}", path=path) from exc


def _syntax_error(path: Path, fmt: str, data: bytes, exc: SyntaxError) -> UserError:
    """The parser's error as ``file:line: <fmt> syntax error at column C: detail``."""
    message = " ".join(str(exc).split())
    detail = _OX_SUFFIX.sub("", _OX_PREFIX.sub("", message))
    line = exc.lineno
    column = exc.offset
    if line is None and fmt == "xml":
        line, column = _xml_position(data)
        if line is None:
            quoted = _QUOTED.search(detail)
            line = _line_of(data, quoted.group(1)) if quoted else None
    detail = _CONTROL.sub(lambda m: repr(m.group())[1:-1], detail)
    if detail.startswith("Invalid UTF-8"):
        detail = "invalid UTF-8: save the file as UTF-8"
    elif detail == "Unexpected end of file" and exc.end_lineno is not None and exc.end_lineno != line:
        detail = "the file ends inside what starts here (an unclosed string, IRI, bracket or parenthesis?)"
    where = f" at column {column}" if column else ""
    return UserError(f"{fmt} syntax error{where}: {detail[:300]}", path=path, line=line)


def _xml_position(data: bytes) -> tuple[int | None, int | None]:
    """Where expat finds the file not well-formed (the DTD was refused before, so nothing is expanded)."""
    parser = xml.parsers.expat.ParserCreate()
    try:
        parser.Parse(data, True)
    except xml.parsers.expat.ExpatError as exc:
        return exc.lineno, exc.offset + 1
    return None, None


def _quads(path: Path, fmt: str) -> tuple[Iterator[ox.Quad], bytes]:
    """The checked file's quads (parsed as they are read; ``.prefixes`` filled by then) and its bytes."""
    data = _read(path)
    if fmt == "xml":
        _check_xml(path)
    parser = ox.parse(data.removeprefix(_BOM), format=_OX_FORMATS[fmt], base_iri=path.resolve().as_uri())
    return parser, data


class _Terms:
    """pyoxigraph terms as rdflib terms; each blank-node label of one file becomes one fresh rdflib node."""

    def __init__(self) -> None:
        self.bnodes: dict[str, BNode] = {}

    def __call__(self, node: Any) -> Node:
        if isinstance(node, ox.NamedNode):
            return URIRef(node.value)
        if isinstance(node, ox.BlankNode):
            found = self.bnodes.get(node.value)
            if found is None:
                found = self.bnodes[node.value] = BNode()
            return found
        if isinstance(node, ox.Literal):
            if node.language:
                return Literal(node.value, lang=node.language)
            datatype = node.datatype.value
            return Literal(node.value) if datatype == _XSD_STRING else Literal(node.value, datatype=URIRef(datatype))
        raise ValueError("RDF 1.2 quoted triples are not supported")


def _line_of(data: bytes, text: str) -> int | None:
    found = data.find(text.encode("utf-8"))
    return _line_at(data, found) if found >= 0 else None


def _parse_json_ld(target: Graph | Dataset, path: Path) -> None:
    """The rdflib JSON-LD reader after the checks, with every IRI held to the rules pyoxigraph applies."""
    data = _read(path)
    _check_json_ld(path, data)
    parsed = Dataset()
    try:
        with warnings.catch_warnings():
            # rdflib's JSON-LD parser calls its own deprecated ConjunctiveGraph internally.
            warnings.filterwarnings(
                "ignore", category=DeprecationWarning, message=r".*(ConjunctiveGraph|default_context)"
            )
            parsed.parse(data=data, format="json-ld", publicID=path.resolve().as_uri())
    except UserError:
        raise
    except Exception as exc:
        message = " ".join(str(exc).split())
        raise UserError(f"json-ld error: {message[:300]}", path=path) from None
    for quad in parsed.quads((None, None, None, None)):
        s, p, o, graph = quad
        name = getattr(graph, "identifier", graph)
        if isinstance(target, Dataset) and name is not None and name != DATASET_DEFAULT_GRAPH_ID:
            target.graph(name).add((s, p, o))
        else:
            target.add((s, p, o))
    for prefix, namespace in parsed.namespaces():
        target.bind(prefix, namespace, override=False)


def parse_into(target: Graph | Dataset, path: Path, fmt: str | None = None) -> None:
    """Parse one file into a graph or dataset after the safety checks; errors name the file and line.

    A dataset receives each quad in its graph; a plain graph receives the triples of every graph.
    """
    fmt = fmt or format_for(path)
    if fmt == "json-ld":
        _parse_json_ld(target, path)
        return
    quads, data = _quads(path, fmt)
    term = _Terms()
    graphs: dict[Any, Graph] = {}
    try:
        for quad in quads:
            triple = (term(quad.subject), term(quad.predicate), term(quad.object))
            name = quad.graph_name
            if not isinstance(target, Dataset) or isinstance(name, ox.DefaultGraph):
                target.add(triple)
                continue
            graph = graphs.get(name)
            if graph is None:
                graph = graphs[name] = target.graph(term(name))  # type: ignore[arg-type]
            graph.add(triple)
    except SyntaxError as exc:
        raise _syntax_error(path, fmt, data, exc) from None
    except MemoryError as exc:
        raise UserError(f"a literal or IRI is longer than the parser's limit ({exc})", path=path) from None
    except ValueError as exc:
        raise UserError(f"{fmt}: {exc}", path=path) from None
    for prefix, namespace in getattr(quads, "prefixes", {}).items():
        target.bind(prefix, namespace)


def check_syntax(data: bytes, path: Path, fmt: str = "turtle", base_iri: str | None = None) -> None:
    """Raise the :func:`parse_into` error for ``data`` (the text of ``path``) if it does not parse; keep nothing.

    For readers that need rdflib's own parse afterwards (``mkg normalize``): the same strict syntax and
    the same ``file:line`` messages as every other reader.
    """
    try:
        for _ in ox.parse(
            data.removeprefix(_BOM), format=_OX_FORMATS[fmt], base_iri=base_iri or path.resolve().as_uri()
        ):
            pass
    except SyntaxError as exc:
        raise _syntax_error(path, fmt, data, exc) from None
    except MemoryError as exc:
        raise UserError(f"a literal or IRI is longer than the parser's limit ({exc})", path=path) from None


def parse_file(path: Path, fmt: str | None = None) -> Graph:
    """Parse one RDF file into a fresh graph (quads formats are merged into it)."""
    graph = Graph()
    parse_into(graph, path, fmt)
    return graph
