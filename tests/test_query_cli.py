"""``mkg query``: every way of naming a query, every output format, and every user error.

Errors must be one line naming the culprit (the query, the parameter, the file, the folder) with exit
status 2, never a traceback; answers go to stdout in the format asked for.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kg.cli import main
from kg.library.storedqueries import load_library

MKG = "https://w3id.org/metastasis-kg/"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["query", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def run_on(release_dir: Path, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    return run(capsys, *argv, "--release", str(release_dir))


def fail(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    """Run a command that must fail as a user error; the one-line message."""
    code, out, err = run(capsys, *argv)
    assert code == 2, (out, err)
    assert out == ""
    assert err.startswith("mkg query: error: ") and "Traceback" not in err
    return err


# --- listing --------------------------------------------------------------------------------------


def test_list_shows_every_stored_query_with_its_parameters(capsys: pytest.CaptureFixture[str]) -> None:
    """``--list`` needs no release and names every query, its summary and its parameters with defaults."""
    code, out, _ = run(capsys, "--list")
    assert code == 0
    for name, query in load_library().items():
        line = next(line for line in out.splitlines() if line.startswith(name + " "))
        assert query.summary in line
        for p in query.parameters:
            assert p.name in line
    assert "site=https://w3id.org/metastasis-kg/Bone" in out
    assert "fact?" in out, "optional parameters are marked with '?'"


def test_list_as_json_is_machine_readable(capsys: pytest.CaptureFixture[str]) -> None:
    """``--list --format json`` gives names, tags and typed parameters for tools and the web page."""
    code, out, _ = run(capsys, "--list", "--format", "json")
    assert code == 0
    entries = {e["name"]: e for e in json.loads(out)}
    assert set(entries) == set(load_library())
    assert entries["label-search"]["parameters"] == [
        {"name": "text", "type": "string", "required": True, "default": None}
    ]
    assert entries["fact-provenance"]["parameters"][0]["required"] is False


def test_list_as_tsv_has_one_row_per_query(capsys: pytest.CaptureFixture[str]) -> None:
    """``--list --format tsv`` is a header plus one line per query."""
    code, out, _ = run(capsys, "--list", "--format", "tsv")
    assert code == 0
    rows = list(csv.reader(io.StringIO(out), delimiter="\t"))
    assert rows[0] == ["name", "summary", "tags", "parameters"]
    assert len(rows) == len(load_library()) + 1


# --- running stored, file and inline queries ------------------------------------------------------


def test_stored_query_by_name_prints_a_table(release_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The default format is an aligned table with compact IRIs and a row count."""
    code, out, err = run_on(release_dir, capsys, "preferred-primaries-for-site")
    assert (code, err) == (0, "")
    assert "mkg:BreastCancer" in out and "mkg:ProstateCancer" in out and "mkg:FacialBone" in out
    assert out.rstrip().endswith("(6 rows)")


