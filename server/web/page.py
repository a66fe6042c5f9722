"""``/``: the query page, an editor with the example queries that runs in the browser, offline.

Everything the page needs (script, style) is served from ``server/static``: no CDN, so it works on a
laptop without network and leaks no visitor to third parties. The page talks to ``/sparql`` like any
other client.
"""

from __future__ import annotations

from dataclasses import asdict

import flask

from kg.resources import query_dir
from server.engine.service import QueryService
from server.protocol.formats import GRAPH_FORMATS, SOLUTION_FORMATS, Format
from server.web.examples import load_examples
from server.web.http import html_page

__all__ = ["blueprint"]

blueprint = flask.Blueprint("page", __name__)

_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self';"
    " base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
_LABELS = {
    "json": "JSON",
    "xml": "XML",
    "csv": "CSV",
    "tsv": "TSV",
    "turtle": "Turtle",
    "ntriples": "N-Triples",
    "jsonld": "JSON-LD",
    "rdfxml": "RDF/XML",
    "nquads": "N-Quads",
    "trig": "TriG",
}


def _formats(formats: tuple[Format, ...]) -> list[dict[str, str]]:
    return [
        {"name": f.name, "label": _LABELS[f.name], "mediaType": f.media_type, "extension": f.extension} for f in formats
    ]


def _starter_query(prefixes: dict[str, str]) -> str:
    lines = [f"PREFIX {name}: <{iri}>" for name, iri in sorted(prefixes.items())]
    lines += ["", "SELECT ?subject ?predicate ?object", "WHERE { ?subject ?predicate ?object }", "LIMIT 25", ""]
    return "\n".join(lines)


@blueprint.route("/")
def index() -> flask.Response:
    """The query page, with the examples, prefixes and formats embedded as JSON."""
    service: QueryService = flask.current_app.extensions["mkg"]
    settings = {
        "endpoint": flask.url_for("sparql.sparql"),
        "prefixes": service.prefixes,
        "prefixesUrl": flask.url_for("meta.prefix_table"),
        "starter": _starter_query(service.prefixes),
        "examples": [asdict(example) for example in load_examples(service.config.queries or query_dir())],
        "formats": {"solutions": _formats(SOLUTION_FORMATS), "graph": _formats(GRAPH_FORMATS)},
        "rowLimit": service.config.row_limit,
    }
    html = flask.render_template(
        "index.html",
        settings=settings,
        version=service.dataset.version,
        triples=service.dataset.triples,
        examples=settings["examples"],
    )
    return html_page(html, _CSP)
