"""``mkg bench``: benchmarks against reference servers measured in the same run."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``bench`` subcommand; its options are defined by :mod:`kg.bench.options`."""
    from kg.bench.options import add_options

    p = sub.add_parser("bench", help="measure speed and memory against reference servers")
    add_options(p)
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from kg.bench.run import run_bench

    return run_bench(args)
