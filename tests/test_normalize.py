"""``mkg normalize``: canonical, deterministic, idempotent, lossless Turtle for the edit file."""

from __future__ import annotations

import difflib
import os
import stat
from pathlib import Path

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, RDFS, XSD

from kg.cli import main
from kg.prefixes import default_prefixes
from kg.release.turtle import canonical_turtle, normalize_file, owl_canonical, parse_turtle, render_term
from kg.resources import ontology_edit_file

DATA = Path(__file__).parent / "data"
CLEAN = DATA / "qa-clean-ontology.ttl"
MKG = "https://w3id.org/metastasis-kg/"
EX = "http://example.org/ex#"


def load(path: Path) -> Graph:
    return parse_turtle(path.read_text(encoding="utf-8"), path)


def reparse(text: str) -> Graph:
    return parse_turtle(text, Path("<output>"))


@pytest.fixture
def edit_copy(tmp_path: Path) -> Path:
    path = tmp_path / "edit.ttl"
    path.write_bytes(CLEAN.read_bytes())
    return path


def test_output_is_isomorphic_to_input() -> None:
    """Normalizing loses and invents no triple, blank-node structures included."""
    graph = load(CLEAN)
    assert isomorphic(graph, reparse(canonical_turtle(graph)))


def test_normalizing_twice_changes_nothing() -> None:
    """Idempotent: the canonical text of the canonical text is itself."""
    once = canonical_turtle(load(CLEAN))
    assert canonical_turtle(reparse(once)) == once


@pytest.mark.parametrize("fmt", ["turtle", "longturtle", "xml", "nt"])
def test_same_graph_gives_same_text_whatever_the_serialization(fmt: str) -> None:
    """Statement order, prefixes and blank-node labels of the input do not leak into the output."""
    graph = load(CLEAN)
    other = Graph(bind_namespaces="none")
    other.parse(data=graph.serialize(format=fmt), format="turtle" if fmt == "longturtle" else fmt)
    assert canonical_turtle(other) == canonical_turtle(graph)


def test_small_edit_after_reordering_save_gives_small_diff() -> None:
    """A tool that rewrites the whole file (as Protégé does) plus one new synonym diffs as one line."""
    before = canonical_turtle(load(CLEAN))
    graph = reparse(before)
    graph.add(
        (
            URIRef("https://w3id.org/metastasis-kg/CutaneousMetastasis"),
            URIRef("http://www.geneontology.org/formats/oboInOwl#hasExactSynonym"),
            Literal("metastasis to the skin", lang="en"),
        )
    )
    resaved = Graph(bind_namespaces="none")
    resaved.parse(data=graph.serialize(format="xml"), format="xml")
    after = canonical_turtle(resaved)
    changed = [
        line
        for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]
    assert changed == ['+        "metastasis to the skin"@en ,'], changed


def test_layout_groups_subjects_and_inlines_blank_nodes() -> None:
    """Header first, then kinds in order; restrictions inline; axiom annotations follow their entity."""
    text = canonical_turtle(load(CLEAN))
    headings = [line for line in text.splitlines() if line.startswith("# ")]
    assert headings == [
        "# Ontology",
        "# Annotation properties",
        "# Object properties",
        "# Classes",
        "# Individuals and other named things",
        "# General axioms",
    ]
    assert "_:" not in text
    assert "owl:someValuesFrom mkg:Skin" in text
    cutaneous = text.index("mkg:CutaneousMetastasis a owl:Class")
    axiom = text.index("[] a owl:Axiom")
    assert cutaneous < axiom < text.index("mkg:Metastasis a owl:Class")
    assert text.index("mkg:Metastasis a owl:Class") < text.index('"PMID:00000002"')
    assert text.index("[] a owl:AllDisjointClasses") > text.index("# General axioms")


def test_prefix_block_holds_only_used_prefixes_sorted() -> None:
    """Unused prefixes (``unused:`` in the fixture) are dropped; the block is sorted by prefix name."""
    text = canonical_turtle(load(CLEAN))
    prefixes = [line.split()[1] for line in text.splitlines() if line.startswith("@prefix")]
    assert prefixes == sorted(prefixes)
    assert "unused:" not in prefixes
    assert "mkg:" in prefixes and "rdf:" not in prefixes


def test_file_prefixes_kept_for_unknown_namespaces(tmp_path: Path) -> None:
    """A prefix the file declares for a namespace we do not know is kept; a rename of a known one is not."""
    path = tmp_path / "p.ttl"
    path.write_text(
        "@prefix ncit: <http://purl.obolibrary.org/obo/NCIT_> .\n"
        "@prefix my: <http://example.org/my#> .\n"
        "@prefix base: <https://w3id.org/metastasis-kg/> .\n"
        "base:A my:p my:B .\n",
        encoding="utf-8",
    )
    normalize_file(path)
    text = path.read_text(encoding="utf-8")
    assert "@prefix my: <http://example.org/my#> ." in text
    assert "mkg:A my:p my:B ." in text
    assert "base:" not in text


