"""``mkg serve`` start-up: the release it serves, ``--data`` files, and clear errors before anything starts."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import types
from pathlib import Path

import pytest
from serverkit import DATA, Server, build_release

import server.release
from kg.errors import UserError
from server.release import build_release_into
from server.serving.run import prepare_release


def _fake_build(monkeypatch: pytest.MonkeyPatch, build) -> None:  # type: ignore[no-untyped-def]
    module = types.ModuleType("kg.build")
    module.build_release = build  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "kg.build", module)


def test_missing_release_is_an_error_naming_the_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without --build a missing release is one error saying how to build it; nothing is built."""
    _fake_build(monkeypatch, lambda out: pytest.fail("nothing should be built without --build"))
    with pytest.raises(UserError, match=r"no release in .*mkg build --out") as caught:
        prepare_release(tmp_path / "release", build=False)
    assert str(tmp_path / "release") in str(caught.value)


def test_missing_release_is_built_with_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With --build and no release.json in the folder, kg.build.build_release is called for it first."""
    calls: list[Path] = []

    def build(out: Path) -> Path:
        calls.append(out)
        return build_release(out)

    _fake_build(monkeypatch, build)
    prepare_release(tmp_path / "release", build=True)
    assert calls == [tmp_path / "release"]


def test_existing_current_release_is_not_rebuilt(release_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A folder that already holds a release newer than its inputs is served as it is, even with --build."""
    _fake_build(monkeypatch, lambda out: pytest.fail("the release should not be rebuilt"))
    monkeypatch.setattr(server.release, "_build_inputs", lambda: [])
    prepare_release(release_dir, build=True)


def test_a_release_older_than_its_inputs_is_reported_or_rebuilt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A table changed after the build: a warning naming it without --build, a rebuild with it."""
    release = build_release(tmp_path / "release")
    table = tmp_path / "associations.tsv"
    table.write_text("changed\n")
    later = (release / "release.json").stat().st_mtime + 60
    os.utime(table, (later, later))
    monkeypatch.setattr(server.release, "_build_inputs", lambda: [table])
    calls: list[Path] = []
    _fake_build(monkeypatch, lambda out: calls.append(out) or build_release(out))
    prepare_release(release, build=False)
    warned = capsys.readouterr().err
    assert "warning: the release in" in warned and "associations.tsv" in warned
    assert calls == []
    prepare_release(release, build=True)
    assert calls == [release]


def test_failed_build_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A build that raises becomes one UserError naming the folder and the cause."""

    def build(out: Path) -> Path:
        raise RuntimeError("the ontology does not parse")

    _fake_build(monkeypatch, build)
    with pytest.raises(UserError, match="building the release failed: RuntimeError: the ontology does not parse"):
        build_release_into(tmp_path / "release")


def test_missing_build_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """When the build cannot be imported the error says the release cannot be built."""
    monkeypatch.setitem(sys.modules, "kg.build", None)
    with pytest.raises(UserError, match="cannot build the release") as caught:
        build_release_into(tmp_path / "release")
    assert str(tmp_path / "release") in str(caught.value)


def test_data_files_are_served_beside_the_release(start_server, release_dir) -> None:  # type: ignore[no-untyped-def]
    """--data adds a researcher's Turtle in its own named graph; queries see it with the release."""
    srv = start_server("--release", release_dir, "--data", DATA / "extra.ttl", "--workers", "1")
    try:
        query = "SELECT ?site WHERE { <https://example.org/lab/patient7> <https://example.org/lab/metastasisAt> ?s ."
        query += " ?s <http://www.w3.org/2000/01/rdf-schema#label> ?site }"
        rows = srv.get(query).json()["results"]["bindings"]
        assert [r["site"]["value"] for r in rows] == ["liver"]
        health = srv.request("GET", "/health").json()
        assert health["triples"] == 81
        assert health["graphs"]["urn:mkg:data:extra.ttl"] == 2
    finally:
        srv.stop()


def test_data_files_can_replace_the_release(start_server) -> None:  # type: ignore[no-untyped-def]
    """--no-release --data serves only the given files, quads keeping their own graphs."""
    srv = start_server("--no-release", "--data", DATA / "kg.trig", "--data", DATA / "extra.ttl", "--workers", "1")
    try:
        count = srv.get("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").json()["results"]["bindings"][0]["n"]
        assert count["value"] == "81"
        health = srv.request("GET", "/health").json()
        assert health["version"] is None
        assert health["graphs"]["https://w3id.org/metastasis-kg/graph/ontology"] == 37
    finally:
        srv.stop()


def test_release_files_are_served_with_the_default_relative_release(tmp_path: Path) -> None:
    """With `make run`'s defaults (a relative build/release), every release file and release.json answer 200."""
    build_release(tmp_path / "build" / "release")
    server = Server(["--workers", "1"], tmp_path / "server.log", cwd=tmp_path)
    try:
        for name in ("release.json", "kg.nq", "kg.ttl"):
            reply = server.request("GET", f"/releases/2025-01-31/{name}")
            assert reply.status == 200, (name, reply.status, reply.text)
        manifest = server.request("GET", "/releases/2025-01-31/release.json").json()
        assert manifest["version"] == "2025-01-31"
        assert server.request("GET", "/releases/2025-01-31/nothing.txt").status == 404
    finally:
        server.stop()


