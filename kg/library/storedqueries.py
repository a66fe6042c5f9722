"""The researcher query library: ``queries/*.rq`` files, their grlc-style headers and their parameters.

Each file answers one question. Its ``#+`` header (YAML, as in CLARIAH/grlc) gives a summary, tags, an
optional description and parameter defaults; parameters are SPARQL variables named after grlc/BASIL:
``?_name`` (required), ``?__name`` (optional), with a type suffix (``?_site_iri`` is an IRI). A value is
checked here and handed to the engine as an RDF term (pyoxigraph ``substitutions``, rdflib
``initBindings``, or SPARQL-JSON terms for a worker process), never formatted into the query text, so a
hostile value can only ever be a value. The CLI (:mod:`kg.library.query`) and the web API both use this module,
which is why it depends on neither Flask nor a store.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit

import yaml

from kg.errors import UserError
from kg.library.sparqltokens import tokens
from kg.prefixes import converter, default_prefixes
from kg.resources import query_dir

if TYPE_CHECKING:
    import pyoxigraph as ox
    from rdflib.term import Identifier

__all__ = [
    "BoundTerm",
    "MissingParameter",
    "Parameter",
    "StoredQuery",
    "load_library",
    "parse_header",
    "parse_query",
    "query_variables",
    "without_header",
]

XSD = default_prefixes()["xsd"]
# Datatype suffixes a parameter may carry, and the lexical forms each accepts.
_DATATYPES: dict[str, re.Pattern[str]] = {
    "integer": re.compile(r"^[+-]?\d+$"),
    "decimal": re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$"),
    "double": re.compile(r"^[+-]?((\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?|INF|NaN)$"),
    "boolean": re.compile(r"^(true|false|1|0)$"),
    "date": re.compile(r"^-?\d{4,}-\d{2}-\d{2}(Z|[+-]\d{2}:\d{2})?$"),
    "dateTime": re.compile(r"^-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$"),
    "gYear": re.compile(r"^-?\d{4,}(Z|[+-]\d{2}:\d{2})?$"),
}
_STRING_SUFFIXES = {None, "string", "literal"}
_PARAM_VARIABLE = re.compile(r"^(?P<underscores>_{1,2})(?P<name>[A-Za-z][A-Za-z0-9]*)(?:_(?P<suffix>[A-Za-z0-9_]+))?$")
_QUERY_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_HEADER_KEYS = frozenset({"summary", "description", "tags", "defaults"})
# Characters SPARQL's IRIREF production forbids (plus whitespace and controls, checked separately).
_IRI_FORBIDDEN = set('<>"{}|^`\\')
_CURIE = re.compile(r"^(?P<prefix>[A-Za-z][A-Za-z0-9_-]*):(?P<local>[^\s/]*)$")

Kind = Literal["iri", "literal"]
# libyaml's safe loader when PyYAML was built with it (several times faster), else the pure-Python one.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class BoundTerm:
    """A checked parameter value as an RDF term, convertible to whichever engine runs the query."""

    kind: Kind
    value: str
    datatype: str | None = None
    language: str | None = None

    def to_json(self) -> dict[str, str]:
        """The term as in SPARQL 1.1 JSON results, e.g. for a query worker in another process."""
        from kg.library.sparqljson import term_to_json

        return term_to_json(self.to_oxigraph())

    def to_oxigraph(self) -> ox.NamedNode | ox.Literal:
        """A ``pyoxigraph`` term, for ``Store.query(..., substitutions=...)``."""
        import pyoxigraph as ox

        if self.kind == "iri":
            return ox.NamedNode(self.value)
        if self.language:
            return ox.Literal(self.value, language=self.language)
        if self.datatype:
            return ox.Literal(self.value, datatype=ox.NamedNode(self.datatype))
        return ox.Literal(self.value)

    def to_rdflib(self) -> Identifier:
        """An ``rdflib`` term, for ``Graph.query(..., initBindings=...)``."""
        from rdflib import Literal as RdfLiteral
        from rdflib import URIRef

        if self.kind == "iri":
            return URIRef(self.value)
        if self.language:
            return RdfLiteral(self.value, lang=self.language)
        if self.datatype:
            return RdfLiteral(self.value, datatype=URIRef(self.datatype))
        return RdfLiteral(self.value)


def _expand_curie(value: str) -> str:
    """``mkg:BreastCancer`` -> the full IRI, for the project's own prefixes only; anything else unchanged."""
    if _CURIE.match(value) and not value.startswith(("http://", "https://")):
        return converter().expand(value) or value
    return value