def test_literals_round_trip_exactly() -> None:
    """Escapes, language tags, datatypes and bare numbers/booleans keep the exact same literal."""
    g = Graph()
    s, p = URIRef(EX + "s"), URIRef(EX + "p")
    literals = [
        Literal('quote " backslash \\ tab \t newline \n cr \r bell \x07'),
        Literal("accents: é ü ß — ✓"),
        Literal("plain"),
        Literal("typed string", datatype=XSD.string),
        Literal("English", lang="en-GB"),
        Literal(True),
        Literal("false", datatype=XSD.boolean),
        Literal(42),
        Literal("-7", datatype=XSD.integer),
        Literal("3.14", datatype=XSD.decimal),
        Literal("1.5e3", datatype=XSD.double),
        Literal("2024-01-31", datatype=XSD.date),
        Literal("not a number", datatype=XSD.integer),
    ]
    for lit in literals:
        g.add((s, p, lit))
    text = canonical_turtle(g)
    assert isomorphic(g, reparse(text))
    assert " true ," in text and " 42 ," in text and " 3.14 ," in text
    assert '"typed string"^^xsd:string' in text


def test_unprefixable_iris_are_written_in_full() -> None:
    """IRIs whose local part is not a safe Turtle local name are written as <...>."""
    g = Graph()
    g.add((URIRef(MKG + "other/row-1"), RDFS.label, Literal("x", lang="en")))
    g.add((URIRef(MKG + "A."), RDFS.seeAlso, URIRef(MKG + "A")))
    text = canonical_turtle(g)
    assert "<https://w3id.org/metastasis-kg/other/row-1>" in text
    assert "<https://w3id.org/metastasis-kg/A.> rdfs:seeAlso mkg:A ." in text
    assert isomorphic(g, reparse(text))


def _shared_and_cyclic_graph(label_seed: str) -> Graph:
    g = Graph()
    shared, c1, c2 = BNode(label_seed + "s"), BNode(label_seed + "c1"), BNode(label_seed + "c2")
    a, b, p = URIRef(EX + "a"), URIRef(EX + "b"), URIRef(EX + "p")
    g.add((a, p, shared))
    g.add((b, p, shared))
    g.add((shared, RDFS.label, Literal("shared")))
    g.add((c1, p, c2))
    g.add((c2, p, c1))
    g.add((a, RDF.type, URIRef(EX + "T")))
    return g


def test_shared_and_cyclic_blank_nodes_get_stable_labels() -> None:
    """Blank nodes that cannot be inlined get labels derived from content, not from the parser."""
    first = canonical_turtle(_shared_and_cyclic_graph("x"))
    second = canonical_turtle(_shared_and_cyclic_graph("y"))
    assert first == second
    assert "_:" in first
    assert isomorphic(_shared_and_cyclic_graph("x"), reparse(first))


def test_lists_and_empty_lists_round_trip() -> None:
    """RDF lists are written as ( ... ), the empty list as (), and member order is kept."""
    g = Graph()
    g.parse(
        data="@prefix ex: <http://example.org/ex#> .\n"
        "ex:s ex:list ( ex:c ex:a ex:b ) ; ex:empty () ; ex:nested ( [ ex:q 1 ] ( ex:x ) ) .",
        format="turtle",
    )
    text = canonical_turtle(g, {**default_prefixes(), "ex": EX})
    assert "( ex:c ex:a ex:b )" in text
    assert "ex:empty ()" in text
    assert isomorphic(g, reparse(text))


def test_render_term_is_one_line() -> None:
    """QC reports show blank-node values as one line of Turtle."""
    g = load(CLEAN)
    restriction = next(g.subjects(URIRef("http://www.w3.org/2002/07/owl#someValuesFrom"), URIRef(MKG + "Skin")))
    assert render_term(g, restriction) == (
        "[ a owl:Restriction ; owl:onProperty mkg:hasSite ; owl:someValuesFrom mkg:Skin ]"
    )


