"""The load driver: N client threads send the query mix over HTTP for a bounded time and check every answer.

Each client keeps one connection, walks the mix from its own offset and rotates GET, form POST and
direct POST. An answer counts only if it equals the reference's answer for that exact request (see
:mod:`benchmarks.answers`); wrong answers, HTTP errors and timeouts are counted apart and never add to
throughput. Checking must not slow the clients down, so a response body already verified once is
recognised by its digest instead of being parsed again.

Unless a workload is about repeated queries, each request carries a unique trailing comment: the
answer is the same, but no result cache can serve it, so the selective and mixed workloads measure query
evaluation, and caching shows only where it is meant to, in the repeated workload. The comment holds a
token drawn for each run of a workload, besides the client and request numbers: every workload of a
server starts its clients at the same places in the same order, so without it a later workload (4
clients after 1, 16 after 4) would resend the earlier one's texts and a cache would answer them.

For repeated-query workloads a client remembers the ``ETag`` of each verified answer and sends
``If-None-Match``; a ``304`` counts as a correct answer only when it revalidates such an ETag.
"""

from __future__ import annotations

import hashlib
import http.client
import math
import random
import secrets
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from benchmarks.answers import Answer, AnswerError, canonical_answer, describe_difference
from benchmarks.protocol import METHODS, Endpoint, HttpClient, accept_for
from benchmarks.querymix import Variant

__all__ = [
    "Checker",
    "Sample",
    "Workload",
    "WorkloadResult",
    "balanced_order",
    "collect_expected",
    "latency_stats",
    "run_workload",
]

OK, NOT_MODIFIED, WRONG, ERROR, TIMEOUT = "ok", "not-modified", "wrong", "error", "timeout"
_MAX_DETAILS = 20


class Checker:
    """Compares response bodies with the expected answers, remembering digests of bodies already verified."""

    def __init__(self, expected: dict[str, Answer]) -> None:
        self.expected = expected
        self._verified: set[tuple[str, bytes]] = set()
        self._lock = threading.Lock()

    def check(self, variant: Variant, body: bytes) -> str | None:
        """Return None if ``body`` is the right answer to ``variant``, else why it is not."""
        digest = hashlib.blake2b(body, digest_size=16).digest()
        key = (variant.key, digest)
        if key in self._verified:
            return None
        expected = self.expected[variant.key]
        try:
            got = canonical_answer(body, graph=variant.query.graph_result, ordered=variant.query.ordered)
        except AnswerError as err:
            return f"unreadable answer: {err}"
        if got != expected:
            return describe_difference(expected, got)
        with self._lock:
            self._verified.add(key)
        return None


def collect_expected(endpoint: Endpoint, variants: Sequence[Variant], timeout: float) -> dict[str, Answer]:
    """Ask the reference server every variant once; its answers are what every contender must return."""
    client = HttpClient(endpoint, timeout)
    expected = {}
    try:
        for v in variants:
            reply = client.query(
                v.text,
                method="POST-direct",
                accept=accept_for(v.query.graph_result),
                dataset=v.query.protocol,
            )
            if reply.status != 200:
                raise RuntimeError(f"reference answered {reply.status} to {v.key}: {reply.body[:300]!r}")
            expected[v.key] = canonical_answer(reply.body, graph=v.query.graph_result, ordered=v.query.ordered)
    finally:
        client.close()
    return expected


@dataclass(frozen=True)
class Workload:
    """What the clients send: the variants to cycle through, how many clients, for how long."""

    name: str
    variants: Sequence[Variant]
    concurrency: int
    duration_s: float
    methods: Sequence[str] = METHODS
    revalidate: bool = False
    background: Variant | None = None
    unique: bool = True
    # >0: send the variants in the given order this many times, then stop (a warm-up pass); the
    # duration is then an upper bound. 0: cycle through a balanced order until the duration is up.
    passes: int = 0


@dataclass(frozen=True)
class Sample:
    """One request's outcome."""

    query: str
    latency_s: float
    outcome: str
    background: bool = False


@dataclass
class WorkloadResult:
    """All samples of a workload run, and the first wrong or failed answer of each query, verbatim."""

    workload: str
    concurrency: int
    elapsed_s: float
    samples: list[Sample]
    details: list[str] = field(default_factory=list)

    def foreground(self) -> list[Sample]:
        """Return the samples of the measured clients (not of the background query)."""
        return [s for s in self.samples if not s.background]

    def counts(self) -> dict[str, int]:
        """Foreground outcomes by kind."""
        out = dict.fromkeys((OK, NOT_MODIFIED, WRONG, ERROR, TIMEOUT), 0)
        for s in self.foreground():
            out[s.outcome] += 1
        return out

    def throughput(self) -> float:
        """Correct answers (including valid 304s) per second of wall-clock time."""
        c = self.counts()
        return (c[OK] + c[NOT_MODIFIED]) / self.elapsed_s if self.elapsed_s > 0 else 0.0


def latency_stats(samples: Sequence[Sample]) -> dict[str, float | int | None]:
    """Median and p95 latency in milliseconds over correct answers (nearest-rank percentiles)."""
    lat = sorted(s.latency_s for s in samples if s.outcome in (OK, NOT_MODIFIED))
    if not lat:
        return {"n": 0, "median_ms": None, "p95_ms": None}
    return {
        "n": len(lat),
        "median_ms": 1000 * lat[math.ceil(0.5 * len(lat)) - 1],
        "p95_ms": 1000 * lat[math.ceil(0.95 * len(lat)) - 1],
    }


