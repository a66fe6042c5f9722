"""``mkg validate``: users check their own RDF in any common format; exit 0/1, user errors exit 2."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, SH, XSD

from kg.checks.validate import DECLARED_TERM_COMPONENT
from kg.resources import sources_dir

BAD = """@prefix mkg: <https://w3id.org/metastasis-kg/> .
<https://example.org/f1> a mkg:SpreadAssociation ; mkg:subject mkg:BreastCancer ; mkg:predicate mkg:spreadsTo ;
    mkg:object mkg:Bone ; mkg:spreadKind mkg:Sideways .
"""


def mkg(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kg.cli", *args], capture_output=True, text=True, timeout=300)


def test_conforming_file_exits_zero() -> None:
    """The project's own source descriptions conform."""
    result = mkg("validate", str(sources_dir() / "sources.ttl"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("SHACL: conforms: 0 violation(s)")


def test_violations_exit_one_and_name_node_path_and_rule(tmp_path: Path) -> None:
    """Missing evidence and an undeclared value are reported per node and path; exit status 1."""
    path = tmp_path / "mine.ttl"
    path.write_text(BAD)
    result = mkg("validate", str(path))
    assert result.returncode == 1
    assert "<https://example.org/f1> dcterms:source: an association cites exactly one source document" in result.stdout
    assert "https://w3id.org/metastasis-kg/Sideways: term not declared by the ontology" in result.stdout


def test_turtle_report_is_a_shacl_validation_report(tmp_path: Path) -> None:
    """--format turtle prints a SHACL report graph that tools can read."""
    path = tmp_path / "mine.jsonld"
    path.write_text(
        '{"@context": {"mkg": "https://w3id.org/metastasis-kg/"}, "@id": "https://example.org/s",'
        ' "@type": "mkg:Statistic", "mkg:value": 130}'
    )
    result = mkg("validate", "--format", "turtle", str(path))
    assert result.returncode == 1
    report = Graph().parse(data=result.stdout, format="turtle")
    assert (None, SH.conforms, Literal(False, datatype=XSD.boolean)) in report
    assert len(list(report.subjects(SH.resultSeverity, SH.Violation))) >= 3


def test_refused_and_unreadable_input_exit_two(tmp_path: Path) -> None:
    """Refused constructs and missing files are user errors (exit 2) naming the file; nothing is validated."""
    xxe = tmp_path / "x.rdf"
    xxe.write_text('<!DOCTYPE r [<!ENTITY e SYSTEM "file:///etc/hostname">]><r>&e;</r>')
    result = mkg("validate", str(xxe))
    assert result.returncode == 2 and "x.rdf:1: RDF/XML with a DOCTYPE" in result.stderr
    result = mkg("validate", str(tmp_path / "absent.nt"))
    assert result.returncode == 2 and "absent.nt: cannot read" in result.stderr


def test_turtle_report_links_the_undeclared_term_result(tmp_path: Path) -> None:
    """The "undeclared term" result hangs off the sh:ValidationReport (sh:result) and names its constraint component."""
    path = tmp_path / "mine.ttl"
    path.write_text(BAD)
    result = mkg("validate", "--format", "turtle", str(path))
    assert result.returncode == 1
    report = Graph().parse(data=result.stdout, format="turtle")
    sideways = URIRef("https://w3id.org/metastasis-kg/Sideways")
    (found,) = report.subjects(SH.focusNode, sideways)
    assert (None, SH.result, found) in report
    (validation_report,) = report.subjects(SH.result, found)
    assert (validation_report, RDF.type, SH.ValidationReport) in report
    assert (found, SH.sourceConstraintComponent, DECLARED_TERM_COMPONENT) in report


def test_broken_iris_exit_two_like_serve_data(tmp_path: Path) -> None:
    """An IRI with a space or a NUL is refused (exit 2, file:line), as `mkg serve --data` refuses it."""
    for name, iri in (("space.ttl", "<https://example.org/a b>"), ("nul.ttl", "<https://example.org/\\u0000>")):
        path = tmp_path / name
        path.write_text(f"@prefix mkg: <https://w3id.org/metastasis-kg/> .\n\n{iri} a mkg:Statistic .\n")
        result = mkg("validate", str(path))
        assert result.returncode == 2, result.stdout
        assert f"{name}:3: turtle syntax error" in result.stderr and "Invalid IRI code point" in result.stderr