def test_cli_check_reports_unnormalized_file_without_writing(
    edit_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--check`` exits 1 on a non-canonical file and leaves it byte-for-byte unchanged."""
    before = edit_copy.read_bytes()
    assert main(["normalize", str(edit_copy), "--check"]) == 1
    assert edit_copy.read_bytes() == before
    assert "not normalized" in capsys.readouterr().err


def test_cli_normalizes_in_place_atomically(edit_copy: Path) -> None:
    """Normalizing rewrites the file (keeping its mode), leaves no temp file, and then --check passes."""
    os.chmod(edit_copy, 0o640)
    assert main(["normalize", str(edit_copy)]) == 0
    assert sorted(p.name for p in edit_copy.parent.iterdir()) == ["edit.ttl"]
    assert stat.S_IMODE(edit_copy.stat().st_mode) == 0o640
    assert isomorphic(load(edit_copy), owl_canonical(load(CLEAN)))
    assert main(["normalize", str(edit_copy), "--check"]) == 0
    assert main(["normalize", str(edit_copy)]) == 0


def test_cli_bad_turtle_names_file_and_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Broken Turtle: exit 2, the message names file and line, and the file is not touched."""
    path = tmp_path / "broken.ttl"
    text = "@prefix ex: <http://example.org/> .\nex:a ex:b ex:c .\nex:d ex:e .\n"
    path.write_text(text, encoding="utf-8")
    assert main(["normalize", str(path)]) == 2
    assert f"{path}:3: turtle syntax error" in capsys.readouterr().err
    assert path.read_text(encoding="utf-8") == text


def test_cli_missing_file_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A path that does not exist is reported by name with exit 2."""
    assert main(["normalize", str(tmp_path / "nope.ttl")]) == 2
    assert "nope.ttl: file not found" in capsys.readouterr().err


def test_committed_ontology_is_normalized() -> None:
    """The edit file is committed in canonical form, so diffs show only real edits."""
    path = ontology_edit_file()
    if not path.exists():
        pytest.skip(f"{path.name} does not exist yet")
    assert normalize_file(path, check=True), f"{path} is not normalized: run `mkg normalize`"


OWL_PREFIXES = """\
@prefix : <https://w3id.org/metastasis-kg/> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
"""
VALUE_SET = """\
:Kind a owl:Class ; owl:equivalentClass [ a owl:Class ; owl:oneOf ( {one_of} ) ] .
:A a owl:NamedIndividual , :Kind .
:B a owl:NamedIndividual , :Kind .
:C a owl:NamedIndividual , :Kind .
:Site a owl:Class .
:Bone a owl:Class .
:Skin a owl:Class .
"""


def normalized_text(tmp_path: Path, body: str, name: str = "forms.ttl") -> str:
    path = tmp_path / name
    path.write_text(OWL_PREFIXES + body, encoding="utf-8")
    normalize_file(path)
    return path.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("first", "second"),
    [
        pytest.param(
            "[] a owl:AllDifferent ; owl:distinctMembers ( :B :A ) .",
            ":A owl:differentFrom :B .",
            id="differentFrom-as-AllDifferent",
        ),
        pytest.param(
            "[] a owl:AllDifferent ; owl:members ( :A :B ) .",
            ":B owl:differentFrom :A .",
            id="AllDifferent-members-as-distinctMembers",
        ),
        pytest.param(
            "[] a owl:AllDisjointClasses ; owl:members ( :Skin :Bone ) .",
            ":Skin owl:disjointWith :Bone .",
            id="AllDisjointClasses-as-disjointWith",
        ),
        pytest.param(
            ":Site owl:equivalentClass [ a owl:Class ; owl:unionOf ( :Skin :Bone ) ] .",
            ":Site owl:equivalentClass [ a owl:Class ; owl:unionOf ( :Bone :Skin ) ] .",
            id="unionOf-order",
        ),
        pytest.param(
            ":Site owl:disjointUnionOf ( :Skin :Bone ) .",
            ":Site owl:disjointUnionOf ( :Bone :Skin ) .",
            id="disjointUnionOf-order",
        ),
    ],
)
def test_two_spellings_of_one_axiom_normalize_to_one_text(tmp_path: Path, first: str, second: str) -> None:
    """Forms the OWL API writes differently from the edit file (item 11 of issue 20) come out identical."""
    base = VALUE_SET.format(one_of=":A :B :C")
    assert normalized_text(tmp_path, base + first, "first.ttl") == normalized_text(tmp_path, base + second)


def test_one_of_members_are_sorted_and_the_choice_is_stable(tmp_path: Path) -> None:
    """``owl:oneOf`` in any order is written sorted; two-member AllDifferent is the written form."""
    text = normalized_text(tmp_path, VALUE_SET.format(one_of=":C :A :B") + ":B owl:differentFrom :A .")
    assert "owl:oneOf ( mkg:A mkg:B mkg:C )" in text
    assert "[] a owl:AllDifferent ;\n    owl:distinctMembers ( mkg:A mkg:B ) ." in text
    assert "differentFrom" not in text
    assert normalize_file(tmp_path / "forms.ttl", check=True)


def test_order_that_means_something_is_kept(tmp_path: Path) -> None:
    """A property chain (and any list outside OWL's set constructs) keeps its order."""
    body = (
        ":p a owl:ObjectProperty . :q a owl:ObjectProperty . :r a owl:ObjectProperty ;"
        " owl:propertyChainAxiom ( :q :p ) .\n:Site rdfs:seeAlso ( :Skin :Bone ) .\n"
    )
    text = normalized_text(tmp_path, body)
    assert "owl:propertyChainAxiom ( mkg:q mkg:p )" in text
    assert "rdfs:seeAlso ( mkg:Skin mkg:Bone )" in text


def test_annotated_axioms_keep_their_form(tmp_path: Path) -> None:
    """A differentFrom with an owl:Axiom annotation stays as it is, so the annotation stays attached."""
    body = (
        VALUE_SET.format(one_of=":A :B :C")
        + ":A owl:differentFrom :B .\n"
        + "[] a owl:Axiom ; owl:annotatedSource :A ; owl:annotatedProperty owl:differentFrom ;"
        + ' owl:annotatedTarget :B ; rdfs:comment "stated" .\n'
    )
    text = normalized_text(tmp_path, body)
    assert "owl:differentFrom mkg:B" in text and "AllDifferent" not in text
