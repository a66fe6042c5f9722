"""Pellet as a second consistency checker, for the tests only: the build reasons with HermiT alone.

The tests run each consistency case through both reasoners, so a HermiT answer that Pellet disagrees with
shows. Pellet is started as :mod:`kg.reason.reasoner` starts it for explanations (its OWL API loader on
RDF/XML; see that module for why not owlready2's ``sync_reasoner_pellet``).
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from rdflib import Graph
from rdflib.namespace import OWL

from kg.reason.reasoner import (
    _TIMEOUT_SECONDS,
    ConsistencyReport,
    ReasonerFailedError,
    _java,
    _pellet_command,
    _pellet_explanation,
    _without_imports,
    _write_rdfxml,
    load_graph,
)

_PELLET_NOTHING = str(OWL.Nothing)


def parse_pellet_tree(output: str) -> list[str]:
    """Unsatisfiable classes from ``pellet classify``: the classes printed as ``= owl:Nothing``."""
    unsat: set[str] = set()
    for line in output.splitlines():
        names = [n.strip() for n in line.split(" - ", 1)[0].split(" = ")]
        if _PELLET_NOTHING in names:
            unsat.update(n for n in names if n and n != _PELLET_NOTHING)
    return sorted(unsat)


def _run_pellet(graph: Graph, workdir: Path, *, explain: bool) -> ConsistencyReport:
    owl = _write_rdfxml(graph, workdir)
    command = _pellet_command("classify", "--loader", "OWLAPIv3", "--ignore-imports", str(owl))
    run = subprocess.run(command, capture_output=True, text=True, timeout=_TIMEOUT_SECONDS, check=False)
    if run.returncode != 0:
        if "Ontology is inconsistent" in run.stderr + run.stdout:
            return ConsistencyReport("Pellet", False, [], _pellet_explanation(graph, workdir) if explain else "")
        raise ReasonerFailedError(f"Pellet failed (exit {run.returncode}):\n{run.stderr or run.stdout}")
    unsat = parse_pellet_tree(run.stdout)
    explanation = _pellet_explanation(graph, workdir, unsatisfiable=True) if unsat and explain else ""
    return ConsistencyReport("Pellet", True, unsat, explanation)


def pellet_consistency(ontology_files: list[Path], *, explain: bool = True) -> ConsistencyReport:
    """:func:`kg.reason.reasoner.check_consistency`'s report, from Pellet instead of HermiT."""
    _java()
    graph, ignored = _without_imports(load_graph(ontology_files))
    with tempfile.TemporaryDirectory(prefix="mkg-pellet-") as tmp:
        report = _run_pellet(graph, Path(tmp), explain=explain)
    return ConsistencyReport(
        report.reasoner, report.consistent, report.unsatisfiable_classes, report.explanation, ignored
    )