def test_param_with_curie_changes_the_answer(release_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``--param site=mkg:Liver`` binds the site: lung and colon cancers, not breast cancer."""
    code, out, _ = run_on(release_dir, capsys, "preferred-primaries-for-site", "--param", "site=mkg:Liver")
    assert code == 0
    assert "mkg:LungCancer" in out and "mkg:ColonCancer" in out and "mkg:BreastCancer" not in out


def test_csv_output_is_complete_and_parseable(release_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """CSV (W3C SPARQL results) keeps full IRIs and whole sentences."""
    code, out, _ = run_on(release_dir, capsys, "first-echelon-nodes", "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["node"] for r in rows] == [MKG + "ParotidLymphNode"]
    assert rows[0]["quote"].endswith("the parotid lymph nodes often being the first nodes these cancers reach.")


def test_tsv_output_uses_rdf_term_syntax(release_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """TSV (W3C SPARQL results) writes IRIs in angle brackets under ?-prefixed column names."""
    code, out, _ = run_on(release_dir, capsys, "first-echelon-nodes", "--format", "tsv")
    assert code == 0
    header, row = out.splitlines()[:2]
    assert header.split("\t")[0] == "?node"
    assert row.split("\t")[0] == f"<{MKG}ParotidLymphNode>"


def test_json_output_is_sparql_results_json(release_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """JSON (W3C SPARQL results) carries typed terms; the bound parameter's column is left out, as by the API."""
    code, out, _ = run_on(
        release_dir, capsys, "nodal-metastasis-share", "--param", f"primary={MKG}OralCancer", "--format", "json"
    )
    assert code == 0
    data = json.loads(out)
    (binding,) = data["results"]["bindings"]
    assert binding["statedAs"]["value"] == "roughly half"
    assert "_primary_iri" not in binding and "_primary_iri" not in data["head"]["vars"]


@pytest.mark.parametrize("fmt", ["table", "csv", "tsv", "json"])
def test_parameter_columns_are_hidden_in_every_format(
    release_dir: Path, capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    """spread-sites-of-primary projects ?_primary_iri only to bind it: no format shows it, the answer stays whole."""
    code, out, _ = run_on(release_dir, capsys, "spread-sites-of-primary", "--format", fmt)
    assert code == 0
    assert "_primary_iri" not in out
    header = out.splitlines()[0]
    assert "site" in header and "quote" in header
    _, table, _ = run_on(release_dir, capsys, "spread-sites-of-primary")
    _, full, _ = run_on(release_dir, capsys, "spread-sites-of-primary", "--format", "json")
    rows = len(json.loads(full)["results"]["bindings"])
    assert rows > 5 and table.rstrip().endswith(f"({rows} rows)")  # every row kept, only the column gone


def test_query_from_a_file_with_its_own_parameters(
    release_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A .rq path (even in a folder with a space) runs with its header defaults; ``--param`` overrides them."""
    (tmp_path / "my queries").mkdir()
    path = tmp_path / "my queries" / "mine.rq"
    path.write_text(
        "#+ summary: my question\n#+ defaults:\n#+   - primary_iri: mkg:LungCancer\n"
        "PREFIX mkg: <https://w3id.org/metastasis-kg/>\n"
        "SELECT ?site ?_primary_iri WHERE { ?_primary_iri mkg:spreadsTo ?site }",
        encoding="utf-8",
    )
    code, out, _ = run_on(release_dir, capsys, str(path), "--format", "csv")
    assert code == 0
    assert {r["site"] for r in csv.DictReader(io.StringIO(out))} == {MKG + "Liver", MKG + "Skin"}
    code, out, _ = run_on(release_dir, capsys, str(path), "--param", "primary=mkg:ColonCancer", "--format", "csv")
    assert {r["site"] for r in csv.DictReader(io.StringIO(out))} == {MKG + "Liver"}


def test_inline_select_sees_the_union_of_the_named_graphs(
    release_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """SPARQL text runs over the union: ontology labels and inferred shortcut triples in one pattern."""
    text = (
        "PREFIX mkg: <https://w3id.org/metastasis-kg/> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
        "SELECT ?label WHERE { mkg:OesophagealCancer rdfs:label ?label ; "
        "mkg:mayShow mkg:SkipMetastasis }"
    )
    code, out, _ = run_on(release_dir, capsys, text, "--format", "csv")
    assert code == 0
    assert out.splitlines() == ["label", "oesophageal cancer"]


def test_ask_and_construct_queries(release_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """ASK prints true/false (or SPARQL JSON); CONSTRUCT prints subject/predicate/object rows."""
    ask = "ASK { <https://w3id.org/metastasis-kg/BreastCancer> <https://w3id.org/metastasis-kg/spreadsTo> ?x }"
    assert run_on(release_dir, capsys, ask)[1] == "true\n"
    assert json.loads(run_on(release_dir, capsys, ask, "--format", "json")[1]) == {"head": {}, "boolean": True}
    construct = (
        "CONSTRUCT { ?s <http://example.org/first> ?o } WHERE { ?s <https://w3id.org/metastasis-kg/spreadsFirstTo> ?o }"
    )
    code, out, _ = run_on(release_dir, capsys, construct, "--format", "json")
    assert code == 0
    (triple,) = json.loads(out)["results"]["bindings"]
    assert triple["subject"]["value"] == MKG + "ScalpSkinMalignancy"
    code, out, _ = run_on(release_dir, capsys, construct)
    assert "mkg:ScalpSkinMalignancy" in out and out.rstrip().endswith("(1 row)")
    code, out, _ = run_on(release_dir, capsys, construct, "--format", "tsv")
    assert out.splitlines()[1] == f"<{MKG}ScalpSkinMalignancy>\t<http://example.org/first>\t<{MKG}ParotidLymphNode>"


def test_console_script_exit_status(release_dir: Path) -> None:
    """The installed entry point returns 0 on success and 2 on a user error (checked in a real process)."""
    ok = subprocess.run(
        [sys.executable, "-m", "kg.cli", "query", "tnm-categories", "--release", str(release_dir), "--format", "csv"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert ok.returncode == 0 and "T (tumour) category" in ok.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "kg.cli", "query", "no-such-question", "--release", str(release_dir)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert bad.returncode == 2 and "unknown query name 'no-such-question'" in bad.stderr


# --- user errors ----------------------------------------------------------------------------------


def test_unknown_query_name_suggests_close_names(release_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A mistyped name is named back, with the library names it resembles."""
    err = fail(capsys, "preferred-primaries", "--release", str(release_dir))
    assert "unknown query name 'preferred-primaries'" in err
    assert "preferred-primaries-for-site" in err


def test_malformed_inline_sparql(release_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Broken SPARQL is one line on stderr with line, column, the text there and a hint; exit 2, no traceback."""
    err = fail(capsys, "SELECT * WHERE { ?s ?p }", "--release", str(release_dir))
    assert err == (
        'mkg query: error: <query text>: malformed query at line 1, column 21 (near "?p }"):'
        ' the triple pattern has no object (add the object before the "}")\n'
    )


def test_console_script_explains_a_syntax_error_in_one_line(release_dir: Path) -> None:
    """In a real process: exit 2 and exactly one stderr line naming the undeclared prefix, no traceback."""
    bad = subprocess.run(
        [sys.executable, "-m", "kg.cli", "query", "SELECT * WHERE {\n ?s nope:p ?o }", "--release", str(release_dir)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert bad.returncode == 2 and bad.stdout == ""
    assert bad.stderr.count("\n") == 1 and "Traceback" not in bad.stderr
    assert 'line 2, column 5 (near "nope:p ?o }"): prefix "nope:" is not declared' in bad.stderr


def test_default_prefixes_need_no_declaration(release_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`owl:`, `rdfs:` and `mkg:` work undeclared; --no-default-prefixes turns that off with the PREFIX to add."""
    text = "SELECT ?label WHERE { mkg:OesophagealCancer a owl:Class ; rdfs:label ?label }"
    code, out, _ = run_on(release_dir, capsys, text, "--format", "csv")
    assert code == 0 and out.splitlines() == ["label", "oesophageal cancer"]
    err = fail(capsys, text, "--no-default-prefixes", "--release", str(release_dir))
    assert 'prefix "mkg:" is not declared (add PREFIX mkg: <https://w3id.org/metastasis-kg/>)' in err


def test_a_declared_prefix_wins_over_the_default(release_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A query's own PREFIX replaces the table's: `mkg:` bound elsewhere finds nothing of the KG."""
    text = "PREFIX mkg: <http://example.org/> ASK { mkg:OesophagealCancer ?p ?o }"
    assert run_on(release_dir, capsys, text)[1] == "false\n"
    assert run_on(release_dir, capsys, text.split(" ", 3)[3])[1] == "true\n"


def test_malformed_query_file_names_the_file(
    release_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Broken SPARQL in a .rq file names that file."""
    path = tmp_path / "broken.rq"
    path.write_text("SELECT ?s WHERE { ?s ", encoding="utf-8")
    err = fail(capsys, str(path), "--release", str(release_dir))
    assert "broken.rq: malformed query at line 1" in err


def test_updates_are_refused(release_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The release is read-only: SPARQL Update text does not parse as a query."""
    err = fail(capsys, "INSERT DATA { <http://e/s> <http://e/p> <http://e/o> }", "--release", str(release_dir))
    assert "this is SPARQL Update: only queries" in err


def test_missing_query_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """A .rq path that does not exist is named."""
    err = fail(capsys, str(tmp_path / "nowhere.rq"))
    assert "nowhere.rq: no such query file" in err


def test_no_query_and_no_list(capsys: pytest.CaptureFixture[str]) -> None:
    """``mkg query`` alone says what it needs."""
    assert "give a stored query name" in fail(capsys)


def test_missing_required_parameter(release_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """label-search has no default text: the error names the parameter and how to pass it."""
    err = fail(capsys, "label-search", "--release", str(release_dir))
    assert "needs parameter 'text'" in err and "--param text=VALUE" in err


def test_unknown_parameter(release_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A parameter the query does not have is refused, listing the ones it has."""
    err = fail(capsys, "first-echelon-nodes", "--param", "site=mkg:Bone", "--release", str(release_dir))
    assert "has no parameter 'site'" in err and "primary" in err


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (["primary"], "'primary' is not of the form NAME=VALUE"),
        (["=mkg:Bone"], "is not of the form NAME=VALUE"),
        (["primary=mkg:Bone", "primary=mkg:Skin"], "parameter 'primary' is given twice"),
        (["primary=mkg:Bone", "primary_iri=mkg:Skin"], "parameter 'primary' is given twice"),
    ],
)
def test_malformed_or_repeated_param(capsys: pytest.CaptureFixture[str], params: list[str], message: str) -> None:
    """``--param`` must be NAME=VALUE, once per parameter."""
    argv = [x for p in params for x in ("--param", p)]
    assert message in fail(capsys, "first-echelon-nodes", *argv)


def test_hostile_iri_parameter_is_refused(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """An injection attempt through an IRI parameter stops before the release is even opened."""
    missing = str(tmp_path / "no-release")
    err = fail(capsys, "first-echelon-nodes", "--param", "primary=x> } ; DROP ALL ; #", "--release", missing)
    assert "parameter 'primary'" in err and "not an IRI" in err


def test_parameter_missing_from_select_is_explained(release_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Oxigraph binds only projected variables; the error says to list the parameter in SELECT."""
    text = "SELECT ?s WHERE { ?s ?p ?_x }"
    err = fail(capsys, text, "--param", "x=1", "--release", str(release_dir))
    assert "must be listed in the SELECT clause" in err


def test_missing_release_folder(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """A release folder that does not exist is named, with how to build one."""
    err = fail(capsys, "tnm-categories", "--release", str(tmp_path / "no-release"))
    assert "no-release: no such release folder" in err and "mkg build" in err


def test_folder_that_is_not_a_release(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """A folder without release.json is not taken for a release."""
    err = fail(capsys, "tnm-categories", "--release", str(tmp_path))
    assert "release.json is missing" in err


def test_release_without_dump(release_dir: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """A release whose kg.nq is gone names the missing file."""
    broken = tmp_path / "release"
    broken.mkdir()
    shutil.copy(release_dir / "release.json", broken / "release.json")
    err = fail(capsys, "tnm-categories", "--release", str(broken))
    assert "kg.nq" in err


def test_release_with_corrupt_dump(release_dir: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """A kg.nq that does not parse names the file instead of crashing."""
    broken = tmp_path / "release"
    broken.mkdir()
    shutil.copy(release_dir / "release.json", broken / "release.json")
    (broken / "kg.nq").write_text("<http://e/s> <http://e/p> .\n", encoding="utf-8")
    err = fail(capsys, "tnm-categories", "--release", str(broken))
    assert "kg.nq" in err and "cannot load" in err
