"""The query executor every route shares: guards, content negotiation, caching, ETags, then the engine.

Blueprints reach it as ``flask.current_app.extensions["mkg"]`` and call :meth:`QueryService.run_query`,
so an ad-hoc query on ``/sparql`` and a stored query behind a REST route get the same limits, the same
refusals, the same cache and the same formats. It never raises for a bad query: every outcome, 200 or
not, is a :class:`QueryOutcome` that turns into a response with :meth:`QueryOutcome.to_response`.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import flask

from kg.library.sparqlerrors import SyntaxProblem
from kg.library.sparqljson import term_to_json
from server.config import ServerConfig
from server.engine.base import Engine, EngineError, EngineTimeout, Page, QueryRequest
from server.engine.cache import ResultCache
from server.engine.dataset import DatasetInfo
from server.health import rss_mb
from server.protocol.conneg import choose
from server.protocol.formats import BY_NAME, Format, formats_for_form
from server.protocol.guard import QueryRefused, inspect_query
from server.protocol.jsonld import COMPACTED, COMPACTED_FORMAT, Compaction, requested_profile
from server.protocol.problem import error_body
from server.release import Release

__all__ = ["QueryOutcome", "QueryService", "accepts_gzip", "binding_to_json", "etag_matches"]

log = logging.getLogger(__name__)

TRUNCATED_HEADER = "MKG-Result-Truncated"
ROW_LIMIT_HEADER = "MKG-Row-Limit"
ROWS_HEADER = "MKG-Result-Rows"
_GZIP_MIN = 1024
_IRI_FORBIDDEN = set('<>"{}|^`\\ ')


def accepts_gzip(header: str | None) -> bool:
    """Whether an ``Accept-Encoding`` header allows gzip (``q=0`` refuses it; ``*`` allows it)."""
    if not header:
        return False
    allowed = False
    for part in header.lower().split(","):
        name, _, params = part.strip().partition(";")
        if name.strip() not in ("gzip", "x-gzip", "*"):
            continue
        q = params.strip().removeprefix("q=") if params.strip().startswith("q=") else "1"
        try:
            weight = float(q)
        except ValueError:
            continue
        if name.strip() == "*":
            allowed = allowed or weight > 0
        else:
            return weight > 0
    return allowed


def etag_matches(header: str | None, etag: str) -> bool:
    """Whether an ``If-None-Match`` header names ``etag`` (weak comparison, as RFC 9110 asks for it)."""
    if not header:
        return False
    if header.strip() == "*":
        return True
    wanted = etag.removeprefix("W/")
    for tag in header.split(","):
        tag = tag.strip().removeprefix("W/")
        if tag == wanted or tag == wanted[:-1] + '-gzip"':
            return True
    return False


@dataclass
class QueryOutcome:
    """A finished query (or the reason it did not run), ready to become an HTTP response.

    ``status`` is 200, 304 or an error status; ``body`` is the serialized result or a plain-text
    message; ``headers`` holds ETag, Vary, caching and truncation headers. ``rows`` counts the rows
    sent, ``total`` those of the whole result when a page of it was asked for.
    """

    status: int
    body: bytes
    content_type: str
    headers: dict[str, str] = field(default_factory=dict)
    format: Format | None = None
    rows: int | None = None
    truncated: bool = False
    total: int | None = None
    problem: SyntaxProblem | None = None
    detail: str | None = None
    fields: dict[str, Any] = field(default_factory=dict)
    _gzipped: bytes | None = field(default=None, repr=False)

    @classmethod
    def error(cls, status: int, message: str, *, problem: SyntaxProblem | None = None, **fields: Any) -> QueryOutcome:
        """An error the client can read, as text or RFC 9457 problem details by its ``Accept``; never cached.

        ``problem`` is where a malformed query is malformed (``problem.as_dict()``: line, column, near, hint,
        message), given as extension members of a JSON body; ``fields`` are further members (``parameter``,
        ``available``, ...). ``body`` is the text form, which :meth:`render` swaps for JSON when asked.
        """
        if problem is not None:
            fields = {**{k: v for k, v in problem.as_dict().items() if k != "message"}, **fields}
        return cls(
            status,
            (message.rstrip("\n") + "\n").encode(),
            "text/plain; charset=utf-8",
            {"Cache-Control": "no-store"},
            problem=problem,
            detail=message,
            fields=fields,
        )

    @property
    def etag(self) -> str | None:
        """The entity tag of the uncompressed result."""
        return self.headers.get("ETag")

    def gzipped(self) -> bytes:
        """The body compressed once and kept, so cached results are not compressed again."""
        if self._gzipped is None:
            self._gzipped = gzip.compress(self.body, compresslevel=1 if len(self.body) > 1 << 20 else 6, mtime=0)
        return self._gzipped

    def render(
        self,
        if_none_match: str | None,
        accept_encoding: str | None,
        *,
        accept: str | None = None,
        instance: str | None = None,
    ) -> tuple[int, dict[str, str], bytes]:
        """Status, headers and body for a request with these conditional, encoding and ``Accept`` headers.

        An error becomes problem details (``instance``: the request path) when ``accept`` prefers JSON.
        Framework-neutral: only :meth:`to_response` knows Flask.
        """
        headers = {"Vary": "Accept, Accept-Encoding", **self.headers}
        if self.status == 304 or (self.status == 200 and self.etag and etag_matches(if_none_match, self.etag)):
            return 304, headers, b""
        if self.detail is not None:
            fields = dict(self.fields)
            if "Retry-After" in self.headers:
                fields.setdefault("retry_after", int(self.headers["Retry-After"]))
            body, content_type = error_body(self.status, self.detail, accept=accept, instance=instance, fields=fields)
            headers["Content-Type"] = content_type
            return self.status, headers, body
        body = self.body
        if self.status == 200 and len(body) >= _GZIP_MIN and accepts_gzip(accept_encoding):
            body = self.gzipped()
            headers["Content-Encoding"] = "gzip"
            if self.etag:
                headers["ETag"] = self.etag[:-1] + '-gzip"'
        headers["Content-Type"] = self.content_type
        return self.status, headers, body

    def to_response(self) -> flask.Response:
        """The Flask response, honouring the current request's ``If-None-Match`` and ``Accept-Encoding``."""
        request = flask.request if flask.has_request_context() else None
        status, headers, body = self.render(
            request.headers.get("If-None-Match") if request else None,
            request.headers.get("Accept-Encoding") if request else None,
            accept=request.headers.get("Accept") if request else None,
            instance=request.path if request else None,
        )
        return flask.Response(body, status=status, headers=headers)


