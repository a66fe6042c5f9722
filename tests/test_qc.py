"""QC checks: each SPARQL check catches a violation planted in a tiny clean ontology, and nothing else.

rdflib evaluates some SPARQL (FILTER NOT EXISTS, language tags, regex escapes) differently from
other engines, so every check is exercised here on rdflib itself rather than trusted from ROBOT.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF

from kg.checks.qc import QcViolation, format_report, load_checks, run_qc, write_report
from kg.errors import UserError
from kg.release.turtle import parse_turtle
from kg.resources import ontology_edit_file

DATA = Path(__file__).parent / "data"
CLEAN = DATA / "qa-clean-ontology.ttl"
ONTOLOGY = URIRef("https://w3id.org/metastasis-kg/qa-clean.owl")

PREFIXES = """\
@prefix : <https://w3id.org/metastasis-kg/> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix obo: <http://purl.obolibrary.org/obo/> .
@prefix oboInOwl: <http://www.geneontology.org/formats/oboInOwl#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
"""


def clean_graph() -> Graph:
    return parse_turtle(CLEAN.read_text(encoding="utf-8"), CLEAN)


@dataclass(frozen=True)
class Plant:
    """A violation to plant: Turtle to add and/or triples to remove, and the row the check must return."""

    check: str
    expected: tuple[str, str, str]
    add: str = ""
    remove: tuple[tuple[URIRef | None, URIRef | None, URIRef | None], ...] = field(default=())
    id: str = ""

    def graph(self) -> Graph:
        g = clean_graph()
        for pattern in self.remove:
            g.remove(pattern)
        if self.add:
            g.parse(data=PREFIXES + self.add, format="turtle")
        return g


NEW_CLASS = ':{name} a owl:Class ; rdfs:label "{label}"@en ; obo:IAO_0000115 "{definition}"@en .'

PLANTS = [
    Plant(
        "deprecated-boolean-datatype",
        ("mkg:Skin", "owl:deprecated", '"true"'),
        add=':Skin owl:deprecated "true" .',
    ),
    Plant(
        "deprecated-class-reference",
        ("mkg:OldMetastasis", "rdfs:subClassOf", "mkg:Late"),
        add=NEW_CLASS.format(name="Late", label="late", definition="Late.") + " :Late rdfs:subClassOf :OldMetastasis .",
        id="child-of-deprecated",
    ),
    Plant(
        "deprecated-class-reference",
        (
            "mkg:OldMetastasis",
            "owl:someValuesFrom",
            "[ a owl:Restriction ; owl:onProperty mkg:hasSite ; owl:someValuesFrom mkg:OldMetastasis ]",
        ),
        add=(
            ":Skin rdfs:subClassOf "
            "[ a owl:Restriction ; owl:onProperty :hasSite ; owl:someValuesFrom :OldMetastasis ] ."
        ),
        id="filler-of-restriction",
    ),
    Plant(
        "deprecated-class-reference",
        ("mkg:OldMetastasis", "owl:equivalentClass", "mkg:Metastasis"),
        add=":OldMetastasis owl:equivalentClass :Metastasis .",
        id="equivalence-on-deprecated",
    ),
    Plant(
        "deprecated-property-reference",
        (
            "mkg:Metastasis",
            "rdfs:subClassOf",
            "[ a owl:Restriction ; owl:onProperty mkg:oldSite ; owl:someValuesFrom mkg:Site ]",
        ),
        add=":Metastasis rdfs:subClassOf [ a owl:Restriction ; owl:onProperty :oldSite ; owl:someValuesFrom :Site ] .",
        id="restriction-on-deprecated",
    ),
    Plant(
        "deprecated-property-reference",
        ("mkg:oldSite", "rdfs:subPropertyOf", "mkg:newSite"),
        add=':newSite a owl:ObjectProperty ; rdfs:label "new site"@en ; rdfs:subPropertyOf :oldSite .',
        id="child-of-deprecated",
    ),
    Plant(
        "deprecated-property-reference",
        ("mkg:Skin", "mkg:oldSite", "mkg:Site"),
        add=":Skin :oldSite :Site .",
        id="used-as-predicate",
    ),
    Plant(
        "duplicate-definition",
        ("mkg:Scalp", "obo:IAO_0000115", '"The outer covering of the body."@en'),
        add=NEW_CLASS.format(name="Scalp", label="scalp", definition="The outer covering of the body."),
    ),
    Plant(
        "duplicate-label",
        ("mkg:Integument", "rdfs:label", '"skin"@en'),
        add=NEW_CLASS.format(name="Integument", label="skin", definition="Integument."),
    ),
    Plant(
        "illegal-use-of-built-in-vocabulary",
        ("rdf:type", "rdfs:subPropertyOf", "mkg:hasSite"),
        add="rdf:type rdfs:subPropertyOf :hasSite .",
        id="rdf-type",
    ),
    Plant(
        "illegal-use-of-built-in-vocabulary",
        ("owl:Thing", "rdfs:subClassOf", "mkg:Site"),
        add="owl:Thing rdfs:subClassOf :Site .",
        id="owl-thing",
    ),
    Plant(
        "label-formatting",
        ("mkg:Tabbed", "rdfs:label", '"tabbed\\tlabel"@en'),
        add=':Tabbed a owl:Class ; rdfs:label "tabbed\\tlabel"@en ; obo:IAO_0000115 "Tabbed."@en .',
        id="tab",
    ),
    Plant(
        "label-formatting",
        ("mkg:Broken", "rdfs:label", '"broken\\nlabel"@en'),
        add=':Broken a owl:Class ; rdfs:label """broken\nlabel"""@en ; obo:IAO_0000115 "Broken."@en .',
        id="newline",
    ),
    Plant(
        "label-whitespace",
        ("mkg:Padded", "rdfs:label", '" padded"@en'),
        add=NEW_CLASS.format(name="Padded", label=" padded", definition="Padded."),
        id="leading",
    ),
    Plant(
        "label-whitespace",
        ("mkg:Trailing", "rdfs:label", '"trailing "@en'),
        add=NEW_CLASS.format(name="Trailing", label="trailing ", definition="Trailing."),
        id="trailing",
    ),
    Plant(
        "missing-label",
        ("mkg:Nameless", "rdfs:label", ""),
        add=':Nameless a owl:Class ; obo:IAO_0000115 "Nameless."@en .',
        id="described",
    ),
    Plant(
        "missing-label",
        ("mkg:bare", "rdfs:label", ""),
        add=":bare a owl:ObjectProperty .",
        id="bare-declaration",
    ),
    Plant(
        "missing-ontology-declaration",
        ("owl:Ontology", "rdf:type", ""),
        remove=((ONTOLOGY, RDF.type, OWL.Ontology),),
    ),
    Plant(
        "missing-ontology-description",
        ("mkg:qa-clean.owl", "dcterms:description", ""),
        remove=((ONTOLOGY, DCTERMS.description, None),),
    ),
    Plant(
        "missing-ontology-license",
        ("mkg:qa-clean.owl", "dcterms:license", ""),
        remove=((ONTOLOGY, DCTERMS.license, None),),
    ),
    Plant(
        "missing-ontology-title",
        ("mkg:qa-clean.owl", "dcterms:title", ""),
        remove=((ONTOLOGY, DCTERMS.title, None),),
    ),
    Plant(
        "misused-obsolete-label",
        ("mkg:Stale", "rdfs:label", '"Obsolete stale thing"@en'),
        add=NEW_CLASS.format(name="Stale", label="Obsolete stale thing", definition="Stale."),
    ),
    Plant(
        "misused-replaced-by",
        ("mkg:Skin", "obo:IAO_0100001", "mkg:Site"),
        add=":Skin obo:IAO_0100001 :Site .",
    ),
    Plant(
        "multiple-definitions",
        ("mkg:Skin", "obo:IAO_0000115", '"The integument."@en'),
        add=':Skin obo:IAO_0000115 "The integument."@en .',
    ),
    Plant(
        "multiple-equivalent-class-definitions",
        (
            "mkg:CutaneousMetastasis",
            "owl:equivalentClass",
            "[ a owl:Class ; owl:intersectionOf ( mkg:Neoplasm "
            "[ a owl:Restriction ; owl:onProperty mkg:hasSite ; owl:someValuesFrom mkg:Skin ] ) ]",
        ),
        add=(
            ":CutaneousMetastasis owl:equivalentClass [ a owl:Class ; owl:intersectionOf "
            "( :Neoplasm [ a owl:Restriction ; owl:onProperty :hasSite ; owl:someValuesFrom :Skin ] ) ] ."
        ),
    ),
    Plant(
        "multiple-labels",
        ("mkg:Skin", "rdfs:label", '"integument"@en'),
        add=':Skin rdfs:label "integument"@en .',
    ),
    Plant(
        "label-language",
        ("mkg:Peau", "rdfs:label", '"peau"@fr'),
        add=':Peau a owl:Class ; rdfs:label "peau"@fr ; obo:IAO_0000115 "Peau."@en .',
        id="french",
    ),
    Plant(
        "label-language",
        ("mkg:Untagged", "rdfs:label", '"untagged"'),
        add=':Untagged a owl:Class ; rdfs:label "untagged" ; obo:IAO_0000115 "Untagged."@en .',
        id="untagged",
    ),
    Plant(
        "missing-domain-or-range",
        ("mkg:hasSite", "rdfs:range", ""),
        remove=(
            (
                URIRef("https://w3id.org/metastasis-kg/hasSite"),
                URIRef("http://www.w3.org/2000/01/rdf-schema#range"),
                None,
            ),
        ),
    ),
    Plant(
        "missing-definition",
        ("mkg:Undefined", "obo:IAO_0000115", ""),
        add=':Undefined a owl:Class ; rdfs:label "undefined"@en .',
    ),
    Plant(
        "invalid-xref",
        ("mkg:Skin", "oboInOwl:hasDbXref", '"UBERON 0002097"'),
        add=':Skin oboInOwl:hasDbXref "UBERON 0002097" .',
        id="space-not-colon",
    ),
    Plant(
        "invalid-xref",
        ("mkg:Skin", "oboInOwl:hasDbXref", "obo:UBERON_0002097"),
        add=":Skin oboInOwl:hasDbXref obo:UBERON_0002097 .",
        id="iri-not-string",
    ),
    Plant(
        "invalid-xref",
        ("mkg:Skin", "oboInOwl:hasDbXref", '"UBERON:0002097"@en'),
        add=':Skin oboInOwl:hasDbXref "UBERON:0002097"@en .',
        id="language-tagged",
    ),
    Plant(
        "invalid-xref",
        ("mkg:Skin", "oboInOwl:hasDbXref", '"PMID: 123"'),
        add=(
            "[] a owl:Axiom ; owl:annotatedSource :Skin ; owl:annotatedProperty obo:IAO_0000115 ; "
            'owl:annotatedTarget "The outer covering of the body."@en ; oboInOwl:hasDbXref "PMID: 123" .'
        ),
        id="on-axiom-annotation",
    ),
    Plant(
        "invalid-mapping-target",
        ("mkg:Skin", "skos:exactMatch", '"UBERON:0002097"'),
        add=':Skin skos:exactMatch "UBERON:0002097" .',
        id="curie-string",
    ),
    Plant(
        "invalid-mapping-target",
        ("mkg:Skin", "skos:closeMatch", "<https://purl.obolibrary.org/obo/UBERON_0002097>"),
        add=":Skin skos:closeMatch <https://purl.obolibrary.org/obo/UBERON_0002097> .",
        id="https-purl",
    ),
]


def _row(v: QcViolation) -> tuple[str, str, str]:
    return (v.entity, v.property, v.value)


def test_clean_fixture_passes_every_check() -> None:
    """The clean fixture has zero violations, so every planted row below is caused by its plant."""
    assert run_qc(clean_graph()) == []


def test_every_check_has_a_planted_violation() -> None:
    """Each ``queries/qc/*-violation.rq`` is covered by at least one plant (a new check needs a test)."""
    assert set(load_checks()) == {p.check for p in PLANTS}


@pytest.mark.parametrize("plant", PLANTS, ids=[f"{p.check}-{p.id}" if p.id else p.check for p in PLANTS])
def test_check_catches_planted_violation(plant: Plant) -> None:
    """The check returns the planted row with the expected ?entity ?property ?value."""
    checks = load_checks()
    rows = [_row(v) for v in run_qc(plant.graph(), checks={plant.check: checks[plant.check]})]
    assert plant.expected in rows, f"{plant.check} returned {rows}"


NEAR_MISSES = [
    ("label-language", ':Colour a owl:Class ; rdfs:label "colour"@en-GB ; obo:IAO_0000115 "Colour."@en .'),
    ("invalid-xref", ':Skin oboInOwl:hasDbXref "ISBN:978-3-16-148410-0", "NCIT:C12470" .'),
    ("illegal-use-of-built-in-vocabulary", "rdfs:label a owl:AnnotationProperty ."),
    ("deprecated-class-reference", ":OldMetastasis rdfs:subClassOf oboInOwl:ObsoleteClass ."),
    ("misused-obsolete-label", NEW_CLASS.format(name="Obsolescence", label="obsolescence", definition="Aging.")),
    ("missing-label", ":Skin skos:exactMatch obo:UBERON_0002097 ."),
    ("duplicate-label", ':Skin oboInOwl:hasExactSynonym "anatomical site"@en .'),
]


@pytest.mark.parametrize(("check", "turtle"), NEAR_MISSES, ids=[c for c, _ in NEAR_MISSES])
def test_check_ignores_near_miss(check: str, turtle: str) -> None:
    """Legitimate look-alikes (en-GB labels, ISBN xrefs, obsolete parents, ...) are not reported."""
    g = Plant(check, ("", "", ""), add=turtle).graph()
    assert run_qc(g, checks={check: load_checks()[check]}) == []


def test_report_is_deterministic_across_blank_node_labels(tmp_path: Path) -> None:
    """Two parses of one file (different blank-node ids) give byte-identical TSV reports."""
    plant = next(p for p in PLANTS if p.check == "multiple-equivalent-class-definitions")
    first, second = tmp_path / "a.tsv", tmp_path / "b.tsv"
    only = {plant.check: load_checks()[plant.check]}
    write_report(run_qc(plant.graph(), checks=only), first)
    write_report(run_qc(plant.graph(), checks=only), second)
    assert first.read_bytes() == second.read_bytes()
    assert first.read_text(encoding="utf-8").count("\n") == 3  # header + two definitions


def test_report_escapes_tabs_and_newlines(tmp_path: Path) -> None:
    """A label holding a tab or newline stays one TSV row of four fields."""
    violations = [QcViolation("label-formatting", "mkg:X", "rdfs:label", '"a\tb\nc"@en')]
    path = tmp_path / "qc-report.tsv"
    write_report(violations, path)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "check\tentity\tproperty\tvalue"
    assert lines[1].split("\t") == ["label-formatting", "mkg:X", "rdfs:label", '"a\\tb\\nc"@en']
    assert format_report([]) == "check\tentity\tproperty\tvalue\n"


def test_check_without_uniform_columns_is_refused() -> None:
    """A QC query that does not select ?entity ?property ?value is a bug in the query, reported by name."""
    with pytest.raises(ValueError, match="broken"):
        run_qc(clean_graph(), checks={"broken": "SELECT ?s WHERE { ?s ?p ?o }"})


def test_real_ontology_passes_qc() -> None:
    """The edit file passes every QC check; the message lists each violation to fix."""
    path = ontology_edit_file()
    if not path.exists():
        pytest.skip(f"{path.name} does not exist yet")
    try:
        graph = parse_turtle(path.read_text(encoding="utf-8"), path)
    except UserError as err:
        pytest.fail(str(err))
    violations = run_qc(graph)
    assert not violations, "QC violations in the edit file:\n" + format_report(violations)