class _Client(threading.Thread):
    def __init__(
        self,
        run: _Run,
        index: int,
        order: Sequence[Variant],
        *,
        background: bool = False,
    ) -> None:
        super().__init__(name=f"bench-client-{index}", daemon=True)
        self.run_ = run
        self.index = index
        self.order = order
        self.background = background
        self.samples: list[Sample] = []
        self.etags: dict[str, str] = {}

    def run(self) -> None:
        r = self.run_
        client = HttpClient(r.endpoint, r.timeout)
        methods = r.workload.methods
        n = 0
        limit = len(self.order) * r.workload.passes if r.workload.passes and not self.background else None
        try:
            while time.monotonic() < r.deadline and not r.stop.is_set() and (limit is None or n < limit):
                variant = self.order[(self.index * 7 + n) % len(self.order)]
                method = methods[(self.index + n) % len(methods)]
                self.samples.append(self._one(client, variant, method))
                n += 1
        finally:
            client.close()

    def _one(self, client: HttpClient, variant: Variant, method: str) -> Sample:
        r = self.run_
        headers = {}
        sent_etag = self.etags.get(variant.key) if r.workload.revalidate else None
        if sent_etag:
            headers["If-None-Match"] = sent_etag
        text = variant.text
        if r.workload.unique:
            text += f"\n# request {r.token}-{self.index}-{len(self.samples)}\n"
        began = time.monotonic()
        try:
            reply = client.query(
                text,
                method=method,
                accept=accept_for(variant.query.graph_result),
                dataset=variant.query.protocol,
                headers=headers,
            )
        except TimeoutError:
            return self._sample(variant, began, TIMEOUT, f"{variant.key}: no answer within {r.timeout:g} s")
        except (OSError, http.client.HTTPException) as err:
            return self._sample(variant, began, ERROR, f"{variant.key}: {type(err).__name__}: {err}")
        latency = time.monotonic() - began
        if reply.status == 304:
            if sent_etag:
                return Sample(variant.query.name, latency, NOT_MODIFIED, self.background)
            return self._sample(variant, began, WRONG, f"{variant.key}: 304 without If-None-Match", latency)
        if reply.status != 200:
            detail = f"{variant.key} ({method}): HTTP {reply.status}: {reply.body[:200]!r}"
            return self._sample(variant, began, ERROR, detail, latency)
        problem = r.checker.check(variant, reply.body)
        if problem is not None:
            return self._sample(variant, began, WRONG, f"{variant.key} ({method}): {problem}", latency)
        etag = reply.headers.get("etag")
        if r.workload.revalidate and etag:
            self.etags[variant.key] = etag
        return Sample(variant.query.name, latency, OK, self.background)

    def _sample(
        self, variant: Variant, began: float, outcome: str, detail: str, latency: float | None = None
    ) -> Sample:
        self.run_.note(variant.query.name, detail)
        latency = time.monotonic() - began if latency is None else latency
        return Sample(variant.query.name, latency, outcome, self.background)


@dataclass
class _Run:
    endpoint: Endpoint
    workload: Workload
    checker: Checker
    timeout: float
    deadline: float = 0.0
    stop: threading.Event = field(default_factory=threading.Event)
    details: list[str] = field(default_factory=list)
    noted: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)
    token: str = field(default_factory=lambda: secrets.token_hex(6))

    def note(self, query: str, detail: str) -> None:
        """Keep the first failure of each query, verbatim, for the report."""
        with self.lock:
            if query not in self.noted and len(self.noted) < _MAX_DETAILS:
                self.noted.add(query)
                self.details.append(detail)


def balanced_order(variants: Sequence[Variant], seed: int) -> list[Variant]:
    """Cycle through every query equally often, each through its own variants, in a seeded shuffled order.

    A query with sixteen parameter rows must not be sent sixteen times as often as a query without
    parameters: the mix is a mix of questions, not of rows.
    """
    by_query: dict[str, list[Variant]] = {}
    for v in variants:
        by_query.setdefault(v.query.name, []).append(v)
    rounds = max(len(vs) for vs in by_query.values())
    order = [vs[i % len(vs)] for i in range(rounds) for vs in by_query.values()]
    random.Random(seed).shuffle(order)  # noqa: S311 - a reproducible request order, not a secret
    return order


def run_workload(
    endpoint: Endpoint, workload: Workload, checker: Checker, *, timeout: float, seed: int = 1
) -> WorkloadResult:
    """Run ``workload`` against ``endpoint`` and return every sample; never raises for a server's failure."""
    order = list(workload.variants) if workload.passes else balanced_order(workload.variants, seed)
    run = _Run(endpoint, workload, checker, timeout)
    clients = [_Client(run, i, order) for i in range(workload.concurrency)]
    if workload.background is not None:
        clients.append(_Client(run, workload.concurrency, [workload.background], background=True))
    began = time.monotonic()
    run.deadline = began + workload.duration_s
    for c in clients:
        c.start()
    for c in clients:
        if c.background:
            continue
        c.join()
    elapsed = time.monotonic() - began
    run.stop.set()
    for c in clients:
        c.join()
    samples = [s for c in clients for s in c.samples]
    return WorkloadResult(workload.name, workload.concurrency, elapsed, samples, run.details)
