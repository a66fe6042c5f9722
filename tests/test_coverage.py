"""kg/COVERAGE.md accounts for every sentence of both sources and every curated row."""

from __future__ import annotations

import re
from pathlib import Path

from kg.inputs.sourcetext import load_sources
from kg.resources import tables_dir

COVERAGE = Path(__file__).resolve().parent.parent / "kg" / "COVERAGE.md"


def _sections() -> dict[str, list[tuple[str, str, str]]]:
    sections: dict[str, list[tuple[str, str, str]]] = {}
    current: list[tuple[str, str, str]] | None = None
    for line in COVERAGE.read_text(encoding="utf-8").splitlines():
        heading = re.match(r"^## .*`src:([a-z0-9-]+)`", line)
        if heading:
            current = sections.setdefault(heading.group(1), [])
        elif current is not None and re.match(r"^\| \d+ \|", line):
            _, _, sentence, kind, carried, _ = (cell.strip() for cell in line.split("|"))
            current.append((sentence, kind, carried))
    return sections


def test_every_sentence_of_each_source_is_listed() -> None:
    """Removing the listed sentences from a source leaves only punctuation: nothing was skipped."""
    _, docs = load_sources()
    sections = _sections()
    assert set(sections) == set(docs)
    for key, doc in docs.items():
        rest = doc.text
        for sentence, _, _ in sections[key]:
            assert sentence in doc.text, f"{key}: listed sentence is not verbatim: {sentence[:70]!r}"
            rest = rest.replace(sentence, " ")
        assert re.fullmatch(r"[\s•.,;:]*", rest), f"{key}: sentences missing from COVERAGE.md: {rest.strip()[:300]!r}"


def test_every_fact_sentence_says_what_carries_it() -> None:
    """Kinds are from the documented set, and fact rows name rows or ontology terms."""
    for key, rows in _sections().items():
        for sentence, kind, carried in rows:
            assert kind in {"fact", "heading", "provenance", "not modelled"}, f"{key}: {kind}"
            assert carried, f"{key}: nothing carries {sentence[:60]!r}"
            if kind == "fact":
                assert "`" in carried, f"{key}: a fact names its rows or ontology terms: {sentence[:60]!r}"


def test_every_curated_row_is_listed() -> None:
    """Each id of the three tables appears in COVERAGE.md, so no row lacks the sentence behind it."""
    text = COVERAGE.read_text(encoding="utf-8")
    for table in ("associations", "statistics", "statistic_groups"):
        lines = (tables_dir() / f"{table}.tsv").read_text(encoding="utf-8").splitlines()[1:]
        for line in lines:
            ident = line.split("\t", 1)[0]
            assert f"`{ident}`" in text, f"{table}.tsv row {ident} is missing from kg/COVERAGE.md"
