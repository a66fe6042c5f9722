"""Publish time against release size: ``mkg publish RELEASE --to STORE`` into empty engines, timed.

Each synthetic KG folder is a release (``release.json`` + ``kg.nq``), so it is published as a user would
publish one: ``mkg publish`` in a process of its own (its wall time, CPU and peak memory are what the
report gives), into a freshly started, empty Oxigraph server (``/store``), into Virtuoso 7 through its
Graph Store endpoints (see :data:`ENGINES`; credentials in the environment, as the command expects them)
and through its bulk loader (``virtuoso+isql://``). A publish is only counted when every triple arrived:
the engine is then asked how many triples its versioned graphs hold. Engines are started by
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

ENGINES = ("oxigraph", "virtuoso", "virtuoso-open", "virtuoso-bulk")
# virtuoso: the digest-authenticated /sparql-graph-crud-auth that docs/DEPLOYMENT.md names; virtuoso-open:
# its unauthenticated /sparql-graph-crud, opened to updates on this loopback-only server, which shows the
# load time where the authenticated endpoint breaks off a large body (its 401 arrives before the body is
# read, so urllib's digest retry never happens: a broken pipe); virtuoso-bulk: ``virtuoso+isql://`` with
# ``--load-dir``, Virtuoso's bulk loader through isql-vt.

# Triples in the graphs named ``<graph>/release/<version>`` (server.engine.publish.stored_graph).
_COUNT = 'SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } FILTER(CONTAINS(STR(?g), "/release/{version}")) }'


# Lets Virtuoso's unauthenticated Graph Store endpoint write (its documented recipe); loopback-only server.
_OPEN_UPDATES = "GRANT SPARQL_UPDATE TO \"SPARQL\";\nDB.DBA.RDF_DEFAULT_USER_PERMS_SET ('nobody', 7);\n"


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


def publish_once(
    kg: SyntheticKG, store_url: str, env: dict[str, str], log: Path, timeout: float, extra: Sequence[str] = ()
) -> dict[str, Any]:
    """Run ``mkg publish`` once; its wall and CPU seconds, its own peak RSS (``wait4``), and how it ended."""
    cmd = [sys.executable, "-m", "kg.cli", "publish", str(kg.folder), "--to", store_url, *extra]
    log.parent.mkdir(parents=True, exist_ok=True)
    began = time.monotonic()
    with log.open("wb") as err:
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err, env=env)
    pid = 0
    try:
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() - began > timeout:
                return {"status": "failed", "reason": f"over the {timeout:g} s limit"}
            time.sleep(0.02)
    finally:
        if proc.returncode is None and not pid:
            proc.kill()  # over the limit, or the benchmark itself was stopped
            os.wait4(proc.pid, 0)
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
        started = OxigraphServer(folder) if engine == "oxigraph" else Virtuoso(folder, buffers=170_000)
    except (RuntimeError, OSError) as err:
        return {"status": "failed", "reason": f"{engine} did not start: {err}"}
    try:
        store, extra = started.store_url, list[str]()
        if isinstance(started, Virtuoso):
            env.update(MKG_ENGINE_USER=started.user, MKG_ENGINE_PASSWORD=started.password)
        if isinstance(started, Virtuoso) and engine == "virtuoso-open":
            started.sql(_OPEN_UPDATES)
            store = started.url + "/sparql-graph-crud"
            del env["MKG_ENGINE_USER"], env["MKG_ENGINE_PASSWORD"]
        if isinstance(started, Virtuoso) and engine == "virtuoso-bulk":
            store, extra = f"virtuoso+isql://127.0.0.1:{started.sql_port}", ["--load-dir", str(started.load_dir)]
        row = publish_once(kg, store, env, folder / "publish.log", timeout, extra)
        if row["status"] == "measured":
            held = _count(started.query_url, version, timeout)
            if held != kg.triples:
                row = {"status": "failed", "reason": f"the engine holds {held:,} triples of {kg.triples:,}"}
        return row
    except RuntimeError as err:
        return {"status": "failed", "reason": str(err)[:500]}
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
            reason = missing(engine.split("-")[0])
            if reason:
                rows.append({**base, "status": "skipped", "reason": reason})
                continue
            _say(f"== publish {label} into {engine} ...")
            row = {**base, **_one(kg, engine, workdir / label, timeout)}
            _say(f"  {row.get('seconds', row.get('reason', ''))}")
            rows.append(row)
    return {"rows": rows, "timeout_s": timeout}
