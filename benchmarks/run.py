"""``mkg bench``: generate KGs, start every contender on each, drive the workloads, report ratios.

For each size the in-memory Oxigraph server starts first: its answers to every request of the mix
become the expected answers, then it is measured like everyone else. Each other contender is started on
the same files, measured, and stopped before the next starts, so servers never compete for the two
cores. A contender that cannot start, or that the machine has no memory for, is reported as such and
the benchmark goes on. A server that timed out or died during a workload is restarted before the next
one, because a query it cannot cancel would otherwise still be running and would poison the next
measurement.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any

from benchmarks.driver import TIMEOUT, Checker, Workload, collect_expected, run_workload
from benchmarks.floor import Request, measure_floor, selective_requests, server_cpu
from benchmarks.generate import MIN_TRIPLES as _MIN_SIZE
from benchmarks.generate import SyntheticKG, generate
from benchmarks.machine import describe_machine, memory_available
from benchmarks.options import format_size
from benchmarks.plan import build_warmup, build_workloads
from benchmarks.querymix import Variant, load_params, load_queries, variants
from benchmarks.report import (
    MIB,
    Report,
    add_ratios,
    evaluate_targets,
    render_markdown,
    summarize_run,
    update_doc,
    write_json,
)
from benchmarks.servers import CONTENDERS, REFERENCE, Contender, RunningServer, ServerFailed, find_executable
from kg.errors import UserError

__all__ = ["run_bench"]

# Keep this share of the available memory free when deciding whether a server fits.
_MEMORY_HEADROOM = 0.8
# Memory is extrapolated from a smaller size only up to this factor (see _fits).
_MAX_SCALE = 10
# Seconds at most of each one-client pass that measures CPU per selective request (--cpu-requests).
_CPU_PASS_LIMIT_S = 20.0


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _check_args(args: argparse.Namespace) -> None:
    unknown = [c for c in args.contenders if c not in CONTENDERS]
    if unknown:
        raise UserError(
            f"unknown contender(s) {', '.join(unknown)}; known: {', '.join(CONTENDERS)}", field="--contenders"
        )
    small = [s for s in [*args.sizes, *args.cost_sizes, *args.publish_sizes] if s < _MIN_SIZE]
    if small or not args.sizes:
        raise UserError(f"sizes must be at least {_MIN_SIZE} triples", field="--sizes")
    if args.duration <= 0 or args.timeout <= 0:
        raise UserError("--duration and --timeout must be positive")
    if args.warmup < 0:
        raise UserError(f"must be 0 (no warm-up) or a number of seconds, got {args.warmup:g}", field="--warmup")
    if args.cpu_requests < 0:
        raise UserError(
            f"must be 0 (no CPU pass) or a number of requests, got {args.cpu_requests}", field="--cpu-requests"
        )


def _options(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "sizes": [format_size(s) for s in args.sizes],
        "seed": args.seed,
        "contenders": list(args.contenders),
        "concurrency": list(args.concurrency),
        "duration_s": args.duration,
        "timeout_s": args.timeout,
        "rdflib_max_size": format_size(args.rdflib_max_size),
        "heavy_query": args.heavy_query,
        "cost_sizes": [format_size(s) for s in args.cost_sizes] if args.costs else [],
        "cost_limit_s": args.cost_limit,
        "warmup_limit_s": args.warmup,
        "cpu_requests": args.cpu_requests,
        "publish_sizes": [format_size(s) for s in args.publish_sizes] if args.publish else [],
    }


class _Measured:
    """Measures one contender through all workloads, restarting it when a workload left it unusable."""

    def __init__(
        self,
        contender: Contender,
        kg: SyntheticKG,
        workdir: Path,
        args: argparse.Namespace,
        variants: list[Variant],
        cpu_requests: list[Request],
    ) -> None:
        self.contender, self.kg, self.workdir, self.args = contender, kg, workdir, args
        self.variants = variants
        self.mixes = {v.query.name: v.query.mix for v in variants}
        self.cpu_requests = cpu_requests
        self.rewarm = True
        self.entry: dict[str, Any] = {"name": contender.name, "label": contender.label, "status": "measured"}
        self.restarts = 0

    def _start(self) -> RunningServer:
        return self.contender.start(self.kg, self.workdir, self.args.startup_limit)

    def _warm(self, server: RunningServer, checker: Checker) -> dict[str, Any] | None:
        """The untimed first pass over the mix (``--warmup``); what it took, for the report."""
        if self.args.warmup <= 0:
            return None
        warmup = build_warmup(self.variants, max(self.args.concurrency), self.args.warmup)
        result = run_workload(server.endpoint, warmup, checker, timeout=self.args.timeout, seed=self.args.seed)
        done = {
            "requests": len(result.samples),
            "of": len(warmup.variants) * warmup.concurrency,
            "clients": warmup.concurrency,
            "seconds": round(result.elapsed_s, 2),
            "counts": result.counts(),
        }
        _say(f"    warm-up: {done['requests']} of {done['of']} requests in {done['seconds']} s, {done['counts']}")
        if not server.alive():
            raise ServerFailed(f"{self.contender.name} died during the warm-up pass")
        return done

    def _restart(self, server: RunningServer, checker: Checker, why: str) -> RunningServer:
        """A fresh server in place of one a timeout or crash left in an unknown state, warmed like the first."""
        self.entry["notes"].append(why)
        server.stop()
        self.restarts += 1
        fresh = self._start()
        if self.rewarm:
            self._warm(fresh, checker)
        return fresh

    def run(self, workloads: list[Workload], checker: Checker) -> dict[str, Any]:
        entry = self.entry
        try:
            server = self._start()
        except (ServerFailed, OSError, UserError) as err:
            entry.update(status="failed", reason=str(err))
            return entry
        try:
            load_mem = server.memory()
            entry.update(
                startup_s=round(server.startup_s, 3),
                prepare_s=None if server.prepare_s is None else round(server.prepare_s, 3),
                memory_after_load_mib=round(load_mem.rss / MIB, 1),
                memory_after_load_pss_mib=round(load_mem.pss / MIB, 1),
                processes=load_mem.processes,
                command=list(server.proc.args) if isinstance(server.proc.args, list) else str(server.proc.args),
                notes=list(server.notes),
                runs=[],
            )
            peak = load_mem.peak
            entry["warmup"] = warm = self._warm(server, checker)
            if warm and (warm["requests"] < warm["of"] or warm["counts"][TIMEOUT]):
                # A pass cut by the limit would take the whole limit again after every restart.
                self.rewarm = False
                entry["notes"].append("not warmed again after restarts: its warm-up pass did not finish")
            if warm and warm["counts"][TIMEOUT]:
                server = self._restart(server, checker, "restarted after the warm-up pass: a query timed out")
            for workload in workloads:
                _say(f"    {workload.name} x{workload.concurrency} ...")
                result = run_workload(
                    server.endpoint, workload, checker, timeout=self.args.timeout, seed=self.args.seed
                )
                summary = summarize_run(result, workload.duration_s, self.mixes)
                entry["runs"].append(summary)
                p95 = summary["latency_ms"]["p95"]
                _say(f"      {summary['throughput_qps']} q/s, p95 {p95} ms, {summary['counts']}")
                peak = max(peak, server.memory().peak)
                if any(s.outcome == TIMEOUT for s in result.samples) or not server.alive():
                    why = "died" if not server.alive() else "had a query time out"
                    server = self._restart(
                        server, checker, f"restarted after {workload.name} x{workload.concurrency}: it {why}"
                    )
            if self.cpu_requests:
                entry["cpu_per_request"] = cpu = server_cpu(
                    server, self.cpu_requests, limit_s=_CPU_PASS_LIMIT_S, timeout=self.args.timeout
                )
                _say(f"    one client, {cpu['requests']} selective requests: {cpu['cpu_ms']} ms CPU each")
            after = server.memory()
            entry.update(
                memory_after_runs_mib=round(after.rss / MIB, 1),
                memory_after_runs_pss_mib=round(after.pss / MIB, 1),
                memory_peak_mib=round(max(peak, after.peak) / MIB, 1),
                restarts=self.restarts,
            )
        except (ServerFailed, OSError) as err:
            entry.update(status="failed", reason=f"{type(err).__name__}: {err}")
        finally:
            server.stop()
        return entry


def _fits(name: str, size: int, history: dict[str, tuple[int, float]]) -> str | None:
    """Why ``name`` should not run at ``size`` for lack of memory (linear extrapolation), or None.

    Only a size at least a tenth of ``size`` is scaled up: below that a server's fixed cost (interpreters,
    libraries, each forked process's own pages) is most of what it holds, and scaling it a hundredfold
    once skipped `mkg` at 1M for "34.7 GiB" when it needs under 2.
    """
    seen = history.get(name)
    available = memory_available()
    if seen is None or available is None:
        return None
    prev_size, prev_mib = seen
    if size > _MAX_SCALE * prev_size:
        return None
    need = prev_mib * MIB * size / prev_size
    if need > available * _MEMORY_HEADROOM:
        return (
            f"skipped: needs about {need / 2**30:.1f} GiB (its memory at {format_size(prev_size)}, scaled), "
            f"{available / 2**30:.1f} GiB available"
        )
    return None


def _spent_mib(measured: dict[str, Any]) -> float:
    """What a measured server cost the machine: its largest PSS (shared pages counted once), else peak RSS."""
    pss = max(measured.get("memory_after_load_pss_mib") or 0.0, measured.get("memory_after_runs_pss_mib") or 0.0)
    return float(pss or measured["memory_peak_mib"])


def _bench_size(
    size: int, args: argparse.Namespace, history: dict[str, tuple[int, float]], queries: list[Any]
) -> dict[str, Any]:
    label = format_size(size)
    data_dir = args.out / "data" / label
    _say(f"== {label}: generating ...")
    began = time.monotonic()
    kg = generate(data_dir, size, seed=args.seed)
    generate_s = time.monotonic() - began
    all_variants: list[Variant] = variants(queries, load_params(kg.params))
    workloads = build_workloads(all_variants, args.concurrency, args.duration, args.heavy_query)
    cpu_requests = selective_requests(all_variants, args.cpu_requests) if args.cpu_requests else []
    entry: dict[str, Any] = {
        "size": label,
        "target_triples": size,
        "triples": kg.triples,
        "graphs": kg.graphs,
        "seed": args.seed,
        "generate_s": round(generate_s, 2),
        "variants": len(all_variants),
        "reference": REFERENCE,
        "contenders": [],
    }
    workdir = args.out / "work" / label
    order = [REFERENCE] + [c for c in args.contenders if c != REFERENCE]
    checker: Checker | None = None
    for name in order:
        contender = CONTENDERS[name]
        skip = _fits(name, size, history) or (f"skipped: {contender.missing()}" if contender.missing() else None)
        if name == "rdflib-endpoint" and size > args.rdflib_max_size:
            skip = f"skipped above --rdflib-max-size {format_size(args.rdflib_max_size)}"
        if skip:
            entry["contenders"].append({"name": name, "label": contender.label, "status": "skipped", "reason": skip})
            _say(f"  {name}: {skip}")
            continue
        if checker is None:
            checker = _expected(kg, contender, workdir, args, all_variants)
            if checker is None:
                entry["contenders"].append(
                    {
                        "name": name,
                        "label": contender.label,
                        "status": "failed",
                        "reason": "could not answer the mix",
                    }
                )
                break
        _say(f"  {name}: starting on {kg.triples:,} triples ...")
        measured = _Measured(contender, kg, workdir, args, all_variants, cpu_requests).run(workloads, checker)
        entry["contenders"].append(measured)
        if measured["status"] == "measured":
            history[name] = (size, _spent_mib(measured))
        else:
            _say(f"  {name}: {measured['status']}: {measured.get('reason', '')[:500]}")
    if cpu_requests and any(c["name"] == REFERENCE and c["status"] == "measured" for c in entry["contenders"]):
        entry["floor"] = _floor(kg, cpu_requests, workdir, args)
    add_ratios(entry)
    return entry


def _floor(kg: SyntheticKG, requests: list[Request], workdir: Path, args: argparse.Namespace) -> dict[str, Any]:
    """The engine's CPU per selective request alone, and the cheapest Python web request's (benchmarks.floor)."""
    _say("  the engine alone and a fixed-body WSGI app, one client ...")
    try:
        floor = measure_floor(
            kg.nquads,
            requests,
            workdir,
            limit_s=_CPU_PASS_LIMIT_S,
            timeout=args.timeout,
            startup_limit=args.startup_limit,
        )
    except (ServerFailed, OSError, ValueError) as err:
        _say(f"  floor not measured: {err}")
        return {"error": f"{type(err).__name__}: {err}"}
    engine, web = floor["engine"]["cpu_ms"], floor["minimal_wsgi"]["cpu_ms"]
    _say(f"    engine {engine} ms, fixed-body WSGI app {web} ms CPU each")
    return floor


def _expected(
    kg: SyntheticKG,
    reference: Contender,
    workdir: Path,
    args: argparse.Namespace,
    all_variants: list[Variant],
) -> Checker | None:
    """Start the reference once to record its answer to every request of the mix."""
    try:
        server = reference.start(kg, workdir, args.startup_limit)
    except (ServerFailed, OSError) as err:
        _say(f"  reference failed to start: {err}")
        return None
    try:
        _say(f"  recording the reference's answers to {len(all_variants)} requests ...")
        return Checker(collect_expected(server.endpoint, all_variants, timeout=max(args.timeout, 600.0)))
    finally:
        server.stop()


def _server_costs(report: Report) -> list[dict[str, Any]]:
    """Start-up time and memory after load of every measured contender, per size, for the cost table."""
    out = []
    for size in report["sizes"]:
        for c in size["contenders"]:
            if c["status"] == "measured":
                out.append({
                    "size": size["size"],
                    "contender": c["name"],
                    "startup_s": c["startup_s"],
                    "prepare_s": c.get("prepare_s"),
                    "memory_after_load_mib": c["memory_after_load_mib"],
                    "memory_after_load_pss_mib": c["memory_after_load_pss_mib"],
                    "memory_after_runs_mib": c.get("memory_after_runs_mib"),
                    "memory_after_runs_pss_mib": c.get("memory_after_runs_pss_mib"),
                    "warmup": c.get("warmup"),
                })  # fmt: skip
    return out


def _publish(report: Report, args: argparse.Namespace) -> None:
    """Write the table next to the JSON, print it, and update ``--doc``."""
    markdown = render_markdown(report)
    (args.out / "table.md").write_text(markdown + "\n", encoding="utf-8")
    print(markdown)
    if args.doc:
        update_doc(args.doc, markdown)
        _say(f"updated {args.doc}")


def _report_only(args: argparse.Namespace) -> int:
    results = args.out / "results.json"
    try:
        report = json.loads(results.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise UserError(f"cannot read earlier results: {err}", path=results) from err
    if any(c["name"] == "mkg" for s in report["sizes"] for c in s["contenders"]):
        report["targets"] = evaluate_targets(report)
    _publish(report, args)
    return 0


def _stop_on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


def run_bench(args: argparse.Namespace) -> int:
    """Run the whole benchmark and write ``results.json`` and ``table.md`` to ``--out``.

    SIGTERM ends the run like Ctrl-C does, through every ``finally``, so the servers it started (each in
    a session of its own, which a signal to this process does not reach) are stopped too.
    """
    if args.report_only:
        return _report_only(args)
    previous = signal.signal(signal.SIGTERM, _stop_on_sigterm)
    try:
        return _run_bench(args)
    finally:
        signal.signal(signal.SIGTERM, previous)


def _run_bench(args: argparse.Namespace) -> int:
    _check_args(args)
    args.out.mkdir(parents=True, exist_ok=True)
    queries = load_queries()
    try:
        oxigraph = find_executable("oxigraph")
    except UserError:
        oxigraph = None
    report: Report = {
        "schema": 1,
        "started": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": describe_machine(oxigraph),
        "options": _options(args),
        "queries": {q.name: {"mix": q.mix, "summary": q.summary, "tags": list(q.tags)} for q in queries},
        "sizes": [],
    }
    history: dict[str, tuple[int, float]] = {}
    results = args.out / "results.json"
    for size in sorted(args.sizes):
        report["sizes"].append(_bench_size(size, args, history, queries))
        write_json(report, results)
    report["costs"] = {"steps": [], "rows": [], "notes": []}
    if args.costs:
        from benchmarks.costs import measure_costs

        report["costs"] = measure_costs(sorted(args.cost_sizes), args.out / "data", args.cost_limit, args.seed)
    if args.publish:
        from benchmarks.publishing import measure_publish

        report["publish"] = measure_publish(
            sorted(args.publish_sizes), args.out / "data", args.out / "work", args.publish_limit, args.seed
        )
        write_json(report, results)
    # Start-up, warm-up and memory per size are measured with the servers, build costs or not.
    report["costs"]["servers"] = _server_costs(report)
    if "mkg" in args.contenders:
        report["targets"] = evaluate_targets(report)
    write_json(report, results)
    _say(f"results: {results}")
    _publish(report, args)
    return 0
