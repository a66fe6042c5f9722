"""Curated fact tables: read, checked row by row, and returned as typed records.

Curators edit the TSV files under ``kg/tables/`` without Python, so every mistake must come back as a
message naming the file, the line and the column, and all mistakes of a file are reported at once.
Terms are CURIEs (``mkg:BreastCancer``) that the ontology must declare; every quote must occur verbatim
in the cited source document.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from rdflib import URIRef

from kg.errors import UserError
from kg.inputs.ontology_index import OntologyIndex
from kg.inputs.sourcetext import SourceDocument, normalize_text
from kg.namespaces import MKG, UNIT
from kg.resources import tables_dir

__all__ = [
    "ASSOCIATION_COLUMNS",
    "CONTROLLED_VALUE_COLUMNS",
    "FREQUENCY_LEVELS",
    "STATEMENT_KINDS",
    "STATISTIC_COLUMNS",
    "AssociationRow",
    "ControlledValueRow",
    "GroupRow",
    "Location",
    "StatisticRow",
    "Tables",
    "load_tables",
]

ASSOCIATION_COLUMNS = (
    "id", "subject", "predicate", "object", "spread_kind", "route", "region", "timing", "frequency",
    "context", "explanation", "statistic", "source", "quote", "note",
)  # fmt: skip
STATISTIC_COLUMNS = (
    "id", "value", "unit", "stated_as", "approximate", "numerator", "denominator", "group", "source",
    "quote", "note",
)  # fmt: skip
GROUP_COLUMNS = ("id", "label", "additive", "source", "quote", "note")
CONTROLLED_VALUE_COLUMNS = ("association", "statement_kind", "frequency_level", "words", "ambiguous", "note")

SPREAD_KINDS = {"regional": MKG.RegionalSpread, "distant": MKG.DistantSpread}
ROUTES = {"lymphatic": MKG.LymphaticRoute}
TIMINGS = {
    "before": MKG.BeforeCancerDetection,
    "with": MKG.WithCancerDetection,
    "after": MKG.AfterCancerDetection,
}
UNITS = {"percent": UNIT.PERCENT}
STATEMENT_KINDS = {
    "preferred-site": MKG.PreferredSiteStatement,
    "tendency": MKG.TendencyStatement,
    "example": MKG.ExampleStatement,
    "most-likely-to-skin": MKG.MostLikelyToSpreadToSkinListing,
    "highest-propensity-to-skin": MKG.HighestPropensityToSkinListing,
    "most-frequent": MKG.MostFrequentlyEncounteredStatement,
}
FREQUENCY_LEVELS = {
    "very-rarely": MKG.VeryRarely,
    "some": MKG.Some,
    "sometimes": MKG.Sometimes,
    "often": MKG.Often,
    "roughly-half": MKG.RoughlyHalf,
    "most": MKG.Most,
}
BOOLEANS = {"true": True, "false": False}
_ID_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-")


@dataclass(frozen=True)
class Location:
    """Where a record came from, for error messages and the provenance graph."""

    path: Path
    line: int

    def __str__(self) -> str:
        return f"{self.path.name}:{self.line}"


@dataclass(frozen=True)
class AssociationRow:
    """One sourced statement: subject, shortcut relation, object, qualifiers and evidence."""

    id: str
    subject: URIRef
    predicate: URIRef
    object: URIRef
    association_class: URIRef
    spread_kind: URIRef | None
    route: URIRef | None
    region: URIRef | None
    timing: URIRef | None
    frequency: str
    context: str
    explanation: str
    statistic: str
    source: str
    quote: str
    note: str
    where: Location


@dataclass(frozen=True)
class StatisticRow:
    """One figure as the source states it, with what it counts."""

    id: str
    value: Decimal
    unit: URIRef
    stated_as: str
    approximate: bool
    numerator: str
    denominator: str
    group: str
    source: str
    quote: str
    note: str
    where: Location


@dataclass(frozen=True)
class GroupRow:
    """Figures stated together; ``additive`` says whether they may be read as shares of one whole."""

    id: str
    label: str
    additive: bool
    source: str
    quote: str
    note: str
    where: Location


@dataclass(frozen=True)
class ControlledValueRow:
    """The controlled values one association's quote gives: statement kind and frequency level, with the words."""

    association: str
    statement_kind: URIRef | None
    frequency_level: URIRef | None
    words: str
    ambiguous: bool
    note: str
    where: Location


