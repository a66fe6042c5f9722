"""``/schema``: every class and property of the KG with label, definition, domain, range and usage counts.

The page is the two stored queries ``queries/schema-classes.rq`` and ``queries/schema-properties.rq``
rendered as tables, so it shows exactly what a SPARQL user or an app gets from
``/api/queries/schema-classes`` and ``/api/queries/schema-properties``; nothing about the schema is
computed here. The queries run through the shared executor (same guards, limits and cache as
``/sparql``). Every term links to its own page, with the label catalog's names.

The URL has one representation, HTML. The JSON of the same answers is the REST API's, announced in
``<link rel="alternate">`` and the ``Link`` header; a client that accepts no HTML gets a 406 naming those
URLs rather than a second, hand-made JSON shape of the schema.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import flask
from werkzeug.wrappers import Response

from kg.library.storedqueries import StoredQuery, load_library
from kg.namespaces import OWL
from server.engine.service import QueryOutcome, QueryService
from server.protocol.conneg import choose
from server.protocol.formats import Format
from server.web.catalog import Catalog, catalog
from server.web.http import html_page
from server.web.ldquery import QueryFailed
from server.web.linked_data import CSP, HTML, page_context

__all__ = ["QUERIES", "SchemaClass", "SchemaProperty", "blueprint"]

blueprint = flask.Blueprint("schema", __name__)

QUERIES = ("schema-classes", "schema-properties")
_EXTENSION = "mkg-schema"
_OWL = str(OWL)
PROPERTY_KINDS = (
    (_OWL + "ObjectProperty", "Object properties"),
    (_OWL + "DatatypeProperty", "Datatype properties"),
    (_OWL + "AnnotationProperty", "Annotation properties"),
)
_RESULTS_JSON = "application/sparql-results+json"


@dataclass(frozen=True)
class SchemaClass:
    """One row of ``schema-classes``: a class of the KG's own vocabulary."""

    iri: str
    label: str
    definition: str
    instances: int
    triples: int


@dataclass
class SchemaProperty:
    """A property of ``schema-properties``, its rows merged: a property may have several domains or ranges."""

    iri: str
    kind: str
    label: str
    definition: str
    triples: int
    domains: list[str] = field(default_factory=list)
    ranges: list[str] = field(default_factory=list)
    supers: list[str] = field(default_factory=list)


@blueprint.record_once
def _load(state: Any) -> None:
    library = load_library()
    state.app.extensions[_EXTENSION] = {name: library[name] for name in QUERIES}


def _service() -> QueryService:
    service: QueryService = flask.current_app.extensions["mkg"]
    return service


def _rows(name: str) -> list[dict[str, dict[str, str]]]:
    query: StoredQuery = flask.current_app.extensions[_EXTENSION][name]
    outcome = _service().run_query(query.text, bindings={}, accept=_RESULTS_JSON)
    if outcome.status != 200:
        raise QueryFailed(outcome)
    rows: list[dict[str, dict[str, str]]] = flask.json.loads(outcome.body)["results"]["bindings"]
    return rows


def _value(row: dict[str, dict[str, str]], key: str) -> str:
    return row.get(key, {}).get("value", "")


def _classes(cat: Catalog) -> list[SchemaClass]:
    found: dict[str, SchemaClass] = {}
    for row in _rows("schema-classes"):
        iri = _value(row, "class")
        found.setdefault(
            iri,
            SchemaClass(
                iri,
                _value(row, "label") or cat.label(iri),
                _value(row, "definition"),
                int(_value(row, "instances") or 0),
                int(_value(row, "triples") or 0),
            ),
        )
    return sorted(found.values(), key=lambda c: (c.label.casefold(), c.iri))


def _properties(cat: Catalog) -> dict[str, list[SchemaProperty]]:
    found: dict[tuple[str, str], SchemaProperty] = {}
    for row in _rows("schema-properties"):
        iri, kind = _value(row, "property"), _value(row, "kind")
        prop = found.get((iri, kind))
        if prop is None:
            label = _value(row, "label") or cat.label(iri)
            prop = SchemaProperty(iri, kind, label, _value(row, "definition"), int(_value(row, "triples") or 0))
            found[(iri, kind)] = prop
        for key, values in (("domain", prop.domains), ("range", prop.ranges), ("superProperty", prop.supers)):
            value = _value(row, key)
            if value and value not in values:
                values.append(value)
    by_kind: dict[str, list[SchemaProperty]] = defaultdict(list)
    for prop in found.values():
        by_kind[prop.kind].append(prop)
    for props in by_kind.values():
        props.sort(key=lambda p: (p.label.casefold(), p.iri))
    return by_kind


def _api_links() -> list[tuple[str, str]]:
    """The REST API's URLs of the two answers, as (query name, URL)."""
    return [(name, flask.url_for("api.run", name=name)) for name in QUERIES]


def _link_header() -> str:
    return ", ".join(f'<{url}>; rel="alternate"; type="{_RESULTS_JSON}"' for _, url in _api_links())


@blueprint.route("/schema")
def schema_page() -> Response:
    """The schema as HTML; its JSON is the REST API's answer to the same stored queries."""
    offers: tuple[Format, ...] = (HTML,)
    if choose(flask.request.headers.get("Accept"), offers) is None:
        urls = " and ".join(url for _, url in _api_links())
        accept = flask.request.headers.get("Accept")
        message = f"/schema is HTML only; its data as JSON: GET {urls}; Accept was: {accept}"
        response = QueryOutcome.error(406, message, available=[HTML.media_type]).to_response()
    else:
        cat = catalog()
        html = flask.render_template(
            "ld_schema.html",
            classes=_classes(cat),
            properties=_properties(cat),
            property_kinds=PROPERTY_KINDS,
            api_links=_api_links(),
            label=cat.label,
            **page_context(),
        )
        response = html_page(html, CSP)
    response.vary.add("Accept")
    response.headers["Link"] = _link_header()
    return response
