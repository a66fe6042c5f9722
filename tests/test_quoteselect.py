"""Each quote's place in its source file: offsets a page can highlight, even where markup splits the words."""

from __future__ import annotations

from pathlib import Path

from rdflib import Graph, Literal
from rdflib.namespace import RDF

from kg.graphs.quoteselect import OA, ReadableText, quote_selectors
from kg.inputs.ontology_index import OntologyIndex
from kg.inputs.sourcetext import load_sources, normalize_text
from kg.inputs.tables import load_tables
from kg.namespaces import FACT, MKG


def test_markup_and_entities_map_back_to_file_offsets() -> None:
    """A quote read as 'tumour & neck' is found at the file's 't</i>umour &amp; neck', inner tags included."""
    raw = "---\ntitle: x\n---\n<p>The <i>t</i>umour &amp;\n  neck.</p>"
    text = ReadableText.of(raw, markup=True)
    assert text.text == normalize_text(raw, markup=True) == "The tumour & neck."
    start, end = text.span("tumour & neck") or (0, 0)
    assert raw[start:end] == "t</i>umour &amp;\n  neck"
    assert text.span("not there") is None


def test_every_quote_has_a_position_and_quote_selector_into_its_file(ontology_graph: Graph) -> None:
    """All records are placed; file[start:end] is the selector's exact text and reads as the quote."""
    _, docs = load_sources()
    tables = load_tables(OntologyIndex.from_graph(ontology_graph), docs)
    graph = quote_selectors(tables, docs)
    records = [*tables.associations, *tables.statistics, *tables.groups]
    assert len(set(graph.subjects(MKG.quoteLocation, None))) == len(records)
    with_markup = 0
    for row in tables.associations:
        target = graph.value(FACT[row.id], MKG.quoteLocation)
        assert (target, RDF.type, OA.SpecificResource) in graph
        selectors = set(graph.objects(target, OA.hasSelector))
        position = next(s for s in selectors if (s, RDF.type, OA.TextPositionSelector) in graph)
        quote = next(s for s in selectors if (s, RDF.type, OA.TextQuoteSelector) in graph)
        start, end = (int(graph.value(position, p)) for p in (OA.start, OA.end))  # type: ignore[arg-type]
        raw = docs[row.source].path.read_text(encoding="utf-8")
        assert graph.value(quote, OA.exact) == Literal(raw[start:end])
        assert normalize_text(raw[start:end], markup=row.source == "sebald-2017") == normalize_text(row.quote)
        assert raw[:start].endswith(str(graph.value(quote, OA.prefix)))
        with_markup += "<" in raw[start:end] or "&" in raw[start:end]
    assert with_markup >= 25  # the second source's quotes that match only once tags and entities are read


def test_release_carries_the_selectors_in_its_provenance_graph(release_dir: Path) -> None:
    """The selectors are in the release's provenance graph, pointing into the cited source."""
    nq = (release_dir / "kg.nq").read_text(encoding="utf-8")
    fact = "https://w3id.org/metastasis-kg/fact/tnm-t-tumour"
    line = next(ln for ln in nq.splitlines() if ln.startswith(f"<{fact}> <{MKG}quoteLocation>"))
    assert line.endswith(f"<{MKG}graph/provenance> .")
    assert f"<{fact}#quote> <{OA}hasSource> <{MKG}source/sebald-2017>" in nq
