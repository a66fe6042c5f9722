"""``scripts/screenshots.py`` (``make screenshots``) refuses cleanly, and the README shows what it writes."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_screenshots_without_a_release_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """No release at ``--release``: exit 2 with one line naming it, before any server or browser starts."""
    spec = importlib.util.spec_from_file_location("screenshots_script", ROOT / "scripts" / "screenshots.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(["--release", str(tmp_path), "--out", str(tmp_path / "img")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "no release there" in err
    assert not (tmp_path / "img").exists()


def test_the_readme_shows_every_screenshot_the_script_writes() -> None:
    """Each picture in docs/img/ that the script takes is in the README, and each one shown exists."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    shown = set(re.findall(r"\]\((docs/img/[\w-]+\.png)\)", readme))
    assert shown == {f"docs/img/{name}.png" for name in ("home", "result", "term", "api")}
    for path in shown:
        assert (ROOT / path).stat().st_size > 10_000, path