def _check_iri(value: str) -> str | None:
    """Why ``value`` is not an absolute http(s) IRI safe to use as a term, or None if it is."""
    if not value:
        return "is empty"
    bad = sorted({ch for ch in value if ch in _IRI_FORBIDDEN or ch.isspace() or ord(ch) < 0x20})
    if bad:
        shown = " ".join(repr(ch) for ch in bad)
        return f"is not an IRI: it contains {shown} (spaces, angle brackets, quotes and braces are not allowed)"
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return "is not an absolute http(s) IRI (write https://... or a project CURIE such as mkg:BreastCancer)"
    return None


@dataclass(frozen=True)
class Parameter:
    """One ``?_name`` variable of a query, with what kind of value it takes."""

    name: str
    variable: str
    kind: Kind
    required: bool
    datatype: str | None = None
    language: str | None = None
    default: str | None = None

    @property
    def type_label(self) -> str:
        """A short human name of the value type: ``iri``, ``string``, ``text@en``, ``xsd:integer``."""
        if self.kind == "iri":
            return "iri"
        if self.language:
            return f"text@{self.language}"
        if self.datatype and self.datatype != XSD + "string":
            return "xsd:" + self.datatype.removeprefix(XSD)
        return "string"

    def term(self, value: str, *, where: str = "") -> BoundTerm:
        """Check ``value`` and turn it into a term; a bad value is a :class:`UserError` naming the parameter."""
        field_name = f"{where}parameter '{self.name}'"
        if self.kind == "iri":
            iri = _expand_curie(value.strip())
            problem = _check_iri(iri)
            if problem:
                raise UserError(f"{value!r} {problem}", field=field_name)
            return BoundTerm("iri", iri)
        if self.language:
            return BoundTerm("literal", value, language=self.language)
        if self.datatype and self.datatype != XSD + "string":
            local = self.datatype.removeprefix(XSD)
            if not _DATATYPES[local].match(value):
                raise UserError(f"{value!r} is not a valid xsd:{local}", field=field_name)
            return BoundTerm("literal", value, datatype=self.datatype)
        return BoundTerm("literal", value)


def _parameter_from_variable(variable: str) -> Parameter | None:
    """The parameter a variable declares, or None for an ordinary variable; bad suffixes raise ValueError."""
    if not variable.startswith("_"):
        return None
    match = _PARAM_VARIABLE.match(variable)
    if match is None:
        raise ValueError(
            f"variable ?{variable} starts with '_' but is not a parameter of the form ?_name, ?__name or "
            "?_name_type (name: letters and digits only)"
        )
    required = match["underscores"] == "_"
    suffix = match["suffix"]
    name = match["name"]
    if suffix == "iri":
        return Parameter(name, variable, "iri", required)
    if suffix in _STRING_SUFFIXES:
        return Parameter(name, variable, "literal", required, datatype=XSD + "string")
    local = suffix.removeprefix("xsd_")
    if local in _DATATYPES:
        return Parameter(name, variable, "literal", required, datatype=XSD + local)
    if re.fullmatch(r"[a-z]{2,3}", suffix):
        return Parameter(name, variable, "literal", required, language=suffix)
    known = ", ".join(["iri", "string", *sorted(_DATATYPES), "a language tag such as en"])
    raise ValueError(f"parameter ?{variable} has an unknown type suffix '{suffix}' (known: {known})")


def query_variables(text: str) -> list[str]:
    """The variable names used in SPARQL ``text``, in order of first use, skipping comments, strings and IRIs.

    SPARQL's own tokens (:mod:`kg.library.sparqltokens`) rather than a regex over the whole text, so ``?_x`` in a
    comment, a string or an IRI's query part is not mistaken for a parameter.
    """
    return list(dict.fromkeys(token.text[1:] for token in tokens(text) if token.kind == "var"))


class MissingParameter(UserError):
    """A required parameter has neither a value nor a default; each caller says how to give one.

    The message names the query and the parameter only: the CLI adds ``--param NAME=VALUE``, the web adds
    the URL parameter, so neither shows the other's wording.
    """

    def __init__(self, query: str, parameter: Parameter) -> None:
        super().__init__(f"query '{query}' needs parameter '{parameter.name}' ({parameter.type_label})")
        self.parameter = parameter


