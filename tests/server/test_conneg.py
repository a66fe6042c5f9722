"""Content negotiation: q-values, wildcards, specificity, parameters, aliases and 406."""

from __future__ import annotations

import pytest

from server.protocol.conneg import choose, parse_accept
from server.protocol.formats import GRAPH_FORMATS, SOLUTION_FORMATS


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, "json"),
        ("", "json"),
        ("*/*", "json"),
        ("*", "json"),
        ("text/*", "csv"),
        ("text/*;q=0.2, text/tab-separated-values", "tsv"),
        ("application/sparql-results+json;q=0.1, application/sparql-results+xml;q=0.2", "xml"),
        ("application/sparql-results+json;q=0, */*", "xml"),
        ("application/sparql-results+json; charset=utf-8", "json"),
        ("APPLICATION/SPARQL-RESULTS+XML", "xml"),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "xml"),
        ("application/json", "json"),
        ("text/turtle", None),
        ("text/csv;q=0", None),
        ("garbage, text/csv;q=not-a-number, text/tab-separated-values;q=0.5", "tsv"),
    ],
)
def test_results_formats_are_chosen_by_accept(accept: str | None, expected: str | None) -> None:
    """The highest-q format wins, the most specific range decides a format's q, ties follow server order."""
    chosen = choose(accept, SOLUTION_FORMATS)
    assert (chosen.name if chosen else None) == expected


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("*/*", "turtle"),
        ("application/*", "ntriples"),
        ("application/json", "jsonld"),
        ("text/plain", "ntriples"),
        ("application/rdf+xml;q=0.9, text/turtle;q=0.8", "rdfxml"),
        ("application/trig", "trig"),
        ("application/sparql-results+json", None),
    ],
)
def test_graph_formats_are_chosen_by_accept(accept: str, expected: str | None) -> None:
    """CONSTRUCT and DESCRIBE results negotiate among the RDF formats; results formats are not offered."""
    chosen = choose(accept, GRAPH_FORMATS)
    assert (chosen.name if chosen else None) == expected


def test_malformed_ranges_are_skipped() -> None:
    """Entries without a slash, with a bad q or '*/json' are ignored rather than failing the request."""
    ranges = parse_accept("json, */json, text/csv;q=2, text/tab-separated-values;q=0.4")
    assert [(r.type, r.subtype, r.q) for r in ranges] == [("text", "tab-separated-values", 0.4)]


def test_a_remembered_choice_depends_on_the_offers() -> None:
    """The same Accept header asked for solutions and then for a graph gets each kind's own answer."""
    for _ in range(2):  # the second round is answered from the remembered choices
        solutions = choose("application/json", SOLUTION_FORMATS)
        graph = choose("application/json", GRAPH_FORMATS)
        assert solutions is not None and solutions.name == "json"
        assert graph is not None and graph.name == "jsonld"
        assert choose("application/json", [f for f in GRAPH_FORMATS if f.name != "jsonld"]) is None
