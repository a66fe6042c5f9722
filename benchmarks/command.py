"""``mkg bench``: benchmarks against reference servers measured in the same run.

A plug-in of the ``mkg`` command line (entry point ``bench`` of the ``mkg.commands`` group, declared by
``benchmarks/pyproject.toml``), so ``kg`` never imports this package and the product's wheel lacks it.
"""

from __future__ import annotations

import argparse

__all__ = ["register"]


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``bench`` subcommand; its options are defined by :mod:`benchmarks.options`."""
    from benchmarks.options import add_options

    p = sub.add_parser("bench", help="measure speed and memory against reference servers (benchmarks/)")
    add_options(p)
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from benchmarks.run import run_bench

    return run_bench(args)
