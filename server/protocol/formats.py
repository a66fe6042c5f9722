"""The result formats the endpoint produces, per kind of result, in the server's order of preference.

One table shared by content negotiation (which media types a client may ask for), the query workers
(which pyoxigraph serializer writes each format) and the service description (which formats to
announce), so the three cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["BY_NAME", "DESCRIPTION_FORMATS", "GRAPH_FORMATS", "SOLUTION_FORMATS", "Format", "formats_for_form"]


@dataclass(frozen=True)
class Format:
    """A result format: its short name, canonical media type and the other media types that mean it."""

    name: str
    media_type: str
    aliases: tuple[str, ...]
    extension: str
    oxigraph: str  # attribute of pyoxigraph.QueryResultsFormat (solutions) or RdfFormat (graphs)
    iri: str  # W3C "Unique URIs for file formats", announced in the service description

    @property
    def content_type(self) -> str:
        """The ``Content-Type`` header value: every format here is UTF-8 text."""
        return f"{self.media_type}; charset=utf-8"


_W3 = "http://www.w3.org/ns/formats/"

SOLUTION_FORMATS: tuple[Format, ...] = (
    Format(
        "json", "application/sparql-results+json", ("application/json",), "srj", "JSON", _W3 + "SPARQL_Results_JSON"
    ),
    Format(
        "xml",
        "application/sparql-results+xml",
        ("application/xml", "text/xml"),
        "srx",
        "XML",
        _W3 + "SPARQL_Results_XML",
    ),
    Format("csv", "text/csv", (), "csv", "CSV", _W3 + "SPARQL_Results_CSV"),
    Format("tsv", "text/tab-separated-values", (), "tsv", "TSV", _W3 + "SPARQL_Results_TSV"),
)

GRAPH_FORMATS: tuple[Format, ...] = (
    Format("turtle", "text/turtle", ("application/x-turtle",), "ttl", "TURTLE", _W3 + "Turtle"),
    Format("ntriples", "application/n-triples", ("text/plain",), "nt", "N_TRIPLES", _W3 + "N-Triples"),
    Format("jsonld", "application/ld+json", ("application/json",), "jsonld", "JSON_LD", _W3 + "JSON-LD"),
    Format("rdfxml", "application/rdf+xml", ("application/xml", "text/xml"), "rdf", "RDF_XML", _W3 + "RDF_XML"),
    Format("nquads", "application/n-quads", (), "nq", "N_QUADS", _W3 + "N-Quads"),
    Format("trig", "application/trig", (), "trig", "TRIG", _W3 + "TriG"),
)

# Service description and VoID: RDF written by rdflib, so the formats rdflib writes well.
DESCRIPTION_FORMATS: tuple[Format, ...] = tuple(f for f in GRAPH_FORMATS if f.name != "nquads" and f.name != "trig")

BY_NAME: dict[str, Format] = {f.name: f for f in SOLUTION_FORMATS + GRAPH_FORMATS}


def formats_for_form(form: str | None) -> tuple[Format, ...]:
    """The formats a query of this form (``select``, ``ask``, ``construct``, ``describe``) can be written in."""
    if form in ("construct", "describe"):
        return GRAPH_FORMATS
    return SOLUTION_FORMATS
