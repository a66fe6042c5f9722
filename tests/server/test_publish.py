"""``mkg publish``: a release loaded into a real engine by the Graph Store Protocol.

Each graph is named for its version, a front over it shows the release's own graph names, and a failure
names its step.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
from serverkit import BASE_IRI, DUMP_QUERY, GRAPH, Server, build_release, expected_dump, versioned_graphs

from benchmarks.engines import OxigraphServer, Virtuoso, missing

_MKG = [sys.executable, "-m", "kg.cli"]


def _publish(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*_MKG, "publish", *args], capture_output=True, text=True, timeout=900, check=False, env=env or os.environ
    )


def _front(release: Path, engine: str, log: Path) -> Server:
    return Server(["--release", str(release), "--engine", engine, "--workers", "1"], log)


def test_publish_to_the_oxigraph_server_and_serve_it(release_dir: Path, tmp_path: Path) -> None:
    """Each graph lands as <graph>/release/<version>; the front maps them back; --drop removes them."""
    if missing("oxigraph"):
        pytest.skip(missing("oxigraph"))
    engine = OxigraphServer(tmp_path / "oxigraph")
    try:
        done = _publish(str(release_dir), "--to", engine.store_url)
        assert done.returncode == 0, done.stderr
        front = _front(release_dir, engine.query_url, tmp_path / "front.log")
        try:
            assert front.dump() == expected_dump()
            graphs = {line.split("\t")[0] for line in expected_dump()}
            assert all("/release/" not in g for g in graphs)
        finally:
            front.stop()
        assert _publish(str(release_dir), "--to", engine.store_url, "--drop", "2025-01-31").returncode == 0
        after = _front(release_dir, engine.query_url, tmp_path / "after.log")
        try:
            reply = after.post_form([("query", DUMP_QUERY)], "text/tab-separated-values")
            assert reply.text.splitlines()[1:] == [], "the dropped version's graphs should be gone"
        finally:
            after.stop()
    finally:
        engine.stop()


def test_a_new_version_loads_beside_the_served_one(release_dir: Path, tmp_path: Path) -> None:
    """Publishing the next release leaves the graphs a running front reads untouched until it moves on."""
    if missing("oxigraph"):
        pytest.skip(missing("oxigraph"))
    engine = OxigraphServer(tmp_path / "oxigraph")
    try:
        assert _publish(str(release_dir), "--to", engine.store_url).returncode == 0
        front = _front(release_dir, engine.query_url, tmp_path / "front.log")
        try:
            newer = build_release(tmp_path / "newer")
            manifest = (newer / "release.json").read_text().replace("2025-01-31", "2025-02-28")
            (newer / "release.json").write_text(manifest)
            assert _publish(str(newer), "--to", engine.store_url).returncode == 0
            assert front.dump() == expected_dump()
        finally:
            front.stop()
    finally:
        engine.stop()


def test_publish_to_virtuoso_with_credentials_from_the_environment(virtuoso_engine: Virtuoso, tmp_path: Path) -> None:
    """Virtuoso's authenticated Graph Store endpoint takes the release; wrong credentials fail, naming the step.

    On the session's shared Virtuoso, under a version of this test's own, dropped at the end.
    """
    engine = virtuoso_engine
    release = build_release(tmp_path / "release")
    (release / "release.json").write_text((release / "release.json").read_text().replace("2025-01-31", "2030-06-01"))
    store = engine.store_url
    wrong = _publish(
        str(release), "--to", store, env={**os.environ, "MKG_ENGINE_USER": "dba", "MKG_ENGINE_PASSWORD": "no"}
    )
    assert wrong.returncode == 2 and "Traceback" not in wrong.stderr
    assert "loading graph" in wrong.stderr and "401" in wrong.stderr
    assert "no" not in wrong.stderr.split("error:")[-1].split(), "the password must not be printed"
    env = {**os.environ, "MKG_ENGINE_USER": engine.user, "MKG_ENGINE_PASSWORD": engine.password}
    done = _publish(str(release), "--to", store, env=env)
    assert done.returncode == 0, done.stderr
    assert versioned_graphs(engine, "2030-06-01") == json.loads((release / "release.json").read_text())["graphs"]
    front = _front(release, engine.query_url, tmp_path / "front.log")
    try:
        assert front.dump() == expected_dump()
    finally:
        front.stop()
        _publish(str(release), "--to", store, "--drop", "2030-06-01", env=env)


def test_an_unreachable_store_is_one_clear_error(release_dir: Path) -> None:
    """No engine at the URL: exit 2, one line naming the step, no traceback."""
    done = _publish(str(release_dir), "--to", "http://127.0.0.1:9/store")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "cannot reach the store" in done.stderr


def test_a_large_release_publishes_through_virtuoso_digest_endpoint(tmp_path: Path) -> None:
    """A release of 150,000 triples loads through ``/sparql-graph-crud-auth`` (HTTP digest authentication).

    Virtuoso answers an unauthenticated PUT with 401 before reading its body and resets the connection once
    the body outgrows the socket buffers, so a client that sends the body first and the credentials on the
    retry fails with a broken pipe: the credentials must go with the first PUT.

    The test has a Virtuoso of its own, stopped rather than emptied: Virtuoso 7.2 takes minutes to delete a
    graph this size (measured 2026-12-07, idle machine: GSP DELETE 229 s, ``DROP GRAPH`` with
    ``sql:log-enable 3`` 90 s, against 3.6 s to load it), and on the session's shared engine that stalled
    every later test's queries.
    """
    reason = missing("virtuoso")
    if reason:
        pytest.skip(reason)
    engine = Virtuoso(tmp_path / "virtuoso")
    try:
        graph = ox.NamedNode(GRAPH + "large")
        label = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
        extra = [
            ox.Quad(ox.NamedNode(f"{BASE_IRI}large/{i}"), label, ox.Literal(f"synthetic label number {i:07d}"), graph)
            for i in range(150_000)
        ]
        release = build_release(tmp_path / "release", extra)
        manifest = json.loads((release / "release.json").read_text())
        env = {**os.environ, "MKG_ENGINE_USER": engine.user, "MKG_ENGINE_PASSWORD": engine.password}
        done = _publish(str(release), "--to", engine.store_url, env=env)
        assert done.returncode == 0, done.stderr
        assert versioned_graphs(engine, manifest["version"]) == manifest["graphs"]
    finally:
        engine.stop()
