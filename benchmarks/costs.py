"""Build-side costs against KG size: parsing, SHACL validation, reasoning, inference and release writing.

The build (``kg.build``) reads curated tables, which a synthetic KG does not have, so each step is timed
on the synthetic release's own graphs, the way the build calls it: ``kg.checks.shacl.validate`` on the union,
``kg.reason.reasoner.classify`` on ontology plus asserted facts, ``kg.reason.infer.inferred_graph`` on its answer, and
``kg.build.write_release`` for every release file. The steps run in a child process
(``python -m benchmarks.costs FOLDER STEPS``) that prints one JSON line per step; the parent enforces a
time limit per step, so a step that grows worse than linearly is reported as "over the limit" instead
of stalling the benchmark, and the remaining steps run in a fresh child. A step whose module is
missing or fails is reported with its error, never silently left out.
"""

from __future__ import annotations

import json
import math
import resource
import selectors
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from benchmarks.generate import generate
from benchmarks.options import format_size

__all__ = ["STEPS", "growth_exponent", "measure_costs"]

STEPS = ("parse", "shacl", "reason", "infer", "write")


class _State:
    """Graphs and results shared by the steps of one child process."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.graphs: dict[str, Any] = {}
        self.shacl: Any = None
        self.classification: Any = None


def _parse(state: _State) -> str:
    from rdflib import Dataset, Graph, URIRef

    from benchmarks.vocab import GRAPHS

    ds = Dataset()
    ds.parse(state.folder / "kg.nq", format="nquads")
    for name, graph_iri in GRAPHS.items():
        graph = Graph()
        for triple in ds.graph(URIRef(graph_iri)):
            graph.add(triple)
        state.graphs[name] = graph
    return f"{len(ds)} quads"


def _union(state: _State) -> Any:
    from kg.graphs.assemble import union_graph

    return union_graph(*state.graphs.values())


def _shacl(state: _State) -> str:
    from kg.checks.shacl import validate

    state.shacl = validate(_union(state))
    return f"{len(state.shacl.violations)} violations, {len(state.shacl.warnings)} warnings"


def _reason(state: _State) -> str:
    from kg.reason.infer import Classification
    from kg.reason.reasoner import classify

    found = classify(state.graphs["ontology"], state.graphs["asserted"])
    state.classification = Classification.from_triples(found.subclass_of, found.types, found.subproperty_of)
    sizes = {k: len(getattr(found, k)) for k in ("subclass_of", "types", "subproperty_of")}
    return ", ".join(f"{v} {k}" for k, v in sizes.items())


def _infer(state: _State) -> str:
    from kg.reason.infer import inferred_graph

    if state.classification is None:
        raise RuntimeError("needs the reason step's answer, which is missing")
    inferred = inferred_graph(state.graphs["ontology"], state.graphs["asserted"], state.classification)
    return f"{len(inferred)} inferred triples"


def _write(state: _State) -> str:
    from rdflib import Graph

    from benchmarks.vocab import VERSION
    from kg.build import Built, write_release
    from kg.checks.shacl import ShaclResult

    # Without the shacl step's answer (over its limit), write an empty report: the files dominate anyway.
    shacl = state.shacl if state.shacl is not None else ShaclResult(True, (), Graph())
    g = state.graphs
    built = Built(g["ontology"], g["asserted"], g["inferred"], g["provenance"], _union(state), shacl, "", VERSION)
    with tempfile.TemporaryDirectory(prefix="mkg-bench-write-") as tmp:
        out = write_release(built, Path(tmp) / "release")
        size = sum(p.stat().st_size for p in out.iterdir())
    return f"{size / 2**20:.0f} MiB of release files"


_RUNNERS: dict[str, Callable[[_State], str]] = {
    "parse": _parse,
    "shacl": _shacl,
    "reason": _reason,
    "infer": _infer,
    "write": _write,
}


def _cpu_seconds() -> float:
    """CPU time of this process and of the children it has waited for (the reasoner runs in a JVM).

    Wall time on a shared or virtual machine moves by tens of percent between runs; CPU time moves far
    less, so the growth exponent is given for both.
    """
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _child(folder: Path, steps: Sequence[str]) -> None:
    """Run ``steps`` (parsing first, always) and print one JSON line per step."""
    state = _State(folder)
    for step in ["parse", *[s for s in steps if s != "parse"]]:
        began, cpu = time.monotonic(), _cpu_seconds()
        try:
            detail = _RUNNERS[step](state)
            record: dict[str, Any] = {
                "step": step,
                "seconds": round(time.monotonic() - began, 3),
                "cpu_seconds": round(_cpu_seconds() - cpu, 3),
                "detail": detail,
            }
        except Exception as err:  # report every failure of the measured code, whatever it is
            record = {"step": step, "error": f"{type(err).__name__}: {str(err)[:500]}"}
        record["peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
        print(json.dumps(record), flush=True)


def _run_steps(folder: Path, steps: list[str], limit_s: float) -> dict[str, dict[str, Any]]:
    """Run the steps in child processes, each step (parsing too) limited to ``limit_s`` seconds."""
    results: dict[str, dict[str, Any]] = {}
    remaining = list(steps)
    while remaining:
        cmd = [sys.executable, "-m", "benchmarks.costs", str(folder), ",".join(remaining)]
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        current = "parse"  # the child always parses first, then runs the remaining steps in order
        try:
            for line in _lines(proc, limit_s):
                record = json.loads(line)
                step = record.pop("step")
                results.setdefault(step, record)
                if step in remaining:
                    remaining.remove(step)
                current = next((s for s in remaining if s != "parse"), "")
            if current:
                if proc.poll() is None:
                    results[current] = {"over_limit_s": limit_s}
                else:
                    results[current] = {"error": f"the measuring process exited with status {proc.returncode}"}
                if current == "parse":
                    remaining.clear()
                elif current in remaining:
                    remaining.remove(current)
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.wait()
            if proc.stdout is not None:
                proc.stdout.close()
    return results


def _lines(proc: subprocess.Popen[str], limit_s: float) -> Iterator[str]:
    """Yield the child's lines until it ends, or until ``limit_s`` passes with no new line."""
    assert proc.stdout is not None
    with selectors.DefaultSelector() as sel:
        sel.register(proc.stdout, selectors.EVENT_READ)
        deadline = time.monotonic() + limit_s
        while (wait := deadline - time.monotonic()) > 0:
            if not sel.select(timeout=min(wait, 1.0)):
                if proc.poll() is not None:
                    return
                continue
            line = proc.stdout.readline()
            if not line:
                return
            yield line
            deadline = time.monotonic() + limit_s


