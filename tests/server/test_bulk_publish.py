"""``mkg publish --to virtuoso+isql://HOST:PORT``: a release through Virtuoso's bulk loader, on the session's Virtuoso.

The same versioned graph names as the Graph Store path, so a front started on the release finds them; a
failed load names its step and leaves what was served as it was. The password reaches ``isql`` through
a terminal, never its command line. Each test publishes a version of its own and drops it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from serverkit import Server, build_release, expected_dump, versioned_graphs

from benchmarks.engines import Virtuoso

_MKG = [sys.executable, "-m", "kg.cli", "publish"]


def _release(folder: Path, version: str) -> Path:
    """The fixture release stamped ``version``."""
    release = build_release(folder)
    manifest = (release / "release.json").read_text().replace("2025-01-31", version)
    (release / "release.json").write_text(manifest)
    return release


def _publish(engine: Virtuoso, *args: str, password: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MKG_ENGINE_USER": engine.user, "MKG_ENGINE_PASSWORD": password or engine.password}
    return subprocess.run(
        [*_MKG, *args, "--to", f"virtuoso+isql://127.0.0.1:{engine.sql_port}"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        env=env,
    )


def test_bulk_publish_serves_the_release_and_drops_it(virtuoso_engine: Virtuoso, tmp_path: Path) -> None:
    """The bulk loader loads each graph as <graph>/release/<version>, and a front serves them.

    The front shows the release's own graph names; the load folder is emptied; a second publish of the
    same version is refused; --drop removes the graphs.
    """
    release = _release(tmp_path / "release", "2030-01-01")
    load_dir = virtuoso_engine.load_dir / "bulk-ok"
    done = _publish(virtuoso_engine, str(release), "--load-dir", str(load_dir))
    assert done.returncode == 0, done.stderr
    assert (
        versioned_graphs(virtuoso_engine, "2030-01-01") == json.loads((release / "release.json").read_text())["graphs"]
    )
    assert list(load_dir.iterdir()) == [], "the files written for the loader should be removed"
    front = Server(
        ["--release", str(release), "--engine", virtuoso_engine.query_url, "--workers", "1"], tmp_path / "front.log"
    )
    try:
        assert front.dump() == expected_dump()
    finally:
        front.stop()
    again = _publish(virtuoso_engine, str(release), "--load-dir", str(load_dir))
    assert again.returncode == 2 and "in the store already" in again.stderr and "Traceback" not in again.stderr
    dropped = _publish(virtuoso_engine, str(release), "--drop", "2030-01-01")
    assert dropped.returncode == 0, dropped.stderr
    assert versioned_graphs(virtuoso_engine, "2030-01-01") == {}


def test_a_failed_bulk_load_names_its_step_and_leaves_the_served_release(
    virtuoso_engine: Virtuoso, tmp_path: Path
) -> None:
    """A failed load names its step, removes the graphs it began to fill, and the served release still answers.

    Virtuoso is pointed at another folder, where one graph's file is broken, so the loader fills one
    graph and fails on the next; a folder it cannot list fails in the ld_dir step.
    """
    served = _release(tmp_path / "served", "2030-02-01")
    assert _publish(virtuoso_engine, str(served), "--load-dir", str(virtuoso_engine.load_dir / "a")).returncode == 0
    front = Server(
        ["--release", str(served), "--engine", virtuoso_engine.query_url, "--workers", "1"], tmp_path / "front.log"
    )
    try:
        newer = _release(tmp_path / "newer", "2030-03-01")
        seen = virtuoso_engine.load_dir / "seen-by-virtuoso"
        (seen / "mkg-2030-03-01").mkdir(parents=True)
        (seen / "mkg-2030-03-01" / "graph-0.nt").write_text('<urn:a> <urn:b> "loaded first" .\n')
        (seen / "mkg-2030-03-01" / "graph-1.nt").write_text("<urn:a> <urn:b \n")
        failed = _publish(
            virtuoso_engine,
            str(newer),
            "--load-dir",
            str(tmp_path / "ours"),
            "--engine-load-dir",
            str(seen),
        )
        assert failed.returncode == 2 and "Traceback" not in failed.stderr
        assert "loading (rdf_loader_run)" in failed.stderr and "graph-1.nt" in failed.stderr, failed.stderr
        assert versioned_graphs(virtuoso_engine, "2030-03-01") == {}, "a failed load must leave none of its graphs"
        assert front.dump() == expected_dump()
        missing_dir = _publish(
            virtuoso_engine, str(newer), "--load-dir", str(tmp_path / "ours"), "--engine-load-dir", "/no/such/dir"
        )
        assert missing_dir.returncode == 2 and "ld_dir" in missing_dir.stderr, missing_dir.stderr
        assert front.dump() == expected_dump()
    finally:
        front.stop()
        _publish(virtuoso_engine, str(served), "--drop", "2030-02-01")


def test_bulk_publish_refused_credentials_name_the_step_and_stay_secret(
    virtuoso_engine: Virtuoso, tmp_path: Path
) -> None:
    """A wrong password is one line naming the step, without the password; a missing --load-dir is a usage error."""
    release = _release(tmp_path / "release", "2030-04-01")
    wrong = _publish(virtuoso_engine, str(release), "--load-dir", str(tmp_path / "d"), password="not-the-password")  # noqa: S106
    assert wrong.returncode == 2 and "Traceback" not in wrong.stderr
    assert "checking the store" in wrong.stderr and "refused the credentials" in wrong.stderr
    assert "not-the-password" not in wrong.stderr
    no_dir = _publish(virtuoso_engine, str(release))
    assert no_dir.returncode == 2 and "--load-dir" in no_dir.stderr


def test_the_password_never_reaches_a_command_line(virtuoso_engine: Virtuoso, monkeypatch: pytest.MonkeyPatch) -> None:
    """The isql client is given the password at its terminal prompt: no argument of the child process holds it."""
    from server.engine import isql as isql_module

    seen: list[list[str]] = []
    real = isql_module.subprocess.Popen

    def recording(args: list[str], **kwargs: object) -> subprocess.Popen[bytes]:
        seen.append(list(args))
        return real(args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(isql_module.subprocess, "Popen", recording)
    client = isql_module.Isql(
        isql_module.find_isql(), f"127.0.0.1:{virtuoso_engine.sql_port}", "dba", virtuoso_engine.password
    )
    assert client.run("SELECT 40 + 2;\n", "adding").split() == ["42"]
    assert seen and all(virtuoso_engine.password not in arg for arg in seen[0])