def binding_to_json(value: Any) -> dict[str, str]:
    """A binding value (pyoxigraph term, rdflib term, or SPARQL-JSON dict) as a SPARQL-JSON term."""
    if isinstance(value, Mapping):
        return {str(k): str(v) for k, v in value.items()}
    return term_to_json(value)


def _check_iris(iris: Iterable[str], parameter: str) -> tuple[str, ...]:
    checked = []
    for iri in iris:
        if not iri or ":" not in iri or any(c in _IRI_FORBIDDEN or ord(c) < 0x20 for c in iri):
            raise QueryRefused(400, f"{parameter} must be an absolute IRI, got {iri!r}")
        checked.append(iri)
    return tuple(checked)


class QueryService:
    """The shared query executor, stored as ``app.extensions["mkg"]``.

    Holds the served dataset's description (``dataset``), the :class:`~server.engine.base.Engine` that
    evaluates queries (embedded store or remote endpoint) and the result cache. ``tag`` names the served
    data for ETags: the same release gives the same ETags on every replica.
    """

    def __init__(
        self,
        config: ServerConfig,
        engine: Engine,
        *,
        release: Release | None,
        prefixes: dict[str, str],
        tag: str,
        counted: bool = False,
    ) -> None:
        self.config = config
        self.engine = engine
        self.release = release
        self.prefixes = prefixes
        self.tag = tag
        self.cache: ResultCache[QueryOutcome] = ResultCache(
            config.cache_bytes, lambda outcome: len(outcome.body) * 2 + 1024
        )
        self._dataset: DatasetInfo | None = None
        if release is not None and not counted:
            self._dataset = DatasetInfo.from_manifest(release)
        self._dataset_lock = threading.Lock()
        self.started = time.time()
        self.timeouts = 0
        self.failures = 0

    @property
    def dataset(self) -> DatasetInfo:
        """Graph sizes: from the manifest, or counted once by the engine when data files were added."""
        if self._dataset is None:
            with self._dataset_lock:
                if self._dataset is None:
                    self._dataset = DatasetInfo.from_counts(self.release, self.engine.graph_sizes())
        return self._dataset

    def counters(self) -> dict[str, Any]:
        """Counters of this process: its engine's, the time-outs and failures seen here, its cache (no I/O)."""
        return {
            **self.engine.counters(),
            "rss_mb": round(rss_mb(), 1),
            "timeouts": self.timeouts,
            "failures": self.failures,
            "cache": {"entries": len(self.cache), "bytes": self.cache.size, "hits": self.cache.hits},
        }

    def close(self) -> None:
        """Release the engine."""
        self.engine.close()

    def _etag(self, key: tuple[Any, ...]) -> str:
        digest = hashlib.sha256(self.tag.encode())
        digest.update(json.dumps(key, separators=(",", ":")).encode())
        return f'"{digest.hexdigest()[:40]}"'

    def run_query(
        self,
        query_text: str,
        *,
        bindings: Mapping[str, Any] | None = None,
        accept: str | None = None,
        default_graph_uris: Iterable[str] = (),
        named_graph_uris: Iterable[str] = (),
        if_none_match: str | None = None,
        base_iri: str | None = None,
        page: Page | None = None,
        compaction: Compaction | None = None,
    ) -> QueryOutcome:
        """Run a SPARQL query under every guard and return a response-ready :class:`QueryOutcome`.

        ``bindings`` maps variable names (without ``?``) to terms substituted before evaluation (the
        variable must be projected); ``accept`` is an ``Accept`` header (``None``: the default format);
        the graph URIs restrict the dataset as the protocol's ``default-graph-uri`` and
        ``named-graph-uri`` do, only ever among the served graphs. With ``if_none_match`` naming the
        result's current ETag the outcome is a 304 and the query does not run at all. ``base_iri``
        (the endpoint's URL) resolves relative IRIs in the query, as the SPARQL Protocol expects.
        ``page`` leaves out columns (a stored query's parameters) and cuts a window of rows (SELECT only).
        With ``compaction``, a graph result asked for as compacted JSON-LD (the ``profile`` in ``accept``)
        is written with the KG's context; without it, or without the profile, JSON-LD is expanded.
        The time limit starts here, so the pre-check counts against it.
        """
        started = time.monotonic()
        deadline = started + self.config.timeout
        default_graph_uris = tuple(default_graph_uris)
        named_graph_uris = tuple(named_graph_uris)
        raw_key = None
        if bindings is None:
            # Same text, same Accept, same dataset: the same outcome, without tokenizing or negotiating again.
            raw_key = ("raw", query_text, accept, default_graph_uris, named_graph_uris, base_iri)
            known = self.cache.get(raw_key)
            if known is not None:
                return known
        try:
            shape = inspect_query(
                query_text, max_length=self.config.max_query_length, max_nesting=self.config.max_nesting
            )
            default_graphs = _check_iris(default_graph_uris, "default-graph-uri")
            named_graphs = _check_iris(named_graph_uris, "named-graph-uri")
            bound = {str(name).lstrip("?$"): binding_to_json(term) for name, term in (bindings or {}).items()}
        except QueryRefused as refused:
            return QueryOutcome.error(refused.status, refused.message)
        except TypeError as err:
            return QueryOutcome.error(400, str(err))
        offers = formats_for_form(shape.form)
        fmt = choose(accept, offers)
        if fmt is None:
            kinds = [f.media_type for f in offers]
            return QueryOutcome.error(
                406,
                f"cannot produce any format named in Accept: {accept}\navailable: {', '.join(kinds)}",
                available=kinds,
            )
        compact = (
            compaction
            if compaction is not None and fmt.name == "jsonld" and requested_profile(accept) == COMPACTED
            else None
        )
        if compact is not None:
            fmt = COMPACTED_FORMAT
        window = None if page is None else (page.hidden, page.offset, page.limit)
        context_url = compact.context_url if compact is not None else None
        key = (
            query_text,
            fmt.name,
            default_graphs,
            named_graphs,
            json.dumps(bound, sort_keys=True),
            base_iri,
            window,
            context_url,
        )
        etag = self._etag(key)
        if etag_matches(if_none_match, etag):
            return QueryOutcome(304, b"", fmt.content_type, self._result_headers(etag), fmt)
        dataset_given = bool(default_graphs or named_graphs)
        request = QueryRequest(
            query=query_text,
            format=BY_NAME["ntriples"] if compact is not None else fmt,
            deadline=deadline,
            union=not shape.has_dataset_clause,
            default_graphs=default_graphs if dataset_given else None,
            named_graphs=named_graphs if dataset_given else None,
            bindings=bound,
            base_iri=base_iri,
            page=page,
        )

        def compute() -> QueryOutcome:
            outcome = self._execute(request, etag)
            if compact is not None and outcome.status == 200:
                outcome.body = compact.write(outcome.body)
                outcome.content_type = COMPACTED_FORMAT.content_type
                outcome.format = COMPACTED_FORMAT
            return outcome

        outcome = self.cache.get_or_compute(key, compute, keep=self._keep, wait=max(0.0, deadline - time.monotonic()))
        if raw_key is not None and self._keep(outcome):
            self.cache.put(raw_key, outcome, size=len(query_text) + 512)
        return outcome

    @staticmethod
    def _keep(outcome: QueryOutcome) -> bool:
        return outcome.status in (200, 400)

    def _result_headers(self, etag: str) -> dict[str, str]:
        return {
            "ETag": etag,
            "Cache-Control": "public, no-cache",
            ROW_LIMIT_HEADER: str(self.config.row_limit),
        }

    def _execute(self, request: QueryRequest, etag: str) -> QueryOutcome:
        if time.monotonic() >= request.deadline:
            self.timeouts += 1
            return self._timeout()
        try:
            result = self.engine.query(request)
        except EngineTimeout:
            self.timeouts += 1
            log.warning("query stopped after the %.1f s time limit", self.config.timeout)
            return self._timeout()
        except EngineError as err:
            if err.status >= 500:
                self.failures += 1
            outcome = QueryOutcome.error(err.status, err.message, problem=getattr(err, "problem", None))
            if err.retry_after is not None:
                outcome.headers["Retry-After"] = str(err.retry_after)
            return outcome
        headers = self._result_headers(etag)
        headers[ROWS_HEADER] = str(result.rows)
        if result.truncated:
            headers[TRUNCATED_HEADER] = f"true; rows={result.rows}"
        return QueryOutcome(
            200,
            result.body,
            result.format.content_type,
            headers,
            result.format,
            result.rows,
            result.truncated,
            total=result.total,
        )

    def _timeout(self) -> QueryOutcome:
        limit = self.config.timeout
        return QueryOutcome.error(503, f"the query did not finish within the {limit:g} s time limit and was stopped")