def growth_exponent(n1: int, t1: float | None, n2: int, t2: float | None) -> float | None:
    """The k in time ~ size^k between two sizes; 1.0 is linear growth."""
    if not t1 or not t2 or n1 == n2:
        return None
    return round(math.log(t2 / t1) / math.log(n2 / n1), 2)


def measure_costs(sizes: Sequence[int], data_dir: Path, limit_s: float, seed: int) -> dict[str, Any]:
    """Time every step at every size, on the KGs under ``data_dir`` (generated there if missing)."""
    rows: list[dict[str, Any]] = []
    notes: list[str] = []
    for size in sizes:
        folder = data_dir / format_size(size)
        if not (folder / "kg.nq").exists():
            generate(folder, size, seed=seed)
        print(f"== costs at {format_size(size)} ...", file=sys.stderr, flush=True)
        results = _run_steps(folder, list(STEPS), limit_s)
        seconds = {s: r.get("seconds") for s, r in results.items()}
        rows.append({"size": format_size(size), "triples": size, "seconds": seconds, "steps": results})
        for step, r in results.items():
            if "error" in r:
                notes.append(f"{format_size(size)} {step}: not measured: {r['error'][:300]}")
            elif "over_limit_s" in r:
                notes.append(f"{format_size(size)} {step}: stopped after {limit_s:g} s (over the per-step limit)")
    growth: dict[str, float | None] = {}
    growth_cpu: dict[str, float | None] = {}
    if len(rows) >= 2:
        a, b = rows[-2], rows[-1]
        for step in STEPS:
            growth[step] = growth_exponent(a["triples"], a["seconds"].get(step), b["triples"], b["seconds"].get(step))
            growth_cpu[step] = growth_exponent(
                a["triples"], a["steps"].get(step, {}).get("cpu_seconds"),
                b["triples"], b["steps"].get(step, {}).get("cpu_seconds"),
            )  # fmt: skip
    return {
        "steps": list(STEPS),
        "limit_s": limit_s,
        "rows": rows,
        "growth_exponent": growth,
        "growth_exponent_cpu": growth_cpu,
        "notes": notes,
    }


if __name__ == "__main__":
    _child(Path(sys.argv[1]), sys.argv[2].split(","))
