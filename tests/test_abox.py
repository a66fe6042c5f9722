"""The compact A-box: HermiT on one representative per shape of fact gives the full run's answer.

The structural tests need no Java. The tests that reason compare ``classify`` with and without the
compaction (or check an inference that only holds when components interact), so they cannot pass by
reasoning about less than the full A-box.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, XSD

import kg.reason.reasoner
from kg.reason.abox import WITNESS, CompactABox, NotCompactableError, compact_abox
from kg.reason.reasoner import InconsistentOntologyError, Inferences, classify

DATA = Path(__file__).parent / "data"
EX = "http://example.org/abox#"
PREFIXES = f"""@prefix : <{EX}> .
@prefix owl: <{OWL}> .
@prefix rdfs: <{RDFS}> .
@prefix xsd: <{XSD}> .
"""

# p is used in a restriction, so its assertions matter; loose is declared but used in no axiom;
# note is an annotation property; size is a data property with a range; Regional and Distant are
# T-box individuals, as the ontology's value-set members are.
TBOX = (
    PREFIXES
    + """
:p a owl:ObjectProperty .
:q a owl:ObjectProperty .
:kind a owl:ObjectProperty .
:loose a owl:ObjectProperty .
:note a owl:AnnotationProperty .
:size a owl:DatatypeProperty ; rdfs:range xsd:decimal .
:A a owl:Class . :B a owl:Class . :B2 a owl:Class ; rdfs:subClassOf :B .
:HasB a owl:Class ; owl:equivalentClass [ a owl:Restriction ; owl:onProperty :p ; owl:someValuesFrom :B ] .
:HasQ a owl:Class ; owl:equivalentClass [ a owl:Restriction ; owl:onProperty :q ; owl:someValuesFrom owl:Thing ] .
:RegionalThing a owl:Class ; owl:equivalentClass [ a owl:Restriction ; owl:onProperty :kind ; owl:hasValue :Regional ] .
:Sized a owl:Class ; owl:equivalentClass [ a owl:Restriction ; owl:onProperty :size ; owl:someValuesFrom xsd:decimal ] .
:Regional a owl:NamedIndividual . :Distant a owl:NamedIndividual .
"""
)


def ex(name: str) -> URIRef:
    return URIRef(EX + name)


def turtle(text: str) -> Graph:
    return Graph().parse(data=PREFIXES + text, format="turtle")


def compact(abox: str, tbox: str = TBOX) -> CompactABox:
    return compact_abox(Graph().parse(data=tbox, format="turtle"), turtle(abox))


def stand_in_of(plan: CompactABox) -> dict[URIRef, URIRef]:
    return {member: stand_in for stand_in, members in plan.members.items() for member in members}


def assert_same(fast: Inferences, full: Inferences) -> None:
    for name in ("subclass_of", "types", "subproperty_of"):
        got, want = getattr(fast, name), getattr(full, name)
        assert got == want, f"{name}: only compact {sorted(got - want)[:5]}, only full {sorted(want - got)[:5]}"


# -- what is kept, what is dropped (no Java) ------------------------------------------------------


def test_annotation_and_unconstrained_assertions_are_dropped() -> None:
    """Labels, annotation properties, properties no axiom uses and plain strings never reach HermiT."""
    plan = compact(
        """
        :a a :A ; rdfs:label "a label"@en ; :note "a note" , :Distant ; :loose :b ; :undeclared "quote"@en .
        :b a :B .
        """
    )
    predicates = set(plan.assertions.predicates())
    assert predicates == {RDF.type}
    assert (ex("a"), RDF.type, ex("A")) in plan.assertions
    assert (ex("b"), RDF.type, ex("B")) in plan.assertions


def test_annotation_property_domain_and_range_do_not_make_it_relevant() -> None:
    """An annotation property's rdfs:domain/range is an annotation axiom (no logic): its values stay dropped."""
    tbox = TBOX + ":note rdfs:domain :A ; rdfs:range xsd:string .\n"
    plan = compact(':a a :A ; :note "a note" .\n:b a :A ; :note "another note" .\n', tbox)
    assert set(plan.assertions.predicates()) == {RDF.type}
    assert len(plan.emitted) == 1


