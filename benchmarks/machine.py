"""A description of the machine and software a benchmark ran on, for the report and BENCHMARKS.md.

Ratios are comparable across machines only roughly; the table is meaningless without the CPU, core
count, memory and the versions of the servers it compared.
"""

from __future__ import annotations

import os
import platform
import subprocess
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

__all__ = ["describe_machine", "memory_available"]

_PACKAGES = (
    "pyoxigraph",
    "oxigraph",
    "rdflib",
    "rdflib-endpoint",
    "uvicorn",
    "pyshacl",
    "flask",
    "waitress",
    "granian",
)


def _meminfo(field: str) -> int | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            key, _, rest = line.partition(":")
            if key == field:
                return int(rest.split()[0]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def memory_available() -> int | None:
    """Bytes of memory the kernel says new processes can still use (MemAvailable)."""
    return _meminfo("MemAvailable")


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.partition(":")[2].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _oxigraph_cli(executable: str | None) -> str | None:
    if executable is None:
        return None
    try:
        done = subprocess.run([executable, "--version"], capture_output=True, text=True, timeout=10, check=False)
    except OSError:
        return None
    return done.stdout.strip() or None


def describe_machine(oxigraph_executable: str | None = None) -> dict[str, object]:
    """Collect CPU, cores, memory, OS and package versions."""
    versions: dict[str, str | None] = {}
    for name in _PACKAGES:
        try:
            versions[name] = version(name)
        except PackageNotFoundError:
            versions[name] = None
    total = _meminfo("MemTotal")
    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "memory_gib": round(total / 2**30, 1) if total else None,
        "os": platform.platform(),
        "python": platform.python_version(),
        "oxigraph_cli": _oxigraph_cli(oxigraph_executable),
        "packages": versions,
    }
