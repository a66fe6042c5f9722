"""SHACL validation with pySHACL: the shapes under ``kg/shapes/`` against a data graph.

Violations fail a build; warnings are reported and kept in the release's report. The text report lists
one line per result, most severe first, naming the focus node, the path and the shape's message, so a
curator can find the row to fix.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, SH

from kg.errors import UserError
from kg.resources import shapes_dir

__all__ = ["ShaclResult", "load_shapes", "validate"]

_SEVERITY_ORDER = {SH.Violation: 0, SH.Warning: 1, SH.Info: 2}


@dataclass(frozen=True)
class Finding:
    """One validation result, flattened for reports."""

    severity: str
    focus: str
    path: str
    message: str
    shape: str


@dataclass(frozen=True)
class ShaclResult:
    """The outcome of one validation run."""

    conforms: bool
    findings: tuple[Finding, ...]
    report: Graph

    @property
    def violations(self) -> tuple[Finding, ...]:
        """Results of severity Violation: these fail a build."""
        return tuple(f for f in self.findings if f.severity == "Violation")

    @property
    def warnings(self) -> tuple[Finding, ...]:
        """Results of severity Warning or Info: reported, never fatal."""
        return tuple(f for f in self.findings if f.severity != "Violation")

    def text(self) -> str:
        """A readable report, one line per result."""
        head = (
            f"SHACL: {'conforms' if not self.violations else 'does not conform'}: "
            f"{len(self.violations)} violation(s), {len(self.warnings)} warning(s)"
        )
        lines = [head]
        for f in self.findings:
            lines.append(f"{f.severity}: {f.focus}" + (f" {f.path}" if f.path else "") + f": {f.message} [{f.shape}]")
        return "\n".join(lines) + "\n"


@cache
def _shapes(folder: Path) -> Graph:
    graph = Graph()
    for path in sorted(folder.glob("*.ttl")):
        try:
            graph.parse(path, format="turtle")
        except Exception as exc:
            raise UserError(f"cannot parse SHACL shapes: {exc}", path=path) from exc
    return graph


def load_shapes(folder: Path | None = None) -> Graph:
    """All shape files of the folder as one graph (parsed once per process)."""
    return _shapes((folder or shapes_dir()).resolve())


def _has_rules(shapes: Graph) -> bool:
    """Whether any shape carries a SHACL rule (``sh:rule``), which adds triples to the graph it runs on."""
    return (None, SH.rule, None) in shapes


def _short(node: object, graph: Graph) -> str:
    if isinstance(node, URIRef):
        try:
            return graph.namespace_manager.normalizeUri(node)
        except Exception:
            return str(node)
    return str(node) if node is not None else ""


def _shape_name(shape: object, shapes: Graph) -> str:
    """Property shapes are blank nodes; name them by the node shape that holds them."""
    if isinstance(shape, BNode):
        owner = shapes.value(None, SH.property, shape) or shapes.value(None, SH.sparql, shape)
        if owner is not None:
            return _short(owner, shapes)
    return _short(shape, shapes)


def validate(data: Graph, shapes: Graph | None = None) -> ShaclResult:
    """Validate a data graph (which should include the ontology, for class hierarchy and declarations).

    The data graph is never changed. pySHACL copies it first in advanced mode (SPARQL targets), because SHACL
    rules could add triples; shapes without rules are run on the graph itself, which saves copying the whole
    graph (about a third of the CPU time of validating 100k triples).
    """
    from pyshacl import validate as run

    shapes = shapes if shapes is not None else load_shapes()
    conforms, report, _ = run(
        data,
        shacl_graph=shapes,
        inference="none",
        advanced=True,
        inplace=not _has_rules(shapes),
        allow_warnings=True,
        abort_on_first=False,
    )
    if not isinstance(report, Graph):
        raise RuntimeError(f"pySHACL returned no report graph: {report!r:.300}")
    findings = []
    for result in report.subjects(RDF.type, SH.ValidationResult):
        severity = report.value(result, SH.resultSeverity)
        message = report.value(result, SH.resultMessage)
        findings.append(
            Finding(
                severity=str(severity).rsplit("#", 1)[-1],
                focus=_short(report.value(result, SH.focusNode), data),
                path=_short(report.value(result, SH.resultPath), data),
                message=str(message) if isinstance(message, Literal) else "",
                shape=_shape_name(report.value(result, SH.sourceShape), shapes),
            )
        )
    findings.sort(key=lambda f: (_SEVERITY_ORDER.get(SH[f.severity], 9), f.focus, f.path, f.message))
    has_violation = any(f.severity == "Violation" for f in findings)
    return ShaclResult(conforms=bool(conforms) or not has_violation, findings=tuple(findings), report=report)
