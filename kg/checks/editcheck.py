"""``mkg check-ontology``: every check the build makes of the ontology, and the OWL API's, for editors.

An editor who saved the edit file in Protégé wants to know, before the whole suite runs, whether the
build will take it. This runs the build's own ontology checks (:mod:`kg.checks.ontology`: declarations,
OWL 2 DL rules, QC queries, and the ontology IRI), says whether ``mkg normalize`` still has to run, and,
where Java and Debian's ``libowlapi-java`` are installed, loads the file with the OWL API as Protégé does
(:mod:`kg.checks.owlapi`; skipped with the reason printed otherwise). Every finding is one ``file:line`` line.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from rdflib import Graph
from rdflib.namespace import OWL, RDF

from kg.checks.ontology import OntologyProblem, locate, ontology_problems
from kg.inputs.rdfio import parse_file
from kg.namespaces import ONTOLOGY_IRI
from kg.resources import ontology_edit_file

__all__ = ["editor_problems", "owlapi_problems", "run_check_ontology"]

_IRI_IN_DETAIL = re.compile(r"<?(https?://[^\s<>]+?)>?(?=[\s,.;)]*(?:\s|$))")


def editor_problems(path: Path, graph: Graph) -> list[OntologyProblem]:
    """The build's refusals for this ontology, plus a file that ``mkg normalize`` would still rewrite."""
    from kg.release.turtle import normalize_file

    found = ontology_problems(path, graph)
    if ONTOLOGY_IRI not in set(graph.subjects(RDF.type, OWL.Ontology)):
        found.append(OntologyProblem(0, "ontology-iri", f"the ontology must declare <{ONTOLOGY_IRI}> a owl:Ontology"))
    if path.suffix == ".ttl" and not normalize_file(path, check=True):
        found.append(OntologyProblem(0, "not-normalized", f"not in canonical form: run `mkg normalize {path}`"))
    return sorted(found)


def owlapi_problems(path: Path, graph: Graph) -> list[OntologyProblem]:
    """The OWL API's findings, each on the line of the IRI it names; raises OwlApiUnavailableError."""
    from kg.checks.owlapi import check_ontology

    text = path.read_text(encoding="utf-8-sig")
    found = []
    for finding in check_ontology(path).problems:
        iri = _IRI_IN_DETAIL.search(finding.detail)
        line = locate(text, graph, iri.group(1)) if iri else 0
        found.append(OntologyProblem(line, f"owlapi:{finding.kind}", f"OWL API: {finding.kind}: {finding.detail}"))
    return found


def run_check_ontology(args: argparse.Namespace) -> int:
    """0 when the build would take the ontology (and the OWL API finds nothing), 1 with the problems listed."""
    from kg.checks.owlapi import OwlApiUnavailableError

    path: Path = args.file if args.file is not None else ontology_edit_file()
    graph = parse_file(path)
    problems = editor_problems(path, graph)
    if args.no_owlapi:
        print("OWL API check skipped (--no-owlapi)", file=sys.stderr)
    else:
        try:
            problems += owlapi_problems(path, graph)
        except OwlApiUnavailableError as err:
            print(f"OWL API check skipped: {err}", file=sys.stderr)
    for problem in sorted(set(problems)):
        print(problem.text(path))
    if problems:
        print(f"{path}: {len(set(problems))} problem(s); the build would refuse it", file=sys.stderr)
        return 1
    print(f"{path}: every check passed", file=sys.stderr)
    return 0