@dataclass(frozen=True)
class StoredQuery:
    """A parsed query file (or ad-hoc query text) with its documentation and parameters."""

    name: str
    text: str
    summary: str = ""
    description: str = ""
    tags: tuple[str, ...] = ()
    parameters: tuple[Parameter, ...] = ()
    path: Path | None = field(default=None, compare=False)

    @property
    def hidden_columns(self) -> tuple[str, ...]:
        """The result columns that are not the answer: the parameter variables (without ``?``).

        A parameter must be projected to be bound, but its value is what was asked, not what was found;
        the REST API and ``mkg query`` both leave these columns out, by this one rule.
        """
        return tuple(p.variable for p in self.parameters)

    @property
    def where(self) -> str:
        """How error messages name this query: its file, else its name."""
        return str(self.path) if self.path is not None else self.name

    def parameter(self, name: str) -> Parameter:
        """The parameter called ``name`` (``primary``; ``primary_iri`` and ``_primary_iri`` are accepted too)."""
        for p in self.parameters:
            if name in (p.name, p.variable, p.variable.lstrip("_")):
                return p
        known = ", ".join(p.name for p in self.parameters) or "none"
        raise UserError(f"query '{self.name}' has no parameter '{name}' (its parameters: {known})")

    def resolve(self, params: Mapping[str, str]) -> dict[str, BoundTerm]:
        """Checked terms keyed by variable name (without ``?``): given values, else defaults.

        A required parameter with neither is a :class:`MissingParameter`; an optional one stays unbound.
        """
        given: dict[str, str] = {}
        for key, value in params.items():
            p = self.parameter(key)
            if p.name in given:
                raise UserError(f"parameter '{p.name}' is given twice")
            given[p.name] = value
        out: dict[str, BoundTerm] = {}
        for p in self.parameters:
            chosen = given.get(p.name, p.default)
            if chosen is None:
                if p.required:
                    raise MissingParameter(self.name, p)
                continue
            out[p.variable] = p.term(chosen)
        return out

    def bind(
        self, params: Mapping[str, str]
    ) -> dict[ox.Variable, ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple]:
        """The ``substitutions`` for pyoxigraph's ``Store.query``: ``{Variable: term}``."""
        import pyoxigraph as ox

        return {ox.Variable(var): term.to_oxigraph() for var, term in self.resolve(params).items()}

    def init_bindings(self, params: Mapping[str, str]) -> dict[str, Identifier]:
        """The ``initBindings`` for rdflib's ``Graph.query``: ``{variable name: term}``."""
        return {var: term.to_rdflib() for var, term in self.resolve(params).items()}

    def json_bindings(self, params: Mapping[str, str]) -> dict[str, dict[str, str]]:
        """Bindings as SPARQL-JSON terms keyed by variable name, to send to another process."""
        return {var: term.to_json() for var, term in self.resolve(params).items()}


def _is_header_line(line: str) -> bool:
    """A grlc ``#+`` decorator line: the one rule for what belongs to a query's header."""
    return line.startswith("#+")


def _header_and_body(text: str) -> tuple[str, str]:
    """Split grlc ``#+`` decorator lines (YAML) from the SPARQL text; the body keeps line numbers."""
    header: list[str] = []
    body: list[str] = []
    for line in text.splitlines():
        if _is_header_line(line):
            header.append(line[2:])
            body.append("")
        else:
            body.append(line)
    return textwrap.dedent("\n".join(header)), "\n".join(body)


def without_header(text: str) -> str:
    """The query text without its ``#+`` header lines (for an editor that shows the header as a form)."""
    return "".join(line for line in text.splitlines(keepends=True) if not _is_header_line(line))


def parse_header(text: str, where: str, keys: frozenset[str] = _HEADER_KEYS) -> tuple[dict[str, Any], str]:
    """The ``#+`` header as a YAML mapping limited to ``keys``, and the body (header lines blanked).

    The library's keys are the default; the benchmark mix reads its own (``default-graph-uri``, ...) with
    this same parser, so a header means one thing wherever it is read.
    """
    yaml_text, body = _header_and_body(text)
    return _header(yaml_text, where, keys), body


def _header(yaml_text: str, where: str, keys: frozenset[str] = _HEADER_KEYS) -> dict[str, Any]:
    try:
        data = yaml.load(yaml_text, Loader=_YAML_LOADER) if yaml_text.strip() else {}  # noqa: S506 (safe loader)
    except yaml.YAMLError as exc:
        raise UserError(f"the '#+' header is not valid YAML: {exc}", path=where) from exc
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise UserError("the '#+' header must be a YAML mapping (summary:, tags:, ...)", path=where)
    unknown = sorted(set(map(str, data)) - set(keys))
    if unknown:
        known = ", ".join(sorted(keys))
        raise UserError(f"unknown header key(s) {', '.join(unknown)} (known: {known})", path=where)
    return data


