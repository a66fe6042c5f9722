"""``mkg serve`` start-up: building a missing release, serving ``--data`` files, and clear errors."""

from __future__ import annotations

import subprocess
import sys
import types
from pathlib import Path

import pytest
from serverkit import DATA, build_release

from kg.errors import UserError
from server.release import ensure_release


def _fake_build(monkeypatch: pytest.MonkeyPatch, build) -> None:  # type: ignore[no-untyped-def]
    module = types.ModuleType("kg.build")
    module.build_release = build  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "kg.build", module)


def test_missing_release_is_built_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With no release.json in the folder, kg.build.build_release is called for it before serving."""
    calls: list[Path] = []

    def build(out: Path) -> Path:
        calls.append(out)
        return build_release(out)

    _fake_build(monkeypatch, build)
    release = ensure_release(tmp_path / "release")
    assert calls == [tmp_path / "release"]
    assert release.version == "2025-01-31" and release.triples == 79


def test_existing_release_is_not_rebuilt(release_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A folder that already holds a release is served as it is."""
    _fake_build(monkeypatch, lambda out: pytest.fail("the release should not be rebuilt"))
    assert ensure_release(release_dir).fingerprint


def test_failed_build_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A build that raises becomes one UserError naming the folder and the cause."""

    def build(out: Path) -> Path:
        raise RuntimeError("the ontology does not parse")

    _fake_build(monkeypatch, build)
    with pytest.raises(UserError, match="building the release failed: RuntimeError: the ontology does not parse"):
        ensure_release(tmp_path / "release")


def test_missing_build_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """When the build cannot be imported the error says the release is missing and cannot be built."""
    monkeypatch.setitem(sys.modules, "kg.build", None)
    with pytest.raises(UserError, match="cannot build the missing release") as caught:
        ensure_release(tmp_path / "release")
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


def _serve_fails(data: Path, *options: str) -> str:
    """Run ``mkg serve`` on ``data`` with ``options``; check it exits 2 without a traceback; its stderr."""
    run = subprocess.run(
        [sys.executable, "-m", "kg.cli", "serve", "--no-release", "--data", str(data), "--port", "0", *options],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert run.returncode == 2
    assert "Traceback" not in run.stderr
    return run.stderr


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("broken.ttl", "<a:x> <a:y> .\n", "broken.ttl"),
        ("notes.docx", "whatever", "unknown RDF file extension"),
    ],
)
def test_bad_data_file_stops_serve_with_a_clear_error(tmp_path: Path, name: str, content: str, message: str) -> None:
    """A data file that does not parse, or is no RDF, exits 2 with one line naming the file."""
    path = tmp_path / name
    path.write_text(content)
    assert message in _serve_fails(path)


def test_a_negative_slow_query_threshold_is_refused(tmp_path: Path) -> None:
    """``--slow-query-ms -1`` is a usage error naming the setting, before anything starts."""
    data = tmp_path / "kg.nt"
    data.write_text("<http://x/a> <http://x/b> <http://x/c> .\n")
    assert "slow_query_ms must not be negative" in _serve_fails(data, "--slow-query-ms", "-1")
