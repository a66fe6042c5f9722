"""Ontology quality control: run every ``queries/qc/<check>-violation.rq`` and report what they find.

The checks are data, not code: each is one SPARQL file (ported from ROBOT's ERROR-level report
queries, plus the project's own rules) returning ``?entity ?property ?value``, where zero rows means
the check passes. This module only runs them, turns rows into :class:`QcViolation` records and writes
the deterministic ``qc-report.tsv`` of a release. Run it on the ontology graph, not on the whole
knowledge graph: fact nodes are deliberately unlabelled and would all fail ``missing-label``.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph
from rdflib.query import ResultRow
from rdflib.term import Node

from kg.prefixes import default_prefixes
from kg.release.turtle import TermRenderer
from kg.resources import qc_query_dir

__all__ = ["QcViolation", "format_report", "load_checks", "run_qc", "write_report"]

_SUFFIX = "-violation.rq"
_REPORT_COLUMNS = ("check", "entity", "property", "value")
_TSV_ESCAPES = {"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"}


@dataclass(frozen=True, order=True)
class QcViolation:
    """One row of one check: terms in Turtle syntax (``mkg:Bone``, ``"bone"@en``, ``[ ... ]``).

    ``value`` is ``""`` when the check reports something missing (no label, no licence). ``term`` is the
    entity itself, so a caller can find where the file states it; it takes no part in comparisons.
    """

    check: str
    entity: str
    property: str
    value: str
    term: Node | None = field(default=None, compare=False, repr=False)


def load_checks(directory: Path | None = None) -> dict[str, str]:
    """Check name -> SPARQL text, for every ``<check>-violation.rq`` in ``directory``, sorted by name."""
    folder = directory if directory is not None else qc_query_dir()
    checks = {
        path.name[: -len(_SUFFIX)]: path.read_text(encoding="utf-8") for path in sorted(folder.glob(f"*{_SUFFIX}"))
    }
    if not checks:
        raise FileNotFoundError(f"{folder}: no *{_SUFFIX} QC queries found")
    return checks


def run_qc(
    graph: Graph,
    *,
    checks: Mapping[str, str] | None = None,
    prefixes: Mapping[str, str] | None = None,
) -> list[QcViolation]:
    """Run every QC check on ``graph``; the sorted, de-duplicated violations (empty list = all pass)."""
    queries = checks if checks is not None else load_checks()
    render = TermRenderer(graph, prefixes if prefixes is not None else default_prefixes())

    def show(term: Node | None) -> str:
        return "" if term is None else render(term)

    found: set[QcViolation] = set()
    for name, sparql in sorted(queries.items()):
        result = graph.query(sparql)
        missing = {"entity", "property", "value"} - {str(v) for v in (result.vars or [])}
        if missing:
            raise ValueError(f"QC check {name!r} must select ?entity ?property ?value; lacks {sorted(missing)}")
        for row in result:
            assert isinstance(row, ResultRow)
            found.add(
                QcViolation(
                    check=name,
                    entity=show(row.entity),
                    property=show(row.property),
                    value=show(row.value),
                    term=row.entity,
                )
            )
    return sorted(found)


def _tsv_field(text: str) -> str:
    return "".join(_TSV_ESCAPES.get(ch, ch) for ch in text)


def format_report(violations: Iterable[QcViolation]) -> str:
    """The report as TSV text: a header row, then one sorted row per violation."""
    lines = ["\t".join(_REPORT_COLUMNS)]
    for v in sorted(set(violations)):
        lines.append("\t".join(_tsv_field(field) for field in (v.check, v.entity, v.property, v.value)))
    return "\n".join(lines) + "\n"


def write_report(violations: Iterable[QcViolation], path: Path) -> None:
    """Write the TSV report atomically (same violations -> byte-identical file)."""
    text = format_report(violations)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
