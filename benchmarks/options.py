"""Command-line options of ``mkg bench`` (kept apart so ``mkg --help`` imports nothing heavy)."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

__all__ = ["DEFAULT_CONTENDERS", "add_options", "format_size", "parse_list", "parse_size", "parse_sizes"]

DEFAULT_CONTENDERS = (
    "oxigraph-memory,oxigraph-disk,rdflib-endpoint,flask-pyoxigraph,wsgi-granian,mkg,virtuoso,mkg-virtuoso"
)
_SIZE = re.compile(r"(\d+(?:\.\d+)?)([kKmM]?)")
_UNITS = {"": 1, "k": 1_000, "m": 1_000_000}


def parse_size(text: str) -> int:
    """Parse a size: ``10k`` -> 10000, ``1M`` -> 1000000, ``2500`` -> 2500."""
    match = _SIZE.fullmatch(text.strip())
    if match is None:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (use e.g. 10k, 100k, 1M)")
    return int(float(match.group(1)) * _UNITS[match.group(2).lower()])


def parse_sizes(text: str) -> list[int]:
    """Parse a comma-separated list of sizes, e.g. ``10k,100k,1M``."""
    return [parse_size(part) for part in text.split(",") if part.strip()]


def parse_list(text: str) -> list[str]:
    """Parse a comma-separated list of names."""
    return [part.strip() for part in text.split(",") if part.strip()]


def format_size(n: int) -> str:
    """Write the short label of a size: 1000000 -> ``1M``, 100000 -> ``100k``."""
    if n % 1_000_000 == 0:
        return f"{n // 1_000_000}M"
    if n % 1_000 == 0:
        return f"{n // 1_000}k"
    return str(n)


def _concurrency(text: str) -> list[int]:
    try:
        values = [int(p) for p in parse_list(text)]
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"not a list of client counts: {text!r}") from err
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError(f"client counts must be positive: {text!r}")
    return values


def add_options(p: argparse.ArgumentParser) -> None:
    """Declare the benchmark options."""
    p.add_argument(
        "--sizes",
        type=parse_sizes,
        default=parse_sizes("10k,100k,1M"),
        help="synthetic KG sizes in triples, e.g. 10k,100k,1M (10M only when asked; default: 10k,100k,1M)",
    )
    p.add_argument("--out", type=Path, default=Path("build/bench"), help="folder for results (default: %(default)s)")
    p.add_argument("--seed", type=int, default=1, help="seed of the KG generator (default: %(default)s)")
    p.add_argument(
        "--contenders",
        type=parse_list,
        default=parse_list(DEFAULT_CONTENDERS),
        help=f"servers to measure; the first reference is always started (default: {DEFAULT_CONTENDERS})",
    )
    p.add_argument("--concurrency", type=_concurrency, default=[1, 4, 16], help="client counts (default: 1,4,16)")
    p.add_argument(
        "--duration", type=float, default=3.0, help="seconds each workload runs per client count (default: 3)"
    )
    p.add_argument("--timeout", type=float, default=30.0, help="seconds a client waits for one answer (default: 30)")
    p.add_argument(
        "--startup-limit",
        type=float,
        default=900.0,
        help="seconds a server may take to load the KG and answer (default: 900)",
    )
    p.add_argument(
        "--rdflib-max-size",
        type=parse_size,
        default=parse_size("100k"),
        help="largest KG rdflib-endpoint is measured on: one analytic query takes minutes on it at 1M "
        "and blocks its event loop (default: 100k)",
    )
    p.add_argument(
        "--heavy-query",
        default="triples-per-graph",
        help="query run in a loop while selective queries are measured (default: %(default)s)",
    )
    p.add_argument(
        "--costs",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also measure build, SHACL validation and reasoning time against KG size (default: on)",
    )
    p.add_argument(
        "--cost-limit",
        type=float,
        default=90.0,
        help="seconds one build step may take at one size before it is reported as over the limit (default: 90)",
    )
    p.add_argument(
        "--cost-sizes",
        type=parse_sizes,
        default=parse_sizes("10k,100k"),
        help="sizes (among --sizes) at which build steps are timed; 1M takes about 8 minutes (default: 10k,100k)",
    )
    p.add_argument(
        "--publish",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also time `mkg publish` of each --publish-sizes KG into an empty Oxigraph server and Virtuoso"
        " (default: on)",
    )
    p.add_argument(
        "--publish-sizes",
        type=parse_sizes,
        default=parse_sizes("100k,1M"),
        help="KG sizes whose publish is timed; 10M when memory allows (default: 100k,1M)",
    )
    p.add_argument(
        "--publish-limit",
        type=float,
        default=1800.0,
        help="seconds one publish may take before it is reported as failed (default: 1800)",
    )
    p.add_argument(
        "--warmup",
        type=float,
        default=60.0,
        help="seconds at most of an untimed pass (every selective request once, one request of each analytic"
        " query, from as many clients as the largest --concurrency) before a server's first workload and"
        " after a restart; its time is reported; 0: none (default: 60)",
    )
    p.add_argument(
        "--cpu-requests",
        type=int,
        default=2000,
        help="selective requests, one client, after each server's workloads, to measure its CPU per request;"
        " the engine alone and a fixed-body WSGI app get the same requests, for the ceiling of a Python"
        " front (each pass stops after 20 s); 0: none (default: 2000)",
    )
    p.add_argument(
        "--report-only",
        action="store_true",
        help="measure nothing: re-render the tables (and --doc) from the results.json already in --out",
    )
    p.add_argument(
        "--doc",
        type=Path,
        help="Markdown file whose text between the bench markers becomes this run's tables (BENCHMARKS.md)",
    )
