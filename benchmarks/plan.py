"""The workloads of one benchmark pass, built from the query mix.

Selective, mixed and contention requests each carry a unique comment, so no result cache can answer
them (see :mod:`benchmarks.driver`); only the repeated workload repeats request texts byte for byte.

- ``selective``: the queries tagged ``interactive`` (lookups a person waits for), at each client count.
- ``mixed``: every query of the mix, the heavy ``analytic`` ones among the selective ones, at each count.
- ``repeated``: one fixed request per query sent again and again by GET, as the example library, REST
  calls and dashboards do; clients revalidate with ``If-None-Match`` where the server gives ETags.
- ``selective+heavy``: selective queries from 4 clients while one more client runs the heavy query in a
  loop, to see whether one expensive query starves everyone else.
"""

from __future__ import annotations

from collections.abc import Sequence

from benchmarks.driver import Workload
from benchmarks.querymix import Variant
from kg.errors import UserError

__all__ = ["CONTENTION_CLIENTS", "REPEATED_CLIENTS", "build_warmup", "build_workloads"]

REPEATED_CLIENTS = 4
CONTENTION_CLIENTS = 4


def build_workloads(
    variants: Sequence[Variant], concurrency: Sequence[int], duration_s: float, heavy_query: str
) -> list[Workload]:
    """Every workload of one pass over one server, in the order they run."""
    selective = [v for v in variants if v.query.mix == "interactive"]
    heavy = next((v for v in variants if v.query.name == heavy_query), None)
    if heavy is None:
        raise UserError(f"no query named {heavy_query!r} in the mix", field="--heavy-query")
    if not selective:
        raise UserError("the query mix has no query tagged 'interactive'")
    workloads = [Workload("selective", selective, c, duration_s) for c in concurrency]
    workloads += [Workload("mixed", list(variants), c, duration_s) for c in concurrency]
    repeated = [v for v in variants if v.index == 0]
    workloads.append(
        Workload("repeated", repeated, REPEATED_CLIENTS, duration_s, ("GET",), revalidate=True, unique=False)
    )
    workloads.append(Workload("selective+heavy", selective, CONTENTION_CLIENTS, duration_s, background=heavy))
    return workloads


def build_warmup(variants: Sequence[Variant], clients: int, limit_s: float) -> Workload:
    """The untimed warm-up before a server's first workload, as BSBM's warm-up runs do.

    Each of ``clients`` clients (the most the timed workloads use, so every process or thread they
    will reach is warmed too) sends every selective request once and the first request of each
    analytic query (the other rows of a scan read the same data); all stop after ``limit_s`` seconds.
    What a server does on its first pass over the data (filling caches, or, for forked workers,
    copying the store pages they read) is then reported by this pass instead of blurring the first
    timed workload.
    """
    chosen = [v for v in variants if v.query.mix == "interactive" or v.index == 0]
    if not chosen:
        raise UserError("the query mix is empty")
    return Workload("warm-up", chosen, clients, limit_s, passes=1)
