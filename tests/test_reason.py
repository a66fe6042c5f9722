"""Reasoning: HermiT classifies; HermiT and the tests' Pellet cross-check catch inconsistency and unsatisfiable classes.

These tests need Java and never skip: if ``java`` is missing they fail with the message that says
so, because the project promises that reasoner checks never pass silently.
"""

from __future__ import annotations

import tempfile
import uuid
from pathlib import Path

import pytest
from pellet import pellet_consistency
from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDFS

from kg.reason.reasoner import (
    ConsistencyReport,
    InconsistentOntologyError,
    Inferences,
    JavaNotFoundError,
    UnsatisfiableClassesError,
    check_consistency,
    classify,
)
from kg.resources import ontology_edit_file

DATA = Path(__file__).parent / "data"
TBOX = DATA / "qa-reasoning-tbox.ttl"
ABOX = DATA / "qa-reasoning-abox.ttl"
QA = "http://example.org/qa#"
REASONERS = ["hermit", "pellet"]

INCONSISTENT = f"<{QA}k> a <{QA}D1> , <{QA}D2> .\n"
UNSATISFIABLE = f"<{QA}U> a <{OWL.Class}> ; <{RDFS.subClassOf}> <{QA}D1> , <{QA}D2> .\n"


def consistency(files: list[Path], reasoner: str, *, explain: bool = True) -> ConsistencyReport:
    """The build's HermiT check, or the tests' Pellet cross-check of the same files."""
    check = pellet_consistency if reasoner == "pellet" else check_consistency
    return check(files, explain=explain)


def qa(name: str) -> URIRef:
    return URIRef(QA + name)


def graph_of(*paths: Path, extra: str = "") -> Graph:
    g = Graph()
    for path in paths:
        g.parse(path, format="turtle")
    if extra:
        g.parse(data=extra, format="turtle")
    return g