def test_unconstrained_typed_literals_are_checked_once_on_the_witness() -> None:
    """An ill-typed literal must still fail as in the full run: each distinct one goes to the witness."""
    plan = compact(
        """
        :s1 a :A ; :count "7"^^xsd:integer ; :text "free text" .
        :s2 a :A ; :count "7"^^xsd:integer .
        :s3 a :A ; :count "x"^^xsd:integer .
        """
    )
    assert set(plan.assertions.objects(WITNESS, ex("count"))) == {
        Literal("7", datatype=XSD.integer),
        Literal("x", datatype=XSD.integer),
    }
    assert stand_in_of(plan)[ex("s3")] == stand_in_of(plan)[ex("s1")]


def test_undeclared_property_with_literal_and_node_objects_is_kept_whole() -> None:
    """How the parser reads such a property is guesswork, so none of its assertions is dropped."""
    plan = compact(':a :odd "text" . :b :odd :c . :d :plain "other" .')
    assert set(plan.assertions.subject_objects(ex("odd"))) == {(ex("a"), Literal("text")), (ex("b"), ex("c"))}
    assert not set(plan.assertions.subjects(ex("plain"), None))


def test_values_of_a_data_property_with_an_axiom_tell_individuals_apart() -> None:
    """A data property with a range keeps its values in the label: different values, different stand-ins."""
    plan = compact(":s1 a :A ; :size 1.5 . :s2 a :A ; :size 1.5 . :s3 a :A ; :size 2.5 .")
    stand_in = stand_in_of(plan)
    assert stand_in[ex("s1")] == stand_in[ex("s2")] != stand_in[ex("s3")]
    assert (stand_in[ex("s3")], ex("size"), Literal("2.5", datatype=XSD.decimal)) in plan.assertions


def test_assertion_to_a_tbox_individual_is_a_label_not_an_edge() -> None:
    """Facts pointing at the same value-set member share one stand-in; another member makes another."""
    plan = compact(":f1 :kind :Regional . :f2 :kind :Regional . :f3 :kind :Distant .")
    stand_in = stand_in_of(plan)
    assert stand_in[ex("f1")] == stand_in[ex("f2")] != stand_in[ex("f3")]
    assert plan.components == 3
    assert set(plan.assertions.subjects(ex("kind"), None)) == {ex("f1"), ex("f3")}


# -- trees and other components (no Java) ---------------------------------------------------------


def test_isomorphic_trees_share_one_representative_mapped_node_by_node() -> None:
    """Two identical two-node trees collapse onto one; each node maps to the node of the same colour.

    A third tree differs only in a leaf's type, a fourth only in the edge's direction: both stay.
    """
    plan = compact(
        """
        :a1 a :A ; :p :b1 . :b1 a :B .
        :a2 a :A ; :p :b2 . :b2 a :B .
        :a3 a :A ; :p :b3 . :b3 a :B2 .
        :b4 a :B ; :p :a4 . :a4 a :A .
        """
    )
    stand_in = stand_in_of(plan)
    assert stand_in[ex("a2")] == ex("a1") and stand_in[ex("b2")] == ex("b1")
    assert stand_in[ex("a3")] == ex("a3") and stand_in[ex("b4")] == ex("b4")
    assert plan.emitted == {ex(n) for n in ("a1", "b1", "a3", "b3", "a4", "b4")}
    assert plan.tree_components == plan.components == 4


def test_trees_with_equal_labels_but_different_shapes_are_not_merged() -> None:
    """A path of four nodes and a star of four nodes, all unlabelled, are told apart by colour refinement."""
    plan = compact(":h1 :p :h2 . :h2 :p :h3 . :h3 :p :h4 . :s :p :l1 , :l2 , :l3 .")
    stand_in = stand_in_of(plan)
    assert stand_in[ex("h1")] == ex("h1") and stand_in[ex("s")] == ex("s")
    assert stand_in[ex("l2")] == stand_in[ex("l3")] == ex("l1")


