"""The curated tables: every quote is verbatim in its source, and every curator mistake is named precisely."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from rdflib import Graph

from kg.errors import UserError
from kg.inputs.ontology_index import OntologyIndex
from kg.inputs.sourcetext import load_sources, normalize_text
from kg.inputs.tables import load_tables
from kg.resources import tables_dir


@pytest.fixture(scope="module")
def index(ontology_graph: Graph) -> OntologyIndex:
    return OntologyIndex.from_graph(ontology_graph)


@pytest.fixture()
def tables_copy(tmp_path: Path) -> Path:
    target = tmp_path / "tables"
    shutil.copytree(tables_dir(), target)
    return target


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"fixture text {old!r} not found in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _error(index: OntologyIndex, folder: Path) -> str:
    with pytest.raises(UserError) as err:
        load_tables(index, load_sources()[1], folder)
    return str(err.value)


def test_every_quote_occurs_verbatim_in_its_source(index: OntologyIndex) -> None:
    """Fidelity: each row's quote is a sentence of the cited document (markup and white space aside)."""
    _, docs = load_sources()
    tables = load_tables(index, docs)
    rows = [*tables.associations, *tables.statistics, *tables.groups]
    assert len(tables.associations) >= 80
    for row in rows:
        assert normalize_text(row.quote) in docs[row.source].text, f"{row.where}: quote not in {row.source}"


def test_html_markup_inside_words_does_not_break_quote_matching() -> None:
    """The second source splits words with markup (<i>t</i>umour); quotes are matched as a reader sees them."""
    _, docs = load_sources()
    assert docs["sebald-2017"].contains("T (tumour), N (lymph node), M (systemic metastases)")
    assert docs["sebald-2017"].contains("Most head & neck malignancies")


def test_source_copy_that_changed_is_refused(tmp_path: Path) -> None:
    """Sources are kept unchanged: a local copy whose SHA-256 differs from the recorded one stops the build."""
    from kg.resources import sources_dir

    folder = tmp_path / "sources"
    shutil.copytree(sources_dir(), folder)
    with (folder / "lee-2020.txt").open("a", encoding="utf-8") as fh:
        fh.write("An invented sentence.\n")
    with pytest.raises(UserError, match=r"lee-2020.txt: source lee-2020 changed"):
        load_sources(folder)


def test_malformed_row_names_file_and_line(index: OntologyIndex, tables_copy: Path) -> None:
    """A row with a missing tab is reported with its file and line number."""
    path = tables_copy / "associations.tsv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2].replace("\t", " ", 1)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert f"{path}:3: expected 15 tab-separated fields, found 14" in _error(index, tables_copy)


def test_unknown_curie_prefix_and_unknown_term_are_named(index: OntologyIndex, tables_copy: Path) -> None:
    """Subjects must be mkg: CURIEs the ontology declares; both mistakes name line and column."""
    path = tables_copy / "associations.tsv"
    _replace(path, "\tmkg:StomachCancer\t", "\tMONDO:0001056\t")
    _replace(path, "\tmkg:LungCancer\tmkg:spreadsTo\tmkg:Skin", "\tmkg:LungCancr\tmkg:spreadsTo\tmkg:Skin")
    message = _error(index, tables_copy)
    assert "column 'subject': 'MONDO:0001056' is not a CURIE of the form mkg:Name" in message
    assert "column 'subject': unknown term 'mkg:LungCancr': the ontology does not declare it" in message
    assert "2 problem(s)" in message


def test_percentage_over_100_is_refused(index: OntologyIndex, tables_copy: Path) -> None:
    """A percentage outside 0-100 is an error naming the statistics row and the value column."""
    _replace(tables_copy / "statistics.tsv", "skin-metastasis-melanoma-45\t45\t", "skin-metastasis-melanoma-45\t145\t")
    message = _error(index, tables_copy)
    assert "statistics.tsv:2: column 'value': percentage 145 is outside 0-100" in message


def test_missing_and_unmatched_quotes_are_refused(index: OntologyIndex, tables_copy: Path) -> None:
    """An empty quote and a quote the source does not contain are both errors on the quote column."""
    path = tables_copy / "associations.tsv"
    lines = path.read_text(encoding="utf-8").splitlines()
    fields = lines[1].split("\t")
    fields[13] = ""
    lines[1] = "\t".join(fields)
    fields = lines[2].split("\t")
    fields[13] = "Breast cancer always spreads to the moon."
    lines[2] = "\t".join(fields)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    message = _error(index, tables_copy)
    assert ":2: column 'quote': required" in message
    assert ":3: column 'quote': does not occur verbatim in source 'lee-2020'" in message


def test_closed_value_sets_and_unknown_predicate(index: OntologyIndex, tables_copy: Path) -> None:
    """Spread kind, timing and predicate come from closed sets; anything else is named with the allowed values."""
    path = tables_copy / "associations.tsv"
    _replace(path, "\tregional\tlymphatic\t", "\tlocal\tlymphatic\t")
    _replace(path, "\tmkg:isSkinFindingOf\t", "\tmkg:causes\t")
    message = _error(index, tables_copy)
    assert "column 'spread_kind': 'local' is not one of distant, regional" in message
    assert "column 'predicate': 'mkg:causes' is not a shortcut relation" in message


