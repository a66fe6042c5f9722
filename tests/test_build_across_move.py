"""The release's bytes did not change when kg/ was laid out in stage folders (issue 16).

The move was meant to change where code lives, not what it writes. This test checks out the last commit before the
move with ``git worktree`` and builds the real tables and ontology of this tree twice, with that commit's code and
with this tree's, and compares every file byte for byte. A file whose writer was replaced on purpose since is
listed in ``REWRITTEN`` and compared as a graph instead (its digest in ``release.json`` aside). When another output
change is intended later, the test fails and names the files: list them there, saying why.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from kg.release.files import MANIFEST

ROOT = Path(__file__).resolve().parent.parent
# The last commit with the flat kg/ (the move is its child, 8a43869).
BEFORE_MOVE = "b8ee66921dc699fd34bd67fcd4c30178cd477e3d"

# File -> why its bytes may differ from the flat layout's (then it must be the same graph).
REWRITTEN = {"metastasis-kg.owl": "RDF/XML by pyoxigraph's writer instead of kg/rdfxml.py (issue 16)"}

pytestmark = [pytest.mark.slow, pytest.mark.reasoner]


def _git(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True, timeout=120)


def _build(code: Path, out: Path) -> None:
    """``mkg build`` with the code under ``code`` on this tree's tables and ontology."""
    env = {**os.environ, "PYTHONPATH": str(code)}
    command = [
        sys.executable, "-m", "kg.cli", "build", "--out", str(out), "--version-date", "2026-01-01",
        "--tables", str(ROOT / "kg" / "tables"), "--ontology", str(ROOT / "ontology" / "metastasis-kg-edit.ttl"),
    ]  # fmt: skip
    result = subprocess.run(command, cwd=code, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr


def test_build_output_is_byte_identical_to_the_flat_layout(tmp_path: Path) -> None:
    """Every release file built by the pre-move code equals, byte for byte, the one this tree's code builds.

    The files in ``REWRITTEN`` hold the same graph; ``release.json`` differs only in their digests.
    """
    if shutil.which("git") is None:
        pytest.skip("git is not installed: the pre-move commit cannot be checked out")
    if _git("cat-file", "-e", f"{BEFORE_MOVE}^{{commit}}").returncode != 0:
        pytest.skip(f"commit {BEFORE_MOVE[:7]} is not in this checkout (no git history or a shallow clone)")
    before = tmp_path / "before"
    added = _git("worktree", "add", "--detach", str(before), BEFORE_MOVE)
    assert added.returncode == 0, added.stderr
    try:
        assert not (before / "kg" / "inputs").exists()  # really the flat layout
        _build(before, tmp_path / "release-before")
        _build(ROOT, tmp_path / "release-after")
    finally:
        _git("worktree", "remove", "--force", str(before))
    old = {p.name: p.read_bytes() for p in (tmp_path / "release-before").iterdir()}
    new = {p.name: p.read_bytes() for p in (tmp_path / "release-after").iterdir()}
    assert sorted(new) == sorted(old)
    assert [name for name in sorted(old) if old[name] != new[name] and name not in {*REWRITTEN, MANIFEST}] == []
    for name in REWRITTEN:
        before_graph = Graph().parse(data=old[name], format="xml")
        assert isomorphic(before_graph, Graph().parse(data=new[name], format="xml")), name
    manifests = [json.loads(m[MANIFEST]) for m in (old, new)]
    for manifest in manifests:
        for name in REWRITTEN:
            del manifest["files"][name]
    assert manifests[0] == manifests[1]