def test_components_with_cycles_or_parallel_edges_are_kept_verbatim() -> None:
    """Non-tree components are not merged, even when identical: every node stands for itself only."""
    plan = compact(
        """
        :c1 :p :c2 . :c2 :p :c3 . :c3 :p :c1 .
        :d1 :p :d2 . :d2 :p :d3 . :d3 :p :d1 .
        :e1 :p :e2 ; :q :e2 .
        :s1 :p :s1 .
        """
    )
    names = ("c1", "c2", "c3", "d1", "d2", "d3", "e1", "e2", "s1")
    assert plan.members == {ex(n): (ex(n),) for n in names}
    assert plan.tree_components == 0 and plan.components == 4
    assert len(plan.assertions) == 10  # the nine edges and the witness


@pytest.mark.parametrize(
    ("abox", "tbox_extra"),
    [
        (":a :p :b . :a owl:sameAs :b .", ""),
        (":a :p :b . :a owl:differentFrom :c .", ""),
        (":a :p [ a :B ] .", ""),
        (":a a owl:Class .", ""),
        (":a :p :b .", "[] a <http://www.w3.org/2003/11/swrl#Imp> ."),
        (f":a :loose <{WITNESS}> .", ""),
    ],
    ids=["sameAs", "differentFrom", "blank-node", "schema-in-abox", "swrl", "witness-iri"],
)
def test_inputs_outside_the_argument_are_refused(abox: str, tbox_extra: str) -> None:
    """Equality or difference between individuals, blank nodes, schema in the A-box, SWRL, the witness IRI."""
    with pytest.raises(NotCompactableError):
        compact(abox, TBOX + tbox_extra)


def test_classify_uses_the_full_abox_when_compaction_is_refused_or_unsound(monkeypatch: pytest.MonkeyPatch) -> None:
    """A refused A-box, or a witness that gets a named type (owl:Thing ⊑ C), sends the full A-box to HermiT."""
    calls: list[Graph] = []
    witness_typed = Inferences(frozenset(), frozenset({(WITNESS, RDF.type, ex("E"))}), frozenset())
    full_answer = Inferences(frozenset(), frozenset({(ex("a"), RDF.type, ex("E"))}), frozenset())

    def fake(tbox: Graph, abox: Graph) -> Inferences:
        calls.append(abox)
        return witness_typed if WITNESS in set(abox.subjects()) else full_answer

    monkeypatch.setattr(kg.reason.reasoner, "_classify_merged", fake)
    monkeypatch.setattr(kg.reason.reasoner, "_java", lambda: "java")
    tbox = Graph().parse(data=TBOX, format="turtle")
    refused = turtle(":a :p :b . :a owl:sameAs :b .")
    assert classify(tbox, refused) is full_answer
    assert len(calls) == 1 and calls[0] is refused
    calls.clear()
    plain = turtle(":a a :A .")
    assert classify(tbox, plain) is full_answer
    assert len(calls) == 2 and calls[1] is plain


# -- reasoning: the same answer as the full run (Java) --------------------------------------------


INTERACTING_TBOX = (
    PREFIXES
    + """
:P a owl:ObjectProperty .
:Pinv a owl:ObjectProperty ; owl:inverseOf :P .
:C a owl:Class . :T a owl:Class . :Q a owl:Class .
:C rdfs:subClassOf [ a owl:Restriction ; owl:onProperty :P ; owl:allValuesFrom :T ] .
:T rdfs:subClassOf [ a owl:Restriction ; owl:onProperty :Pinv ; owl:allValuesFrom :Q ] .
:o a owl:NamedIndividual ,
    [ a owl:Restriction ; owl:onProperty :Pinv ; owl:maxQualifiedCardinality "1"^^xsd:nonNegativeInteger ;
      owl:onClass owl:Thing ] .
"""
)
INTERACTING_ABOX = ":a a :C ; :P :o . :b1 :P :o . :b2 :P :o . :b3 :P :o ."


