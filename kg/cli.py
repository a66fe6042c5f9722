"""The ``mkg`` command line: one entry point for build, validate, query, normalize, serve, publish and bench.

Subcommands live in their own modules and register themselves; commands from other packages (the
``server`` package's ``serve`` and ``publish``, the ``benchmarks`` distribution's ``bench``) arrive through
the ``mkg.commands`` entry-point group, so ``kg`` imports neither.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from importlib.metadata import entry_points

from kg import __version__
from kg.errors import UserError

__all__ = ["main"]

# Modules that each expose ``register(subparsers)``; imported lazily so ``mkg --help`` stays quick.
_BUILTIN_COMMANDS = (
    "kg.commands.build",
    "kg.commands.validate",
    "kg.commands.query",
    "kg.commands.normalize",
    "kg.commands.check_ontology",
)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mkg",
        description="Metastasis KG: build, validate, query and serve the knowledge graph.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in _BUILTIN_COMMANDS:
        importlib.import_module(name).register(sub)
    for ep in sorted(entry_points(group="mkg.commands"), key=lambda e: e.name):
        ep.load()(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one subcommand; user errors print one clear line and exit 2, failed checks exit 1.

    File-system errors (full disk, read-only folder) and input nested past Python's recursion limit are
    the user's to fix too: one line and exit 2, never a traceback.
    """
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except UserError as err:
        print(f"mkg {args.command}: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 141
    except OSError as err:
        # A full disk or a folder without write permission is the user's to fix, not a bug to trace.
        where = f"{err.filename}: " if err.filename else ""
        print(f"mkg {args.command}: error: {where}{err.strerror or err}", file=sys.stderr)
        return 2
    except RecursionError:
        print(
            f"mkg {args.command}: error: the input nests blank nodes, lists or brackets too deeply to process"
            " (beyond Python's recursion limit); flatten or split it",
            file=sys.stderr,
        )
        return 2


if __name__ == "__main__":
    sys.exit(main())