def _text_field(data: dict[str, Any], key: str, where: str) -> str:
    value = data.get(key, "")
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise UserError(f"header '{key}' must be text", path=where)
    return " ".join(value.split())


def _tags(data: dict[str, Any], where: str) -> tuple[str, ...]:
    tags = data.get("tags") or []
    if isinstance(tags, str):
        tags = [tags]
    if not isinstance(tags, list) or not all(isinstance(t, str) and t.strip() for t in tags):
        raise UserError("header 'tags' must be a list of words", path=where)
    return tuple(t.strip() for t in tags)


def _scalar(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _defaults(data: dict[str, Any], where: str) -> dict[str, str]:
    """``defaults:`` as grlc writes it (a list of one-key mappings) or as a plain mapping."""
    raw = data.get("defaults") or []
    items: list[tuple[object, object]] = []
    if isinstance(raw, dict):
        items = list(raw.items())
    elif isinstance(raw, list) and all(isinstance(d, dict) for d in raw):
        items = [kv for d in raw for kv in d.items()]
    else:
        raise UserError("header 'defaults' must be a list of 'name: value' entries", path=where)
    out: dict[str, str] = {}
    for key, value in items:
        if value is None or isinstance(value, dict | list):
            raise UserError(f"default for '{key}' must be a single value", path=where)
        out[str(key)] = _scalar(value)
    return out


def _parameters(body: str, defaults: dict[str, str], where: str) -> tuple[Parameter, ...]:
    params: dict[str, Parameter] = {}
    for variable in query_variables(body):
        try:
            p = _parameter_from_variable(variable)
        except ValueError as exc:
            raise UserError(str(exc), path=where) from exc
        if p is None:
            continue
        if p.name in params and params[p.name].variable != variable:
            raise UserError(f"?{params[p.name].variable} and ?{variable} both declare parameter '{p.name}'", path=where)
        params[p.name] = p
    out: list[Parameter] = []
    used: set[str] = set()
    for p in params.values():
        keys = [k for k in dict.fromkeys((p.name, p.variable.lstrip("_"))) if k in defaults]
        if len(keys) > 1:
            raise UserError(f"two defaults for parameter '{p.name}': {', '.join(keys)}", path=where)
        default = defaults[keys[0]] if keys else None
        used.update(keys)
        if default is not None:
            try:
                p.term(default, where="default of ")
            except UserError as exc:
                raise UserError(str(exc), path=where) from exc
            p = Parameter(p.name, p.variable, p.kind, p.required, p.datatype, p.language, default)
        out.append(p)
    stray = sorted(set(defaults) - used)
    if stray:
        known = ", ".join(p.name for p in out) or "none"
        raise UserError(f"default(s) for unknown parameter(s) {', '.join(stray)} (parameters: {known})", path=where)
    return tuple(out)


def parse_query(text: str, name: str, path: Path | None = None, *, documented: bool = False) -> StoredQuery:
    """Parse query text and its header; ``documented`` demands the summary and tags a library file must have."""
    where = str(path) if path is not None else name
    data, body = parse_header(text, where)
    summary = _text_field(data, "summary", where)
    tags = _tags(data, where)
    if documented and not summary:
        raise UserError("header '#+ summary:' is required for a library query", path=where)
    if documented and not tags:
        raise UserError("header '#+ tags:' (a list) is required for a library query", path=where)
    if not body.strip():
        raise UserError("no SPARQL query after the header", path=where)
    parameters = _parameters(body, _defaults(data, where), where)
    return StoredQuery(
        name=name,
        text=text,
        summary=summary,
        description=_text_field(data, "description", where),
        tags=tags,
        parameters=parameters,
        path=path,
    )


def load_library(folder: Path | None = None) -> dict[str, StoredQuery]:
    """Every ``*.rq`` directly in ``folder`` (default: the packaged ``queries/``), by file stem, sorted.

    Sub-folders (``qc/``, ``bench/``) are other tools' queries and are not part of the library.
    """
    folder = folder if folder is not None else query_dir()
    library: dict[str, StoredQuery] = {}
    for path in sorted(folder.glob("*.rq")):
        if not _QUERY_NAME.match(path.stem):
            raise UserError("query file names must be lower-case words joined by '-'", path=path)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise UserError(f"cannot read query file: {exc}", path=path) from exc
        library[path.stem] = parse_query(text, path.stem, path, documented=True)
    return library