@dataclass(frozen=True)
class Tables:
    """All curated records, in file order."""

    associations: tuple[AssociationRow, ...]
    statistics: tuple[StatisticRow, ...]
    groups: tuple[GroupRow, ...]
    controlled_values: tuple[ControlledValueRow, ...] = ()


_QUOTE_HINT = (
    ' (the line looks saved by a spreadsheet with quoted fields, "..." with "" for each quote mark: the tables'
    " are plain tab-separated text, so save without text quoting, or remove the outer quotes and undouble the"
    " inner ones)"
)


class _Problems:
    """Collects every mistake in the tables so the curator sees them all in one run."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.quoted: set[tuple[Path, int]] = set()

    def add(self, path: Path, line: int, column: str | None, message: str) -> None:
        where = f"{path}:{line}" + (f": column '{column}'" if column else "")
        hint = _QUOTE_HINT if (path, line) in self.quoted else ""
        self.lines.append(f"{where}: {message}{hint}")

    def raise_if_any(self) -> None:
        if self.lines:
            count = len(self.lines)
            raise UserError(f"{count} problem(s) in the curated tables:\n  " + "\n  ".join(self.lines))


def _rows(path: Path, columns: tuple[str, ...], problems: _Problems) -> Iterator[tuple[int, dict[str, str]]]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UserError(f"cannot read table: {exc.strerror or exc}", path=path) from exc
    try:
        # utf-8-sig: spreadsheets start UTF-8 files with a byte-order mark, which is not part of the header.
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        where = data.count(b"\n", 0, exc.start) + 1
        raise UserError("not valid UTF-8: save the table as UTF-8 text", path=path, line=where) from exc
    lines = text.splitlines()
    if not lines:
        raise UserError("empty table: the first line must name the columns", path=path, line=1)
    header = lines[0].split("\t")
    if tuple(header) != columns:
        missing = [c for c in columns if c not in header]
        unknown = [c for c in header if c not in columns]
        detail = "; ".join(
            part
            for part in (
                f"missing {', '.join(missing)}" if missing else "",
                f"unknown {', '.join(unknown)}" if unknown else "",
                "columns out of order" if not missing and not unknown else "",
            )
            if part
        )
        raise UserError(f"header must be {' | '.join(columns)} ({detail})", path=path, line=1)
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip() or line.startswith("#"):
            continue
        fields = next(csv.reader([line], delimiter="\t", quoting=csv.QUOTE_NONE))
        if any(f.startswith('"') and (f.endswith('"') or len(fields) != len(columns)) for f in fields):
            problems.quoted.add((path, number))
        if len(fields) != len(columns):
            problems.add(path, number, None, f"expected {len(columns)} tab-separated fields, found {len(fields)}")
            continue
        yield number, {c: v.strip() for c, v in zip(columns, fields, strict=True)}


class _Checker:
    """Field-level checks shared by the three tables."""

    def __init__(self, index: OntologyIndex, sources: dict[str, SourceDocument], problems: _Problems) -> None:
        self.index = index
        self.sources = sources
        self.problems = problems
        self.association_ids: set[str] = set()
        """Every id of associations.tsv, also of rows with other mistakes (no knock-on 'unknown' reports)."""

    def ident(self, path: Path, line: int, value: str, seen: dict[str, int]) -> str:
        if not value:
            self.problems.add(path, line, "id", "required")
        elif not set(value) <= _ID_CHARS or value.startswith("-"):
            self.problems.add(path, line, "id", f"'{value}' must use only a-z, 0-9 and '-'")
        elif value in seen:
            self.problems.add(path, line, "id", f"'{value}' already used on line {seen[value]}")
        else:
            seen[value] = line
        return value

    def term(self, path: Path, line: int, column: str, value: str, *, required: bool = True) -> URIRef | None:
        if not value:
            if required:
                self.problems.add(path, line, column, "required")
            return None
        prefix, _, local = value.partition(":")
        if prefix != "mkg" or not local:
            self.problems.add(path, line, column, f"'{value}' is not a CURIE of the form mkg:Name")
            return None
        iri = MKG[local]
        if not self.index.is_term(iri):
            self.problems.add(path, line, column, f"unknown term '{value}': the ontology does not declare it")
            return None
        return iri

    def choice(self, path: Path, line: int, column: str, value: str, allowed: dict[str, URIRef]) -> URIRef | None:
        if not value:
            return None
        if value not in allowed:
            self.problems.add(path, line, column, f"'{value}' is not one of {', '.join(sorted(allowed))}")
            return None
        return allowed[value]

    def evidence(self, path: Path, line: int, source: str, quote: str) -> None:
        doc = self.sources.get(source)
        if doc is None:
            known = ", ".join(sorted(self.sources))
            self.problems.add(path, line, "source", f"unknown source '{source}' (known: {known})")
        elif not quote:
            self.problems.add(path, line, "quote", "required: the verbatim sentence that states the fact")
        elif not doc.contains(quote):
            self.problems.add(path, line, "quote", f"does not occur verbatim in source '{source}': {quote[:80]!r}")

    def boolean(self, path: Path, line: int, column: str, value: str) -> bool:
        if value not in BOOLEANS:
            self.problems.add(path, line, column, f"'{value}' must be true or false")
            return False
        return BOOLEANS[value]


def _associations(path: Path, check: _Checker) -> list[AssociationRow]:
    seen: dict[str, int] = {}
    out: list[AssociationRow] = []
    p = check.problems
    for line, f in _rows(path, ASSOCIATION_COLUMNS, p):
        ident = check.ident(path, line, f["id"], seen)
        check.association_ids.add(ident)
        subject = check.term(path, line, "subject", f["subject"])
        obj = check.term(path, line, "object", f["object"])
        predicate = None
        prefix, _, local = f["predicate"].partition(":")
        if prefix == "mkg" and MKG[local] in check.index.reified_as:
            predicate = MKG[local]
        else:
            known = ", ".join(sorted("mkg:" + str(k).removeprefix(str(MKG)) for k in check.index.reified_as))
            p.add(path, line, "predicate", f"'{f['predicate']}' is not a shortcut relation (known: {known})")
        spread = check.choice(path, line, "spread_kind", f["spread_kind"], SPREAD_KINDS)
        route = check.choice(path, line, "route", f["route"], ROUTES)
        timing = check.choice(path, line, "timing", f["timing"], TIMINGS)
        region = check.term(path, line, "region", f["region"], required=False)
        check.evidence(path, line, f["source"], f["quote"])
        if subject is None or obj is None or predicate is None:
            continue
        out.append(
            AssociationRow(
                id=ident,
                subject=subject,
                predicate=predicate,
                object=obj,
                association_class=check.index.reified_as[predicate],
                spread_kind=spread,
                route=route,
                region=region,
                timing=timing,
                frequency=f["frequency"],
                context=f["context"],
                explanation=f["explanation"],
                statistic=f["statistic"],
                source=f["source"],
                quote=f["quote"],
                note=f["note"],
                where=Location(path, line),
            )
        )
    return out


def _statistics(path: Path, check: _Checker) -> list[StatisticRow]:
    seen: dict[str, int] = {}
    out: list[StatisticRow] = []
    p = check.problems
    for line, f in _rows(path, STATISTIC_COLUMNS, p):
        ident = check.ident(path, line, f["id"], seen)
        value: Decimal | None = None
        try:
            value = Decimal(f["value"])
            if not value.is_finite():
                raise InvalidOperation
        except InvalidOperation:
            p.add(path, line, "value", f"'{f['value']}' is not a number")
            value = None
        unit = check.choice(path, line, "unit", f["unit"], UNITS)
        if not f["unit"]:
            p.add(path, line, "unit", "required")
        if value is not None and unit == UNIT.PERCENT and not Decimal(0) <= value <= Decimal(100):
            p.add(path, line, "value", f"percentage {value} is outside 0-100")
        if not f["denominator"]:
            p.add(path, line, "denominator", "required: what the figure is a share of, as the source states it")
        if not f["stated_as"]:
            p.add(path, line, "stated_as", "required: the figure in the source's own words")
        approximate = check.boolean(path, line, "approximate", f["approximate"])
        check.evidence(path, line, f["source"], f["quote"])
        if value is None or unit is None:
            continue
        out.append(
            StatisticRow(
                id=ident,
                value=value,
                unit=unit,
                stated_as=f["stated_as"],
                approximate=approximate,
                numerator=f["numerator"],
                denominator=f["denominator"],
                group=f["group"],
                source=f["source"],
                quote=f["quote"],
                note=f["note"],
                where=Location(path, line),
            )
        )
    return out


def _groups(path: Path, check: _Checker) -> list[GroupRow]:
    seen: dict[str, int] = {}
    out: list[GroupRow] = []
    for line, f in _rows(path, GROUP_COLUMNS, check.problems):
        ident = check.ident(path, line, f["id"], seen)
        additive = check.boolean(path, line, "additive", f["additive"])
        if not f["label"]:
            check.problems.add(path, line, "label", "required")
        if not additive and not f["note"]:
            check.problems.add(path, line, "note", "required for a non-additive group: say why it is not a whole")
        check.evidence(path, line, f["source"], f["quote"])
        out.append(GroupRow(ident, f["label"], additive, f["source"], f["quote"], f["note"], Location(path, line)))
    return out


def _controlled_values(path: Path, check: _Checker) -> list[ControlledValueRow]:
    """``controlled_values.tsv``: optional, so that table folders written before it still load."""
    if not path.exists():
        return []
    seen: dict[str, int] = {}
    out: list[ControlledValueRow] = []
    p = check.problems
    for line, f in _rows(path, CONTROLLED_VALUE_COLUMNS, p):
        if f["association"] in seen:
            p.add(path, line, "association", f"'{f['association']}' already given on line {seen[f['association']]}")
        seen.setdefault(f["association"], line)
        kind = check.choice(path, line, "statement_kind", f["statement_kind"], STATEMENT_KINDS)
        level = check.choice(path, line, "frequency_level", f["frequency_level"], FREQUENCY_LEVELS)
        if not f["statement_kind"] and not f["frequency_level"]:
            p.add(path, line, None, "give a statement_kind, a frequency_level or both")
        if not f["words"]:
            p.add(path, line, "words", "required: the words of the association's quote the values are read from")
        ambiguous = check.boolean(path, line, "ambiguous", f["ambiguous"])
        if ambiguous and not f["note"]:
            p.add(path, line, "note", "required when ambiguous is true: say what the words leave open")
        out.append(
            ControlledValueRow(f["association"], kind, level, f["words"], ambiguous, f["note"], Location(path, line))
        )
    return out


def _cross_references(tables: Tables, problems: _Problems, association_ids: set[str]) -> None:
    stats = {s.id: s for s in tables.statistics}
    groups = {g.id: g for g in tables.groups}
    for a in tables.associations:
        if a.statistic and a.statistic not in stats:
            problems.add(a.where.path, a.where.line, "statistic", f"unknown statistic '{a.statistic}'")
    associations = {a.id: a for a in tables.associations}
    for v in tables.controlled_values:
        row = associations.get(v.association)
        if v.association not in association_ids:
            problems.add(v.where.path, v.where.line, "association", f"unknown association '{v.association}'")
        elif row is not None and v.words and normalize_text(v.words).lower() not in normalize_text(row.quote).lower():
            problems.add(
                v.where.path, v.where.line, "words", f"'{v.words}' does not occur in the quote of '{v.association}'"
            )
    for s in tables.statistics:
        if s.group and s.group not in groups:
            problems.add(s.where.path, s.where.line, "group", f"unknown statistic group '{s.group}'")
    for g in tables.groups:
        members = [s for s in tables.statistics if s.group == g.id]
        total = sum((s.value for s in members if s.unit == UNIT.PERCENT), Decimal(0))
        if g.additive and total > 100:
            problems.add(
                g.where.path,
                g.where.line,
                "additive",
                f"members add up to {total} %, so they cannot be shares of one whole: set additive to false",
            )


def load_tables(index: OntologyIndex, sources: dict[str, SourceDocument], folder: Path | None = None) -> Tables:
    """Read and check the four tables of ``folder``: associations, statistics, groups and controlled values."""
    folder = folder or tables_dir()
    problems = _Problems()
    check = _Checker(index, sources, problems)
    tables = Tables(
        associations=tuple(_associations(folder / "associations.tsv", check)),
        statistics=tuple(_statistics(folder / "statistics.tsv", check)),
        groups=tuple(_groups(folder / "statistic_groups.tsv", check)),
        controlled_values=tuple(_controlled_values(folder / "controlled_values.tsv", check)),
    )
    _cross_references(tables, problems, check.association_ids)
    problems.raise_if_any()
    return tables
