"""The code stays ruff-clean, ruff-formatted and mypy-clean: CI fails on the first regression."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def _tool(name: str) -> str:
    found = shutil.which(name, path=str(BIN)) or shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed: `pip install -e '.[dev]'` installs it")
    return found


@pytest.mark.parametrize(
    "command",
    [
        ["ruff", "check", "kg", "server", "tests", "benchmarks", "scripts", "conftest.py"],
        ["ruff", "format", "--check", "kg", "server", "tests", "benchmarks", "scripts", "conftest.py"],
        ["mypy"],
    ],
    ids=["ruff-check", "ruff-format", "mypy"],
)
def test_code_passes(command: list[str]) -> None:
    """Ruff (lint rules incl. docstrings), ruff format and mypy report nothing."""
    result = subprocess.run([_tool(command[0]), *command[1:]], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
