"""The build's pure-Python ontology checks: each refusal kind is found on a planted case and located.

These run without Java (the OWL API check in tests/test_owlapi.py covers the same ground where Java is
present); every kind gets a planted violation in a tiny ontology and the line it must be reported on.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.checks.ontology import ontology_problems, structural_problems
from kg.inputs.rdfio import parse_file
from kg.resources import ontology_edit_file

HEAD = """\
@prefix : <https://w3id.org/metastasis-kg/> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
:Site a owl:Class .
:Skin a owl:Class .
:hasSite a owl:ObjectProperty .
:count a owl:DatatypeProperty .
:note a owl:AnnotationProperty .
:partOf a owl:ObjectProperty , owl:TransitiveProperty .
"""


def problems_of(tmp_path: Path, body: str) -> list[tuple[str, int, str]]:
    path = tmp_path / "planted.ttl"
    path.write_text(HEAD + body, encoding="utf-8")
    graph = parse_file(path)
    kinds = {kind for kind, *_ in structural_problems(graph)}
    return [(p.kind, p.line, p.message) for p in ontology_problems(path, graph) if p.kind in kinds]


@pytest.mark.parametrize(
    ("body", "kind", "needle"),
    [
        (":Skin rdfs:subClassOf :Sight .", "undeclared-entity", "class :Sight"),
        (":Skin a :Sight .", "undeclared-entity", "class :Sight"),
        (":Skin rdfs:subClassOf [ a owl:Restriction ; owl:onProperty :hasSight ; owl:someValuesFrom :Site ] .",
         "undeclared-entity", ":hasSight"),
        (":Skin rdfs:subClassOf :hasSite .", "undeclared-entity", "declared only as object property"),
        (":hasSite a owl:DatatypeProperty .", "property-punning", "data property and object property"),
        (":Skin rdfs:subClassOf [ a owl:Restriction ; owl:onProperty :note ; owl:someValuesFrom :Site ] .",
         "annotation-property-in-logical-axiom", ":note used in a logical axiom"),
        (":Skin rdfs:subClassOf [ a owl:Restriction ; owl:onProperty :count ; owl:someValuesFrom :Site ] .",
         "filler-mismatch", "data property :count restricted to the class :Site"),
        (":Skin rdfs:subClassOf [ a owl:Restriction ; owl:onProperty :hasSite ; owl:allValuesFrom xsd:string ] .",
         "filler-mismatch", "object property :hasSite restricted to the datatype"),
        (":Skin rdfs:subClassOf [ a owl:Restriction ; owl:onProperty :partOf ; owl:maxCardinality 1 ] .",
         "non-simple-property", "in an owl:maxCardinality restriction"),
        (":partOf a owl:FunctionalProperty .", "non-simple-property", "typed owl:FunctionalProperty"),
        (":Skin rdfs:subClassOf [ a owl:Restriction ; owl:onProperty :hasSite ] .",
         "incomplete-restriction", "without a filler"),
    ],
)  # fmt: skip
def test_each_refusal_kind_is_found_on_the_planted_line(tmp_path: Path, body: str, kind: str, needle: str) -> None:
    """The planted statement (the last line) is reported, of its kind, with a message naming the IRI."""
    found = problems_of(tmp_path, body + "\n")
    line = len(HEAD.splitlines()) + 1
    assert any(k == kind and n == line and needle in m for k, n, m in found), found


def test_clean_declarations_pass(tmp_path: Path) -> None:
    """Declared terms in their right positions, annotation values and the ontology IRI raise nothing."""
    body = (
        "<https://w3id.org/metastasis-kg/x.owl> a owl:Ontology .\n"
        ":Skin rdfs:subClassOf :Site , [ a owl:Restriction ; owl:onProperty :hasSite ; owl:someValuesFrom :Site ] ;"
        " :note <https://w3id.org/metastasis-kg/source/anything> ; rdfs:seeAlso :NotAnEntity .\n"
    )
    assert problems_of(tmp_path, body) == []


def test_the_edit_file_passes_every_check() -> None:
    """The committed ontology is what the build accepts: no declaration, DL or QC problem."""
    path = ontology_edit_file()
    assert [p.text(path) for p in ontology_problems(path, parse_file(path))] == []


def test_check_ontology_command_lists_problems_with_file_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``mkg check-ontology FILE`` (the editor's check) exits 1 and prints the build's refusal, file:line."""
    from kg.cli import main

    text = ontology_edit_file().read_text(encoding="utf-8")
    path = tmp_path / "edit.ttl"
    path.write_text(text.replace("rdfs:subClassOf mkg:Metastasis ;", "rdfs:subClassOf mkg:Metastsis ;", 1))
    line = next(n for n, ln in enumerate(path.read_text().splitlines(), start=1) if "mkg:Metastsis" in ln)
    assert main(["check-ontology", str(path), "--no-owlapi"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out == [f"{path}:{line}: class mkg:Metastsis (used with rdfs:subClassOf) is not declared a class: "
                   "a misspelt IRI, or a missing declaration"]  # fmt: skip


def test_check_ontology_command_passes_the_edit_file(capsys: pytest.CaptureFixture[str]) -> None:
    """The committed edit file passes the editor's check: exit 0, nothing listed."""
    from kg.cli import main

    assert main(["check-ontology", "--no-owlapi"]) == 0
    captured = capsys.readouterr()
    assert captured.out == "" and "every check passed" in captured.err


def test_check_ontology_command_asks_for_normalize(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A Protégé save not yet normalized is reported with the command that fixes it."""
    from kg.cli import main

    path = tmp_path / "edit.ttl"
    path.write_text(ontology_edit_file().read_text(encoding="utf-8").replace(" ;\n", ";\n", 1), encoding="utf-8")
    assert main(["check-ontology", str(path), "--no-owlapi"]) == 1
    assert f"{path}: not in canonical form: run `mkg normalize {path}`" in capsys.readouterr().out
