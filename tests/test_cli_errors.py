"""Every `mkg` failure the user can fix is one line and exit status 2: file-system errors, deep nesting."""

from __future__ import annotations

import argparse
import errno
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kg import cli
from kg.resources import ontology_edit_file


def test_a_file_system_error_in_any_command_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """An OSError no command turned into a UserError (a full disk, say) still prints one line, exit 2."""
    import kg.library.query

    def full(args: argparse.Namespace) -> int:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), "out.tsv")

    monkeypatch.setattr(kg.library.query, "run_query", full)
    assert cli.main(["query", "--list"]) == 2
    assert capsys.readouterr().err == "mkg query: error: out.tsv: No space left on device\n"


def test_deep_nesting_is_a_clear_message_not_a_recursion_error(tmp_path: Path) -> None:
    """An ontology with blank nodes nested 20000 deep stops the build with one line naming the cause."""
    depth = 20000
    path = tmp_path / "deep.ttl"
    nested = "[ <http://example.org/p> " * depth + '"x"' + " ]" * depth
    path.write_text(
        ontology_edit_file().read_text(encoding="utf-8")
        + f"\n<https://w3id.org/metastasis-kg/Bone> <http://www.w3.org/2000/01/rdf-schema#comment> {nested} .\n",
        encoding="utf-8",
    )
    result = subprocess.run(
        [sys.executable, "-m", "kg.cli", "build", "--out", str(tmp_path / "out"), "--ontology", str(path)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("mkg build: error: the input nests blank nodes, lists or brackets too deeply")
    assert "Traceback" not in result.stderr and "maximum recursion depth" not in result.stderr
    assert not (tmp_path / "out").exists()
