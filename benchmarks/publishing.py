"""Publish time against release size: ``mkg publish RELEASE --to STORE`` into empty engines, timed.

Each synthetic KG folder is a release (``release.json`` + ``kg.nq``), so it is published as a user would
publish one: ``mkg publish`` in a process of its own (its wall time, CPU and peak memory are what the
report gives), into a freshly started, empty Oxigraph server (``/store``) and Virtuoso 7
(``/sparql-graph-crud-auth``, the digest-authenticated Graph Store endpoint; credentials passed in the
environment, as the command expects them). A publish is only counted when every triple arrived: the
engine is then asked how many triples its versioned graphs hold. Engines are started by
:mod:`benchmarks.engines` and stopped by PID whatever happens.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from benchmarks.engines import OxigraphServer, Virtuoso, missing
from benchmarks.generate import SyntheticKG, generate
from benchmarks.options import format_size

__all__ = ["ENGINES", "measure_publish", "publish_once"]

ENGINES = ("oxigraph", "virtuoso")

# Triples in the graphs named ``<graph>/release/<version>`` (server.engine.publish.stored_graph).
_COUNT = 'SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } FILTER(CONTAINS(STR(?g), "/release/{version}")) }'


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _count(query_url: str, version: str, timeout: float) -> int:
    """How many triples the engine holds in the release's versioned graphs."""
    body = urlencode({"query": _COUNT.replace("{version}", version)}).encode()
    request = urllib.request.Request(  # noqa: S310 (a loopback engine this module started)
        query_url,
        data=body,
        headers={"Accept": "application/sparql-results+json", "Content-Type": "application/x-www-form-urlencoded"},
    )
    with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310
        rows = json.loads(answer.read())["results"]["bindings"]
    return int(rows[0]["n"]["value"])


def publish_once(kg: SyntheticKG, store_url: str, env: dict[str, str], log: Path, timeout: float) -> dict[str, Any]:
    """Run ``mkg publish`` once; its wall and CPU seconds, its own peak RSS (``wait4``), and how it ended."""
    cmd = [sys.executable, "-m", "kg.cli", "publish", str(kg.folder), "--to", store_url]
    log.parent.mkdir(parents=True, exist_ok=True)
    began = time.monotonic()
    with log.open("wb") as err:
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err, env=env)
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() - began > timeout:
            proc.kill()
            os.wait4(proc.pid, 0)
            return {"status": "failed", "reason": f"over the {timeout:g} s limit"}
        time.sleep(0.02)
    seconds = time.monotonic() - began
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        said = log.read_text(encoding="utf-8", errors="replace").strip()[-500:]
        return {"status": "failed", "reason": f"exit {proc.returncode}: {said}"}
    return {
        "status": "measured",
        "seconds": round(seconds, 2),
        "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 2),
        "peak_rss_mib": round(usage.ru_maxrss / 1024, 1),
    }


def _one(kg: SyntheticKG, engine: str, workdir: Path, timeout: float) -> dict[str, Any]:
    version = json.loads(kg.manifest.read_text(encoding="utf-8"))["version"]
    folder = workdir / f"publish-{engine}"
    shutil.rmtree(folder, ignore_errors=True)
    env = dict(os.environ)
    started: OxigraphServer | Virtuoso
    try:
        if engine == "oxigraph":
            started = OxigraphServer(folder)
        else:
            started = Virtuoso(folder, buffers=170_000)
            env.update(MKG_ENGINE_USER=started.user, MKG_ENGINE_PASSWORD=started.password)
    except (RuntimeError, OSError) as err:
        return {"status": "failed", "reason": f"{engine} did not start: {err}"}
    try:
        row = publish_once(kg, started.store_url, env, folder / "publish.log", timeout)
        if row["status"] == "measured":
            held = _count(started.query_url, version, timeout)
            if held != kg.triples:
                row = {"status": "failed", "reason": f"the engine holds {held:,} triples of {kg.triples:,}"}
        return row
    finally:
        started.stop()


def measure_publish(sizes: Sequence[int], data_dir: Path, workdir: Path, timeout: float, seed: int) -> dict[str, Any]:
    """Publish the KG of every size into every engine that is installed; one row per size and engine."""
    rows: list[dict[str, Any]] = []
    for size in sizes:
        label = format_size(size)
        folder = data_dir / label
        kg = generate(folder, size, seed=seed)
        for engine in ENGINES:
            base = {"size": label, "triples": kg.triples, "engine": engine}
            reason = missing(engine)
            if reason:
                rows.append({**base, "status": "skipped", "reason": reason})
                continue
            _say(f"== publish {label} into {engine} ...")
            row = {**base, **_one(kg, engine, workdir / label, timeout)}
            _say(f"  {row.get('seconds', row.get('reason', ''))}")
            rows.append(row)
    return {"rows": rows, "timeout_s": timeout}