def test_bad_header_and_duplicate_ids(index: OntologyIndex, tables_copy: Path) -> None:
    """A renamed column stops reading the file; a duplicate id names the line it first appeared on."""
    path = tables_copy / "statistic_groups.tsv"
    _replace(path, "id\tlabel\tadditive", "id\tname\tadditive")
    with pytest.raises(UserError, match=r"statistic_groups.tsv:1: header must be .*missing label; unknown name"):
        load_tables(index, load_sources()[1], tables_copy)
    shutil.copy(tables_dir() / "statistic_groups.tsv", path)
    assoc = tables_copy / "associations.tsv"
    lines = assoc.read_text(encoding="utf-8").splitlines()
    lines.append(lines[1])
    assoc.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert f"'{lines[1].split(chr(9))[0]}' already used on line 2" in _error(index, tables_copy)


def test_additive_group_over_100_percent_is_refused(index: OntologyIndex, tables_copy: Path) -> None:
    """Figures that add up to more than 100 % cannot be marked as shares of one whole."""
    _replace(tables_copy / "statistic_groups.tsv", "\tfalse\t", "\ttrue\t")
    assert "members add up to 123 %, so they cannot be shares of one whole" in _error(index, tables_copy)


def test_a_utf8_byte_order_mark_is_accepted(index: OntologyIndex, tables_copy: Path) -> None:
    """Spreadsheets save UTF-8 with a BOM before the header; the tables read as without it."""
    for name in ("associations.tsv", "statistics.tsv", "statistic_groups.tsv"):
        path = tables_copy / name
        path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    with_bom = repr(load_tables(index, load_sources()[1], tables_copy)).replace(str(tables_copy), "TABLES")
    plain = repr(load_tables(index, load_sources()[1], tables_dir())).replace(str(tables_dir()), "TABLES")
    assert with_bom == plain


def test_invalid_utf8_names_the_line(index: OntologyIndex, tables_copy: Path) -> None:
    """A table saved in another encoding is reported with the line of the first byte that is not UTF-8."""
    path = tables_copy / "associations.tsv"
    lines = path.read_bytes().split(b"\n")
    lines[3] = lines[3].replace(b"cancer", b"canc\xe9r", 1)
    path.write_bytes(b"\n".join(lines))
    assert f"{path}:4: not valid UTF-8" in _error(index, tables_copy)


def test_excel_quoted_fields_get_a_hint(index: OntologyIndex, tables_copy: Path) -> None:
    """A field a spreadsheet wrapped in quotes ("..." with "" inside) fails with a hint saying what to do."""
    path = tables_copy / "associations.tsv"
    lines = path.read_text(encoding="utf-8").splitlines()
    fields = lines[1].split("\t")
    fields[13] = '"' + fields[13].replace("cancer", '""cancer""', 1) + '"'
    lines[1] = "\t".join(fields)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    message = _error(index, tables_copy)
    assert f"{path}:2: column 'quote': does not occur verbatim" in message
    assert "looks saved by a spreadsheet with quoted fields" in message
    assert message.count("spreadsheet") == 1, "only the quoted line gets the hint"


def test_controlled_values_are_read_only_from_the_quote(index: OntologyIndex, tables_copy: Path) -> None:
    """controlled_values.tsv: words not in the quote, unknown fact or value, ambiguity without note are named."""
    path = tables_copy / "controlled_values.tsv"
    _replace(path, "skip-lesions-oesophagus\t\tsometimes\tsometimes\t", "skip-lesions-oesophagus\t\tsometimes\toften\t")
    _replace(path, "skin-most-likely-lung\t", "skin-most-likely-lungs\t")
    _replace(path, "\tpreferred-site\t\ttend to spread to\tfalse\t\n", "\tpreferred\t\ttend to spread to\ttrue\t\n")
    message = _error(index, tables_copy)
    assert "column 'words': 'often' does not occur in the quote of 'skip-lesions-oesophagus'" in message
    assert "column 'association': unknown association 'skin-most-likely-lungs'" in message
    assert "column 'statement_kind': 'preferred' is not one of example" in message
    assert "column 'note': required when ambiguous is true" in message


def test_every_controlled_value_row_names_a_fact_and_its_words(index: OntologyIndex) -> None:
    """Fidelity: each statement kind or frequency level is read from words of that fact's own quote."""
    tables = load_tables(index, load_sources()[1])
    quotes = {a.id: a.quote.lower() for a in tables.associations}
    assert len(tables.controlled_values) >= 38
    for row in tables.controlled_values:
        assert row.words.lower() in quotes[row.association], row.where
        assert row.statement_kind is not None or row.frequency_level is not None, row.where
