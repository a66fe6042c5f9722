"""The release folder as the server sees it: its manifest, its N-Quads dump, and a build when missing.

The folder contract is in ``docs/ARCHITECTURE.md``; this module reads only what the server needs and
fails with a :class:`~kg.errors.UserError` naming the file when the folder does not honour it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kg.errors import UserError
from kg.release import read_manifest

__all__ = ["MANIFEST", "Release", "ensure_release", "read_release"]

MANIFEST = "release.json"
_DUMPS = ("kg.nq", "kg.trig")
_PREFIX_LINE = re.compile(r"^\s*@prefix\s+([A-Za-z][\w.-]*)?:\s*<([^<>\s]*)>\s*\.\s*$")


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

    def prefixes(self) -> dict[str, str]:
        """Prefixes declared at the top of the release's Turtle dump, for the query page's editor."""
        found: dict[str, str] = {}
        for name in ("kg.ttl", "metastasis-kg.ttl", "kg.trig"):
            path = self.folder / name
            if not path.is_file():
                continue
            with path.open(encoding="utf-8") as handle:
                for line in handle:
                    if not line.strip() or line.lstrip().startswith("#"):
                        continue
                    match = _PREFIX_LINE.match(line)
                    if match is None:
                        break
                    found.setdefault(match.group(1) or "", match.group(2))
        return found


def _require(manifest: dict[str, Any], key: str, kind: type, path: Path) -> Any:
    value = manifest.get(key)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise UserError(f"manifest field '{key}' must be a {kind.__name__}, got {value!r}", path=path)
    return value


def read_release(folder: Path) -> Release:
    """Read and check ``release.json`` and find the dump the store loads (N-Quads preferred)."""
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


def ensure_release(folder: Path) -> Release:
    """Read the release, building it first with ``kg.build.build_release`` when it is missing."""
    if not (folder / MANIFEST).is_file():
        print(f"mkg serve: no release in {folder}; building it first", flush=True)
        try:
            from kg.build import build_release
        except ImportError as err:
            raise UserError(
                f"cannot build the missing release: the build is not available ({err})", path=folder
            ) from err
        try:
            folder = Path(build_release(folder))
        except UserError:
            raise
        except Exception as err:
            raise UserError(f"building the release failed: {type(err).__name__}: {err}", path=folder) from err
    return read_release(folder)