def _serve_fails(*options: str, cwd: Path | None = None) -> str:
    """Run ``mkg serve`` with ``options``; check it exits 2 without a traceback; its stderr."""
    run = subprocess.run(
        [sys.executable, "-m", "kg.cli", "serve", "--port", "0", *options],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=cwd,
    )
    assert run.returncode == 2, run.stderr
    assert "Traceback" not in run.stderr
    return run.stderr


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("broken.ttl", "<a:x> <a:y> .\n", "broken.ttl"),
        ("notes.docx", "whatever", "unknown RDF file type"),
    ],
)
def test_bad_data_file_stops_serve_with_a_clear_error(tmp_path: Path, name: str, content: str, message: str) -> None:
    """A data file that does not parse, or is no RDF, exits 2 with one line naming the file."""
    path = tmp_path / name
    path.write_text(content)
    assert message in _serve_fails("--no-release", "--data", str(path))


def test_data_files_are_checked_before_the_release(tmp_path: Path) -> None:
    """A bad --data file is reported first, even when the release is missing too: nothing is built."""
    path = tmp_path / "broken.ttl"
    path.write_text("<a:x> <a:y> .\n")
    stderr = _serve_fails("--release", str(tmp_path / "missing"), "--build", "--data", str(path))
    assert "broken.ttl" in stderr
    assert not (tmp_path / "missing").exists()


def test_serve_elsewhere_never_builds_there(tmp_path: Path) -> None:
    """Started in a folder with no release, mkg serve says where it looked and writes nothing there."""
    stderr = _serve_fails(cwd=tmp_path)
    assert f"no release in {tmp_path / 'build' / 'release'}" in stderr
    assert list(tmp_path.iterdir()) == []


def test_a_port_in_use_is_one_clear_error(tmp_path: Path, release_dir: Path) -> None:
    """A port another process holds is reported as one line naming --port."""
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = str(taken.getsockname()[1])
        run = subprocess.run(
            [sys.executable, "-m", "kg.cli", "serve", "--release", str(release_dir), "--port", port],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert "cannot listen on 127.0.0.1:" + port in run.stderr


def test_a_non_positive_queue_timeout_is_refused(tmp_path: Path) -> None:
    """``--queue-timeout 0`` is a usage error naming the setting, before anything starts."""
    data = tmp_path / "kg.nt"
    data.write_text("<http://x/a> <http://x/b> <http://x/c> .\n")
    assert "queue_timeout must be positive" in _serve_fails("--no-release", "--data", str(data), "--queue-timeout", "0")


def test_the_release_folder_is_resolved_once(tmp_path: Path) -> None:
    """read_release makes the folder absolute, so later working-folder changes cannot break file serving."""
    build_release(tmp_path / "r")
    here = Path.cwd()
    try:
        os.chdir(tmp_path)
        release = server.release.read_release(Path("r"))
    finally:
        os.chdir(here)
    assert release.folder.is_absolute() and release.folder == (tmp_path / "r").resolve()
    shutil.rmtree(tmp_path / "r")


def test_data_failing_the_shapes_is_served_with_a_warning(start_server, release_dir, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A --data file that breaks the KG's shapes (an association without source or quote) is served, and said."""
    data = tmp_path / "bad.ttl"
    data.write_text(
        "<https://w3id.org/metastasis-kg/fact/mine> a <https://w3id.org/metastasis-kg/SpreadAssociation> .\n"
    )
    srv = start_server("--release", release_dir, "--data", data, "--workers", "1")
    try:
        assert "warning: the --data files do not conform" in srv.log.read_text()
        assert srv.get("ASK { <https://w3id.org/metastasis-kg/fact/mine> ?p ?o }").json()["boolean"] is True
    finally:
        srv.stop()


def test_data_files_are_read_by_the_build_s_one_extension_table(tmp_path: Path) -> None:
    """`serve --data` knows every suffix `mkg validate` and the build know (kg's one table), with their graphs.

    Before the tables were folded, `--data x.json` (JSON-LD) and `.ntriples` were refused by serve and read by
    validate. Quad formats keep their own graphs; triple formats go to the file's own data graph.
    """
    from kg.inputs.rdfio import FORMATS
    from server.engine.dataset import data_graph_iri, plan_data_files

    content = {"json-ld": "{}", "xml": "<rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'/>"}
    for suffix, name in FORMATS.items():
        path = tmp_path / f"extra{suffix}"
        path.write_text(content.get(name, ""), encoding="utf-8")
        (planned,) = plan_data_files((path,))
        quads = name in {"nquads", "trig", "json-ld"}
        assert planned.graph == (None if quads else data_graph_iri(path)), suffix
    (tmp_path / "x.csv").write_text("a", encoding="utf-8")
    with pytest.raises(UserError, match=r"unknown RDF file type '\.csv'"):
        plan_data_files((tmp_path / "x.csv",))
