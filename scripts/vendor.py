"""Vendor the browser UIs (YASGUI, Swagger UI) from npm into ``server/static/vendor/``: ``make vendor``.

The pages must work offline and load nothing from a CDN, so the UIs are package data. This script is
the only way they get there: it downloads each tarball named in ``server/static/vendor/vendor.json``
from the npm registry, checks it against the registry's own ``dist.integrity`` (SRI, sha512) before
unpacking anything, copies the listed files, and records their SHA-256 in ``installed.json``. A package
whose tarball carries no licence file (YASGUI's does not) gets one written from the licence and authors
its ``package.json`` declares, and says so. ``--check`` verifies the installed files against
``installed.json`` and the pins without any network (the test suite runs it).

Standard library only, so it runs before the project is installed.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import json
import sys
import tarfile
import urllib.request
from pathlib import Path
from typing import Any

VENDOR = Path(__file__).resolve().parent.parent / "server" / "static" / "vendor"
MANIFEST = VENDOR / "vendor.json"
INSTALLED = VENDOR / "installed.json"
REGISTRY = "https://registry.npmjs.org/"

_MIT = """MIT License

Copyright (c) {holders}

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
"""


class VendorError(Exception):
    """A one-line reason the vendored files cannot be installed or do not match their pins."""


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _check_integrity(data: bytes, integrity: str, what: str) -> None:
    algorithm, _, expected = integrity.partition("-")
    if algorithm != "sha512":
        raise VendorError(f"{what}: only sha512 integrity is supported, got {algorithm!r}")
    actual = base64.b64encode(hashlib.sha512(data).digest()).decode()
    if actual != expected:
        raise VendorError(f"{what}: the tarball's sha512 is {actual}, the pin says {expected}: not installed")


def _download(url: str) -> bytes:
    if not url.startswith(REGISTRY):
        raise VendorError(f"{url}: tarballs come from {REGISTRY} only")
    try:
        with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310 (https registry URL checked above)
            data: bytes = response.read()
            return data
    except OSError as err:
        raise VendorError(f"{url}: cannot download: {err}") from err


def _licence_from_package_json(package_json: bytes, name: str) -> bytes:
    meta = json.loads(package_json)
    if meta.get("license") != "MIT":
        raise VendorError(f"{name}: no licence file in the tarball and package.json's licence is not MIT")
    people = [meta.get("author"), *(meta.get("contributors") or [])]
    holders = []
    for person in people:
        if isinstance(person, dict):
            person = person.get("name")
        if isinstance(person, str) and person.strip():
            holders.append(person.split("<")[0].strip())
    note = (
        f"[Written by scripts/vendor.py: the npm tarball of {name} {meta['version']} carries no licence file;"
        f' its package.json declares "license": "MIT" with these authors. Upstream: {meta.get("homepage", "")}]\n\n'
    )
    return (note + _MIT.format(holders=", ".join(holders))).encode()


def install(manifest: dict[str, Any]) -> dict[str, Any]:
    """Download, verify and unpack every package; return what ``installed.json`` records."""
    record: dict[str, Any] = {}
    for package in manifest["packages"]:
        name = package["name"]
        data = _download(package["tarball"])
        _check_integrity(data, package["integrity"], name)
        folder = VENDOR / package["folder"]
        folder.mkdir(parents=True, exist_ok=True)
        files: dict[str, str] = {}
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
            for source, target in package["files"].items():
                member = tar.extractfile(source)
                if member is None:
                    raise VendorError(f"{name}: {source} is not in the tarball")
                content = member.read()
                (folder / target).write_bytes(content)
                files[target] = _sha256(content)
        if "LICENSE" not in files:
            licence = _licence_from_package_json((folder / "package.json").read_bytes(), name)
            (folder / "LICENSE").write_bytes(licence)
            files["LICENSE"] = _sha256(licence)
        record[name] = {"version": package["version"], "integrity": package["integrity"], "files": files}
    return record


def check(manifest: dict[str, Any]) -> list[str]:
    """Why the installed files differ from their pins and recorded digests; empty when they match."""
    if not INSTALLED.is_file():
        return [f"{INSTALLED.name} is missing: run make vendor"]
    installed = json.loads(INSTALLED.read_text(encoding="utf-8"))
    problems = []
    for package in manifest["packages"]:
        name = package["name"]
        got = installed.get(name)
        if got is None or got["version"] != package["version"] or got["integrity"] != package["integrity"]:
            problems.append(f"{name}: installed files are not those of {package['version']}: run make vendor")
            continue
        folder = VENDOR / package["folder"]
        for target, digest in got["files"].items():
            path = folder / target
            if not path.is_file():
                problems.append(f"{path.relative_to(VENDOR)}: missing: run make vendor")
            elif _sha256(path.read_bytes()) != digest:
                problems.append(f"{path.relative_to(VENDOR)}: changed since it was vendored: run make vendor")
        if "LICENSE" not in got["files"]:
            problems.append(f"{name}: no licence file recorded")
    return problems


def main(argv: list[str] | None = None) -> int:
    """``vendor.py`` installs; ``vendor.py --check`` verifies offline. Exit 2 with one line on failure."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="verify the installed files, no network")
    args = parser.parse_args(argv)
    manifest = json.loads(MANIFEST.read_text(encoding="utf-8"))
    if args.check:
        problems = check(manifest)
        for problem in problems:
            print(f"vendor: {problem}", file=sys.stderr)
        return 2 if problems else 0
    try:
        record = install(manifest)
    except VendorError as err:
        print(f"vendor: {err}", file=sys.stderr)
        return 2
    INSTALLED.write_text(json.dumps(record, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    for name, entry in record.items():
        print(f"vendored {name} {entry['version']}: {', '.join(sorted(entry['files']))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
