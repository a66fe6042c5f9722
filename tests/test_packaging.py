"""A plain (non-editable) ``pip install .`` carries the code and all its data: ontology, tables, queries, templates."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

PROBE = """
import json, sys
from pathlib import Path
import kg, server
from kg import resources
root = Path(kg.__file__).parent
files = {
    "kg": kg.__file__,
    "server": server.__file__,
    "ontology": resources.ontology_edit_file().is_file(),
    "tables": sorted(p.name for p in resources.tables_dir().glob("*.tsv")),
    "shapes": len(list(resources.shapes_dir().glob("*.ttl"))),
    "sources": sorted(p.name for p in resources.sources_dir().iterdir() if p.suffix in {".ttl", ".txt"}),
    "queries": len(list(resources.query_dir().glob("*.rq"))),
    "qc": len(list(resources.qc_query_dir().glob("*.rq"))),
    "templates": len(list((Path(server.__file__).parent / "templates").glob("*.html"))),
    "server_queries": len(list((Path(server.__file__).parent / "queries").glob("*.rq"))),
    "java": (root / "java" / "OntologyCheck.java").is_file(),
}
print(json.dumps(files))
"""


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project built as a wheel, from a copy of the checkout."""
    wheels = tmp_path_factory.mktemp("wheel")
    # setuptools writes build/lib and build/bdist.* next to the sources: build from a copy, not the checkout.
    source = tmp_path_factory.mktemp("source") / "metastasis-kg"
    shutil.copytree(
        ROOT, source, ignore=shutil.ignore_patterns(".git", ".venv", "build", "__pycache__", "*.egg-info", ".*cache")
    )
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "wheel", str(source), "--no-deps", "--no-build-isolation", "-w", str(wheels)], check=True)
    (built,) = wheels.glob("metastasis_kg-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel installed (without dependencies) into a folder of its own."""
    target = tmp_path_factory.mktemp("site")
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "install", "--no-deps", "--target", str(target), str(wheel)], check=True)
    return target


def test_the_wheel_carries_no_benchmark_code(wheel: Path) -> None:
    """The benchmarks (``benchmarks/``, their query mix) are a distribution of their own, never the product's."""
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
    assert any(n.startswith("kg/") for n in names) and any(n.startswith("server/") for n in names)
    bench = [n for n in names if n.startswith("benchmarks/") or "/bench/" in n or "bench" in n.rsplit("/", 1)[-1]]
    assert bench == []
    entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    with zipfile.ZipFile(wheel) as archive:
        assert "benchmarks" not in archive.read(entry_points).decode()


def _run(target: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(target)}
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, env=env, cwd=target, timeout=300)


def test_installed_package_carries_its_data(installed: Path) -> None:
    """Code is imported from the installed copy, and every data folder arrived with it."""
    result = _run(installed, "-c", PROBE)
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    assert found["kg"].startswith(str(installed)) and found["server"].startswith(str(installed))
    assert found["ontology"] and found["java"]
    assert found["tables"] == ["associations.tsv", "controlled_values.tsv", "statistic_groups.tsv", "statistics.tsv"]
    assert found["sources"] == ["lee-2020.txt", "sebald-2017.txt", "sources.ttl"]
    assert found["shapes"] >= 4 and found["queries"] >= 25 and found["qc"] >= 17
    assert found["templates"] >= 2 and found["server_queries"] >= 1


def test_installed_cli_runs_every_subcommand_parser_and_validates(installed: Path) -> None:
    """`mkg` from the wheel lists all subcommands and validates with the packaged shapes and ontology."""
    result = _run(installed, "-m", "kg.cli", "--help")
    assert result.returncode == 0, result.stderr
    for command in ("build", "validate", "query", "normalize", "serve", "publish"):
        assert command in result.stdout
    sources = installed / "kg" / "sources" / "sources.ttl"
    result = _run(installed, "-m", "kg.cli", "validate", str(sources))
    assert result.returncode == 0, result.stdout + result.stderr


def test_building_the_wheel_leaves_nothing_in_the_checkout(installed: Path) -> None:
    """The wheel build runs on a copy: the checkout gets no build/lib or build/bdist.* folders from the tests."""
    leftovers = [p.name for p in (ROOT / "build").glob("*") if p.name == "lib" or p.name.startswith("bdist.")]
    assert leftovers == []


def test_the_wheel_carries_the_vendored_browser_uis(wheel: Path) -> None:
    """YASGUI and Swagger UI are package data (the pages load them from /static/vendor/, never a CDN)."""
    vendor = ROOT / "server" / "static" / "vendor"
    installed = json.loads((vendor / "installed.json").read_text(encoding="utf-8"))
    manifest = json.loads((vendor / "vendor.json").read_text(encoding="utf-8"))
    expected = {"server/static/vendor/vendor.json", "server/static/vendor/installed.json"}
    for package in manifest["packages"]:
        expected |= {f"server/static/vendor/{package['folder']}/{name}" for name in installed[package["name"]]["files"]}
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    assert expected - names == set()
