"""The release folder as the server sees it: its manifest, its N-Quads dump, and a build when missing.

The folder contract is in ``docs/ARCHITECTURE.md``; this module reads only what the server needs and
fails with a :class:`~kg.errors.UserError` naming the file when the folder does not honour it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kg.errors import UserError
from kg.release.files import read_manifest

__all__ = ["MANIFEST", "Release", "build_release_into", "read_release", "stale_inputs"]

MANIFEST = "release.json"
_DUMPS = ("kg.nq", "kg.trig")


@dataclass(frozen=True)
class Release:
    """What the manifest promises: graph sizes, version and a fingerprint the ETags are tied to."""

    folder: Path
    version: str
    base_iri: str
    graphs: dict[str, int]
    triples: int
    fingerprint: str
    dump: Path


def _require(manifest: dict[str, Any], key: str, kind: type, path: Path) -> Any:
    value = manifest.get(key)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise UserError(f"manifest field '{key}' must be a {kind.__name__}, got {value!r}", path=path)
    return value


def read_release(folder: Path) -> Release:
    """Read and check ``release.json`` and find the dump the store loads (N-Quads preferred).

    The folder is made absolute here, once, so serving its files never depends on a later working folder.
    """
    folder = folder.resolve()
    path = folder / MANIFEST
    manifest = read_manifest(folder)
    graphs = _require(manifest, "graphs", dict, path)
    for iri, count in graphs.items():
        if not isinstance(count, int) or isinstance(count, bool) or count < 0:
            raise UserError(f"graph {iri} has an invalid triple count {count!r}", path=path, field="graphs")
    dump = next((folder / name for name in _DUMPS if (folder / name).is_file()), None)
    if dump is None:
        raise UserError(f"the release has none of {', '.join(_DUMPS)} to load", path=folder)
    return Release(
        folder=folder,
        version=_require(manifest, "version", str, path),
        base_iri=_require(manifest, "base_iri", str, path),
        graphs={str(iri): int(count) for iri, count in graphs.items()},
        triples=_require(manifest, "triples", int, path),
        fingerprint=_require(manifest, "fingerprint", str, path),
        dump=dump,
    )


def _build_inputs() -> list[Path]:
    """The files a release is built from: the ontology edit file, the tables, shapes and cross-references."""
    from kg import resources

    found = [resources.ontology_edit_file()]
    for folder in (resources.tables_dir(), resources.shapes_dir(), resources.sources_dir()):
        found += sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    xrefs = resources.tables_dir().parent / "xrefs.tsv"
    if xrefs.is_file():
        found.append(xrefs)
    return found


def stale_inputs(folder: Path) -> list[Path]:
    """The build inputs changed since the release in ``folder`` was written (newest first)."""
    try:
        built = (folder / MANIFEST).stat().st_mtime
    except OSError:
        return []
    newer = [(p.stat().st_mtime, p) for p in _build_inputs() if p.stat().st_mtime > built]
    return [p for _, p in sorted(newer, reverse=True)]


def build_release_into(folder: Path) -> Release:
    """Build the packaged inputs into ``folder`` with ``kg.build`` and read the result."""
    try:
        from kg.build import build_release
    except ImportError as err:
        raise UserError(f"cannot build the release: the build is not available ({err})", path=folder) from err
    try:
        built = Path(build_release(folder))
    except UserError:
        raise
    except Exception as err:
        raise UserError(f"building the release failed: {type(err).__name__}: {err}", path=folder) from err
    return read_release(built)
