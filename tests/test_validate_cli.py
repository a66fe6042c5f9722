"""``mkg validate``: users check their own RDF in any common format; exit 0/1, user errors exit 2."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from rdflib import Graph, Literal
from rdflib.namespace import SH, XSD

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
    assert result.returncode == 2 and "x.rdf: RDF/XML with a DOCTYPE" in result.stderr
    result = mkg("validate", str(tmp_path / "absent.nt"))
    assert result.returncode == 2 and "absent.nt: cannot read" in result.stderr