def test_components_interacting_through_a_nominal_with_inverse_and_cardinality_match_the_full_run() -> None:
    """Components meeting at a T-box individual, with an inverse property and a max-cardinality.

    ``a`` (a C) makes ``o`` a T, which makes every P-predecessor of ``o`` a Q (through the inverse);
    ``o`` has at most one predecessor, so every ``b`` equals ``a`` and is a C. Reasoning about each
    component alone would miss both; the compact run keeps one ``b`` and must still give all of them.
    """
    tbox = Graph().parse(data=INTERACTING_TBOX, format="turtle")
    abox = turtle(INTERACTING_ABOX)
    plan = compact_abox(tbox, abox)
    assert plan.emitted == {ex("a"), ex("b1")}
    fast, full = classify(tbox, abox), classify(tbox, abox, compact=False)
    assert_same(fast, full)
    assert {(ex("b3"), RDF.type, ex("Q")), (ex("b3"), RDF.type, ex("C"))} <= fast.types


def test_planted_inconsistent_component_among_identical_ones_is_caught() -> None:
    """Forty identical consistent trees and one whose leaf is in two disjoint classes: still inconsistent."""
    tbox = Graph().parse(DATA / "qa-reasoning-tbox.ttl", format="turtle")
    qa = "http://example.org/qa#"
    rows = [f"<{qa}i{n}> a <{qa}A> ; <{qa}r> <{qa}j{n}> . <{qa}j{n}> a <{qa}B2> ." for n in range(40)]
    rows.append(f"<{qa}iX> a <{qa}A> ; <{qa}r> <{qa}jX> . <{qa}jX> a <{qa}B2> , <{qa}D1> , <{qa}D2> .")
    abox = Graph().parse(data="\n".join(rows), format="turtle")
    assert len(compact_abox(tbox, abox).emitted) == 4
    with pytest.raises(InconsistentOntologyError) as err:
        classify(tbox, abox)
    assert "jX type D1" in str(err.value) or "jX type D2" in str(err.value)


def test_real_kg_classification_equals_the_full_run(ontology_graph: Graph) -> None:
    """On the packaged ontology and curated facts (as the build assembles them): the same frozensets.

    The compaction must really apply here (fewer individuals emitted, statistic edges making trees).
    """
    from kg.graphs.assemble import asserted_graph
    from kg.inputs.ontology_index import OntologyIndex
    from kg.inputs.sourcetext import load_sources
    from kg.inputs.tables import load_tables
    from kg.resources import tables_dir

    index = OntologyIndex.from_graph(ontology_graph)
    _, documents = load_sources()
    asserted = asserted_graph(load_tables(index, documents, tables_dir()), index)
    plan = compact_abox(ontology_graph, asserted)
    assert len(plan.emitted) < plan.individuals and plan.components < plan.individuals
    assert_same(classify(ontology_graph, asserted), classify(ontology_graph, asserted, compact=False))


def test_synthetic_kg_classification_equals_the_full_run(tmp_path: Path) -> None:
    """On a small synthetic benchmark KG (its ontology and asserted graphs): the same frozensets."""
    from benchmarks.generate import GRAPHS, generate

    kg = generate(tmp_path / "kg", 3_000, seed=11)
    lines: dict[str, list[str]] = {GRAPHS["ontology"]: [], GRAPHS["asserted"]: []}
    for line in kg.nquads.read_text(encoding="utf-8").splitlines():
        triple, graph, _ = line.rsplit(" ", 2)
        lines.get(graph[1:-1], []).append(triple + " .\n")
    tbox, abox = (Graph().parse(data="".join(lines[GRAPHS[g]]), format="nt") for g in ("ontology", "asserted"))
    plan = compact_abox(tbox, abox)
    assert len(plan.emitted) < plan.individuals
    assert_same(classify(tbox, abox), classify(tbox, abox, compact=False))
