"""The vendored browser UIs (``server/static/vendor/``) match their pins, and the check needs no network."""

from __future__ import annotations

import importlib.util
import json
import shutil
import urllib.request
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "vendor.py"


def _load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("vendor_script", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any attempt to open a URL fails the test."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"vendor.py --check opened a URL: {args!r}")

    monkeypatch.setattr(urllib.request, "urlopen", refuse)


def test_vendor_check_passes_without_network(offline: None, capsys: pytest.CaptureFixture[str]) -> None:
    """``scripts/vendor.py --check`` (run by the suite in place of a download) accepts the committed files offline."""
    assert _load_script().main(["--check"]) == 0, capsys.readouterr().err


def test_vendor_check_names_a_changed_file(
    offline: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A vendored file edited by hand (or half-downloaded) is reported by name, with exit 2."""
    script = _load_script()
    copy = tmp_path / "vendor"
    shutil.copytree(script.VENDOR, copy)
    (copy / "yasgui" / "yasgui.min.js").write_text("/* edited */", encoding="utf-8")
    monkeypatch.setattr(script, "VENDOR", copy)
    monkeypatch.setattr(script, "MANIFEST", copy / "vendor.json")
    monkeypatch.setattr(script, "INSTALLED", copy / "installed.json")
    assert script.main(["--check"]) == 2
    assert "yasgui/yasgui.min.js: changed since it was vendored" in capsys.readouterr().err


def test_every_vendored_package_carries_a_licence() -> None:
    """Each UI ships with its licence text beside it (the wheel redistributes them)."""
    installed = json.loads((ROOT / "server" / "static" / "vendor" / "installed.json").read_text(encoding="utf-8"))
    manifest = json.loads((ROOT / "server" / "static" / "vendor" / "vendor.json").read_text(encoding="utf-8"))
    for package in manifest["packages"]:
        licence = ROOT / "server" / "static" / "vendor" / package["folder"] / "LICENSE"
        assert "LICENSE" in installed[package["name"]]["files"] and licence.is_file(), package["name"]
        assert package["licence"].split("-")[0] in licence.read_text(encoding="utf-8"), package["name"]
