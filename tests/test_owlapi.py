"""The OWL API (what Protégé loads ontologies with) reads our ontology without complaint.

The checker is compiled with javac once per session. Where Debian's libowlapi-java or a JDK is
missing, these tests are skipped with a message naming the packages to install; they never pass
without having run.
"""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest
from rdflib import Graph

from kg.checks.owlapi import (
    DEBIAN_PACKAGES,
    OwlApiFinding,
    OwlApiReport,
    OwlApiUnavailableError,
    check_ontology,
    classpath,
    compile_checker,
    main,
    save_as_turtle,
)
from kg.release.turtle import normalize_file
from kg.resources import ontology_edit_file

DATA = Path(__file__).parent / "data"
CLEAN = DATA / "qa-clean-ontology.ttl"
BROKEN = DATA / "qa-owlapi-broken.ttl"
MKG = "https://w3id.org/metastasis-kg/"

pytestmark = pytest.mark.owlapi


@pytest.fixture(scope="session")
def checker(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The compiled checker, shared by every test of the session."""
    try:
        return compile_checker(tmp_path_factory.mktemp("owlapi-checker"))
    except OwlApiUnavailableError as err:
        pytest.skip(f"OWL API check not run: {err}")


def explain(report: OwlApiReport) -> str:
    return f"OWL API output for {report.path}:\n{report.output}"


def test_clean_fixture_loads_without_problems(checker: Path) -> None:
    """A well-formed ontology: nothing unparsed, nothing undeclared, OWL 2 DL, classes annotated."""
    report = check_ontology(CLEAN, build_dir=checker)
    assert report.ok, explain(report)
    assert report.info["ontology-iri"] == MKG + "qa-clean.owl"
    assert report.info["declared-classes"] == "7"
    assert report.info["owl2-dl-violations"] == "0"


def test_check_runs_on_rdfxml_like_the_release(checker: Path, tmp_path: Path) -> None:
    """The release's metastasis-kg.owl is RDF/XML: the same check reads it the same way."""
    rdfxml = tmp_path / "metastasis-kg.owl"
    graph = Graph()
    graph.parse(CLEAN, format="turtle")
    graph.serialize(rdfxml, format="xml")
    report = check_ontology(rdfxml, build_dir=checker)
    assert report.ok, explain(report)
    assert report.info["format"] == "RDF/XML Syntax"
    assert report.info["declared-classes"] == "7"


def test_broken_fixture_reports_each_problem(checker: Path) -> None:
    """Unparsed triples, unreadable expressions, undeclared entities, DL violations, label/definition gaps."""
    report = check_ontology(BROKEN, build_dir=checker)
    assert not report.ok
    expected = {
        OwlApiFinding("unparsed-triple", f"<{MKG}Broken> <http://www.w3.org/2002/07/owl#members> <{MKG}Child>."),
        OwlApiFinding("unreadable-expression", "http://org.semanticweb.owlapi/error#Error1"),
        OwlApiFinding("undeclared-entity", f"Class {MKG}NeverDeclared"),
        OwlApiFinding("class-without-label", f"{MKG}Unannotated"),
        OwlApiFinding("class-without-definition", f"{MKG}Unannotated"),
        OwlApiFinding("class-with-several-labels", f"{MKG}Twice"),
        OwlApiFinding("class-with-several-definitions", f"{MKG}Twice"),
        OwlApiFinding("class-label-not-english", f"{MKG}French"),
    }
    assert expected <= set(report.problems), explain(report)
    dl = [p.detail for p in report.problems if p.kind == "not-owl2-dl"]
    assert any(d.startswith("Use of non-simple property in a restriction") for d in dl), explain(report)
    assert any(f"Use of undeclared class: <{MKG}NeverDeclared>" in d for d in dl), explain(report)


def test_imports_are_never_fetched_from_the_web(checker: Path, tmp_path: Path) -> None:
    """An import not found in the given folders fails the load instead of going to the network."""
    importing = tmp_path / "importing.ttl"
    importing.write_text(
        "@prefix owl: <http://www.w3.org/2002/07/owl#> .\n"
        f"<{MKG}importing.owl> a owl:Ontology ; owl:imports <http://example.org/not-here.owl> .\n",
        encoding="utf-8",
    )
    report = check_ontology(importing, build_dir=checker)
    assert [p.kind for p in report.problems] == ["load-failed"], explain(report)
    assert "http://example.org/not-here.owl" in report.problems[0].detail


def test_imports_resolve_from_a_local_folder(checker: Path, tmp_path: Path) -> None:
    """An import found in a folder given on the command line loads, offline."""
    imports = tmp_path / "imports"
    imports.mkdir()
    (imports / "imported.owl").write_text(
        Graph()
        .parse(data=f"<{MKG}imported.owl> a <http://www.w3.org/2002/07/owl#Ontology> .", format="turtle")
        .serialize(format="pretty-xml"),
        encoding="utf-8",
    )
    importing = tmp_path / "importing.ttl"
    importing.write_text(
        "@prefix owl: <http://www.w3.org/2002/07/owl#> .\n"
        f"<{MKG}importing.owl> a owl:Ontology ; owl:imports <{MKG}imported.owl> .\n",
        encoding="utf-8",
    )
    report = check_ontology(importing, build_dir=checker, imports_dirs=[imports])
    assert report.ok, explain(report)
    assert report.info["imports-closure"] == "2"


def test_edit_file_loads_cleanly_in_the_owl_api(checker: Path) -> None:
    """The real edit file passes the same check Protégé users would hit."""
    path = ontology_edit_file()
    if not path.exists():
        pytest.skip(f"{path.name} does not exist yet")
    report = check_ontology(path, build_dir=checker)
    print(report.output)
    assert report.ok, explain(report)


def test_protege_save_then_normalize_keeps_a_one_line_edit_one_line(checker: Path, tmp_path: Path) -> None:
    """Saved through the OWL API (as Protégé saves) with one label changed, ``mkg normalize`` gives a one-line diff.

    The OWL API writes two-member AllDifferent as differentFrom and its own order of oneOf members
    (issue 20 item 11); the normalizer must undo both and everything else a Protégé save changes.
    """
    committed = ontology_edit_file().read_text(encoding="utf-8")
    old, new = '"cutaneous metastasis"@en', '"cutaneous metastasis (skin)"@en'
    assert committed.count(old) == 1, f"pick another label to edit: {old} is not on exactly one line"
    saved = tmp_path / "metastasis-kg-edit.ttl"
    save_as_turtle(ontology_edit_file(), saved, build_dir=checker)
    protege_text = saved.read_text(encoding="utf-8")
    assert "differentFrom" in protege_text, "the OWL API no longer writes the form this test is about"
    assert protege_text.count(old) == 1
    saved.write_text(protege_text.replace(old, new), encoding="utf-8")
    normalize_file(saved)
    changed = [
        line
        for line in difflib.unified_diff(
            committed.splitlines(), saved.read_text(encoding="utf-8").splitlines(), lineterm="", n=0
        )
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]
    line = next(ln for ln in committed.splitlines() if old in ln)
    assert changed == ["-" + line, "+" + line.replace(old, new)], "\n".join(changed)


def test_classpath_leaves_out_competing_logging_bindings(tmp_path: Path) -> None:
    """Only slf4j-nop may bind logging; other bindings on Debian would make slf4j warn or log."""
    for name in [
        "owlapi-api-5.1.20.jar",
        "guava.jar",
        "slf4j-api.jar",
        "slf4j-nop.jar",
        "slf4j-simple.jar",
        "slf4j-jdk14.jar",
        "log4j-over-slf4j.jar",
        "jul-to-slf4j.jar",
    ]:
        (tmp_path / name).write_bytes(b"")
    names = [p.name for p in classpath(tmp_path)]
    assert names == ["guava.jar", "owlapi-api-5.1.20.jar", "slf4j-api.jar", "slf4j-nop.jar"]


def test_missing_owlapi_names_the_debian_packages(tmp_path: Path) -> None:
    """Without the jars the error says what to install, so a skip is never a mystery."""
    with pytest.raises(OwlApiUnavailableError) as err:
        classpath(tmp_path)
    for package in DEBIAN_PACKAGES:
        assert package in str(err.value)


def test_command_line_reports_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``python -m kg.checks.owlapi`` on a missing file exits 2 with the path in the message."""
    assert main([str(tmp_path / "absent.owl")]) == 2
    assert "absent.owl" in capsys.readouterr().err


def test_check_ontology_command_adds_the_owl_api_findings_with_lines(
    checker: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Where Java is present, ``mkg check-ontology`` reports the OWL API's findings on the line of their IRI."""
    from kg.cli import main

    assert main(["check-ontology", str(BROKEN)]) == 1
    out = capsys.readouterr().out.splitlines()
    line = next(n for n, ln in enumerate(BROKEN.read_text().splitlines(), start=1) if ":NeverDeclared" in ln)
    assert f"{BROKEN}:{line}: OWL API: undeclared-entity: Class {MKG}NeverDeclared" in out, out
