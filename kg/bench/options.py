"""Command-line options of ``mkg bench`` (kept apart so ``mkg --help`` imports nothing heavy)."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_options(p: argparse.ArgumentParser) -> None:
    """Declare the benchmark options."""
    p.add_argument("--sizes", default="10k,100k", help="synthetic KG sizes in triples, e.g. 10k,100k,1M")
    p.add_argument("--out", type=Path, default=Path("build/bench"), help="folder for results JSON")
