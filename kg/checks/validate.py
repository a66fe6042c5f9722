"""``mkg validate``: check a user's own RDF against the project's SHACL shapes and ontology.

The user's files are parsed with the same guards as the build (:mod:`kg.inputs.rdfio`: no remote or local
JSON-LD contexts, no XML entities), merged with the ontology so shapes see the class hierarchy, and
checked two ways: the SHACL shapes, and that every ``mkg:`` term used is one the ontology declares (a
misspelt class would otherwise slip through as an unknown type).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, SH, XSD

from kg.checks.shacl import Finding, ShaclResult, validate
from kg.graphs.assemble import new_graph
from kg.inputs.rdfio import parse_file
from kg.namespaces import FACT, GROUP, MKG, SOURCE, STATISTIC
from kg.resources import ontology_edit_file

__all__ = ["DECLARED_TERM_COMPONENT", "run_validate", "undeclared_terms", "validate_files"]

# The check that every mkg: term is declared is ours, not a SHACL core component: it gets its own IRI.
DECLARED_TERM_COMPONENT = URIRef(f"{MKG}validation/DeclaredTermConstraintComponent")

_INSTANCE_SPACES = tuple(str(ns) for ns in (FACT, STATISTIC, GROUP, SOURCE)) + tuple(
    str(MKG) + part for part in ("build/", "releases/", "graph/", "dataset", "metastasis-kg.owl", "validation/")
)


def undeclared_terms(data: Graph, ontology: Graph) -> list[URIRef]:
    """``mkg:`` IRIs the data uses that the ontology does not declare (instance IRIs excepted)."""
    declared = {s for s in ontology.subjects() if isinstance(s, URIRef)}
    used = {n for t in data for n in t if isinstance(n, URIRef) and str(n).startswith(str(MKG))}
    return sorted(n for n in used - declared if not str(n).startswith(_INSTANCE_SPACES))


def validate_files(paths: list[Path]) -> ShaclResult:
    """Validate the union of the given files; raises UserError for unreadable or refused input."""
    ontology = parse_file(ontology_edit_file(), "turtle")
    data = new_graph()
    for path in paths:
        for triple in parse_file(path):
            data.add(triple)
    result = validate(data + ontology)
    message = "term not declared by the ontology (misspelt or invented?)"
    extra = [
        Finding("Violation", str(term), "", message, "mkg:declared-terms") for term in undeclared_terms(data, ontology)
    ]
    if not extra:
        return result
    report = result.report
    reports = list(report.subjects(RDF.type, SH.ValidationReport))
    for number, finding in enumerate(extra):
        node = URIRef(f"{MKG}validation/undeclared/{number}")
        for validation_report in reports:
            report.add((validation_report, SH.result, node))
        report.add((node, RDF.type, SH.ValidationResult))
        report.add((node, SH.focusNode, URIRef(finding.focus)))
        report.add((node, SH.value, URIRef(finding.focus)))
        report.add((node, SH.resultSeverity, SH.Violation))
        report.add((node, SH.sourceConstraintComponent, DECLARED_TERM_COMPONENT))
        report.add((node, SH.resultMessage, Literal(finding.message)))
    for conforms in list(report.subjects(SH.conforms, None)):
        report.set((conforms, SH.conforms, Literal(False, datatype=XSD.boolean)))
    return ShaclResult(False, tuple(extra) + result.findings, report)


def run_validate(args: argparse.Namespace) -> int:
    """CLI entry: 0 when the files conform (warnings allowed), 1 when they do not."""
    result = validate_files(list(args.files))
    if args.format == "turtle":
        sys.stdout.write(result.report.serialize(format="turtle"))
    else:
        sys.stdout.write(result.text())
    return 1 if result.violations else 0