def with_addition(tmp_path: Path, name: str, turtle: str) -> Path:
    path = tmp_path / name
    path.write_text(TBOX.read_text(encoding="utf-8") + "\n" + turtle, encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def inferences() -> Inferences:
    """One HermiT classification of the fixture TBox + ABox, shared by the classification tests."""
    return classify(graph_of(TBOX), graph_of(ABOX))


def test_defined_class_gains_inferred_subclasses(inferences: Inferences) -> None:
    """X ≡ A ⊓ ∃p.B with B2 ⊑ B makes Y ≡ A ⊓ ∃p.B2 a subclass of X; r ⊑ q ⊑ p does the same for Z."""
    assert (qa("Y"), RDFS.subClassOf, qa("X")) in inferences.subclass_of
    assert (qa("Z"), RDFS.subClassOf, qa("X")) in inferences.subclass_of


def test_subclass_closure_is_transitive_without_reflexive_or_thing(inferences: Inferences) -> None:
    """The full closure: Y ⊑ A through X; no C ⊑ C pairs, nothing about owl:Thing, no inverse edges."""
    pairs = {(s, o) for s, _, o in inferences.subclass_of}
    assert (qa("Y"), qa("A")) in pairs
    assert (qa("B2"), qa("B")) in pairs
    assert not any(s == o for s, o in pairs)
    assert not any(OWL.Thing in (s, o) for s, o in pairs)
    assert (qa("X"), qa("Y")) not in pairs


def test_individual_types_are_closed_upwards(inferences: Inferences) -> None:
    """Individual i (an A with an r-successor in B2) is inferred a Y and an X; j is a B through B2."""
    types = {(s, o) for s, _, o in inferences.types}
    assert {(qa("i"), qa(c)) for c in ("A", "X", "Y")} <= types
    assert {(qa("j"), qa("B2")), (qa("j"), qa("B"))} <= types
    assert (qa("fact1"), qa("Association")) in types
    assert not any(o in (OWL.Thing, OWL.NamedIndividual) for _, o in types)


def test_super_properties_are_closed(inferences: Inferences) -> None:
    """The chain r ⊑ q ⊑ p gives r ⊑ p as well; annotation properties take no part."""
    pairs = {(s, o) for s, _, o in inferences.subproperty_of}
    assert pairs == {(qa("q"), qa("p")), (qa("r"), qa("q")), (qa("r"), qa("p"))}


@pytest.mark.parametrize("reasoner", REASONERS)
def test_consistent_ontology_passes_and_imports_are_not_fetched(reasoner: str) -> None:
    """The fixture is consistent for both reasoners; its unreachable owl:imports is dropped, not fetched."""
    report = consistency([TBOX, ABOX], reasoner)
    assert report.ok, report
    assert report.ignored_imports == ["http://example.org/never-fetched.owl"]


@pytest.mark.parametrize("reasoner", REASONERS)
def test_individual_of_disjoint_classes_is_inconsistent(reasoner: str, tmp_path: Path) -> None:
    """An individual in two disjoint classes: both reasoners say inconsistent, with Pellet's explanation.

    Regression: owlready2 leaves HermiT's input file in the temp folder when HermiT finds a clash;
    none may be left behind.
    """
    name = f"k{uuid.uuid4().hex}"
    clash = INCONSISTENT.replace(f"<{QA}k>", f"<{QA}{name}>")
    report = consistency([with_addition(tmp_path, "bad.ttl", clash)], reasoner)
    assert not report.consistent
    assert f"{name} type D1" in report.explanation and "D1 disjointWith D2" in report.explanation
    with pytest.raises(InconsistentOntologyError, match="inconsistent"):
        report.raise_for_problems()
    leftovers = [p for p in Path(tempfile.gettempdir()).glob("tmp*") if p.is_file() and name.encode() in p.read_bytes()]
    assert leftovers == []


@pytest.mark.parametrize("reasoner", REASONERS)
def test_class_under_disjoint_parents_is_unsatisfiable(reasoner: str, tmp_path: Path) -> None:
    """A class below two disjoint classes: both reasoners list exactly it as unsatisfiable."""
    path = with_addition(tmp_path, "unsat.ttl", UNSATISFIABLE)
    report = consistency([path], reasoner, explain=False)
    assert report.consistent
    assert report.unsatisfiable_classes == [QA + "U"]
    with pytest.raises(UnsatisfiableClassesError, match=QA + "U"):
        report.raise_for_problems()


def test_classify_refuses_inconsistent_facts_with_explanation() -> None:
    """The build's classify step stops on inconsistent data and says which axioms clash."""
    with pytest.raises(InconsistentOntologyError) as err:
        classify(graph_of(TBOX), graph_of(ABOX, extra=INCONSISTENT))
    assert "HermiT found the ontology inconsistent" in str(err.value)
    assert "k type D2" in str(err.value)


def test_classify_refuses_unsatisfiable_classes() -> None:
    """Inferences about an unsatisfiable class would be vacuous: classify raises and names it."""
    with pytest.raises(UnsatisfiableClassesError) as err:
        classify(graph_of(TBOX, extra=UNSATISFIABLE), Graph())
    assert err.value.classes == [QA + "U"]


def test_missing_java_is_an_error_not_a_skip(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without java both entry points raise JavaNotFoundError saying Java is required."""
    import owlready2

    monkeypatch.setattr(owlready2, "JAVA_EXE", "no-such-java-binary-for-mkg-tests")
    with pytest.raises(JavaNotFoundError, match="Java is required"):
        check_consistency([TBOX])
    with pytest.raises(JavaNotFoundError, match="Java is required"):
        classify(graph_of(TBOX), Graph())


def test_edit_file_is_consistent_for_pellet() -> None:
    """The real ontology is consistent for Pellet and every class can have members."""
    path = ontology_edit_file()
    if not path.exists():
        pytest.skip(f"{path.name} does not exist yet")
    report = pellet_consistency([path])
    print(report)
    assert report.ok, f"{report.reasoner}: {report}"


def test_edit_file_classifies_with_hermit() -> None:
    """The real ontology classifies with HermiT: consistent, nothing unsatisfiable (else classify raises)."""
    path = ontology_edit_file()
    if not path.exists():
        pytest.skip(f"{path.name} does not exist yet")
    tbox = Graph().parse(path, format="turtle")
    inferred = classify(tbox, Graph())
    assert inferred.subclass_of
    mentioned = set(tbox.all_nodes())
    assert all(s in mentioned and o in mentioned for s, _, o in inferred.subclass_of)
