"""The query executor every route shares: guards, content negotiation, caching, ETags, the worker pool.

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
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import flask

from server.cache import ResultCache
from server.config import ServerConfig
from server.conneg import choose
from server.dataset import DatasetInfo, describe, plan_data_files
from server.execution import Limits
from server.formats import BY_NAME, Format, formats_for_form
from server.guard import QueryRefused, inspect_query
from server.pool import PoolBusy, PoolError, QueryTimeout, WorkerCrashed, WorkerPool
from server.release import Release, read_release
from server.zygote import WorkerSettings

__all__ = ["QueryOutcome", "QueryService", "binding_to_json", "etag_matches"]

log = logging.getLogger(__name__)

TRUNCATED_HEADER = "MKG-Result-Truncated"
ROW_LIMIT_HEADER = "MKG-Row-Limit"
ROWS_HEADER = "MKG-Result-Rows"
_GZIP_MIN = 1024
_IRI_FORBIDDEN = set('<>"{}|^`\\ ')


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
    message; ``headers`` holds ETag, Vary, caching and truncation headers.
    """

    status: int
    body: bytes
    content_type: str
    headers: dict[str, str] = field(default_factory=dict)
    format: Format | None = None
    rows: int | None = None
    truncated: bool = False
    _gzipped: bytes | None = field(default=None, repr=False)

    @classmethod
    def error(cls, status: int, message: str) -> QueryOutcome:
        """A plain-text error the client can read; never cached by HTTP caches."""
        return cls(
            status,
            (message.rstrip("\n") + "\n").encode(),
            "text/plain; charset=utf-8",
            {"Cache-Control": "no-store"},
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

    def to_response(self) -> flask.Response:
        """The HTTP response, honouring the current request's ``If-None-Match`` and ``Accept-Encoding``."""
        request = flask.request if flask.has_request_context() else None
        headers = {"Vary": "Accept, Accept-Encoding", **self.headers}
        if self.status == 304:
            return flask.Response(status=304, headers=headers)
        if self.status == 200 and self.etag and request is not None:
            if etag_matches(request.headers.get("If-None-Match"), self.etag):
                return flask.Response(status=304, headers=headers)
        body = self.body
        wants_gzip = request is not None and request.accept_encodings.quality("gzip") > 0
        if self.status == 200 and wants_gzip and len(body) >= _GZIP_MIN:
            body = self.gzipped()
            headers["Content-Encoding"] = "gzip"
            if self.etag:
                headers["ETag"] = self.etag[:-1] + '-gzip"'
        return flask.Response(body, status=self.status, headers=headers, content_type=self.content_type)


def binding_to_json(value: Any) -> dict[str, str]:
    """A binding value (pyoxigraph term, rdflib term, or SPARQL-JSON dict) as a SPARQL-JSON term."""
    if isinstance(value, Mapping):
        return {str(k): str(v) for k, v in value.items()}
    kind = type(value).__name__
    if kind in ("NamedNode", "URIRef"):
        return {"type": "uri", "value": str(value.value if hasattr(value, "value") else value)}
    if kind in ("BlankNode", "BNode"):
        return {"type": "bnode", "value": str(value.value if hasattr(value, "value") else value)}
    if kind == "Literal":
        lexical = value.value if hasattr(value, "value") and isinstance(value.value, str) else str(value)
        language = getattr(value, "language", None)
        datatype = getattr(value, "datatype", None)
        term = {"type": "literal", "value": lexical}
        if language:
            term["xml:lang"] = str(language)
        elif datatype is not None:
            iri = str(getattr(datatype, "value", datatype))
            if iri != "http://www.w3.org/2001/XMLSchema#string":
                term["datatype"] = iri
        return term
    raise TypeError(f"cannot bind a {kind}; use an IRI, blank node or literal")


def _check_iris(iris: Iterable[str], parameter: str) -> tuple[str, ...]:
    checked = []
    for iri in iris:
        if not iri or ":" not in iri or any(c in _IRI_FORBIDDEN or ord(c) < 0x20 for c in iri):
            raise QueryRefused(400, f"{parameter} must be an absolute IRI, got {iri!r}")
        checked.append(iri)
    return tuple(checked)


class QueryService:
    """The shared query executor, stored as ``app.extensions["mkg"]``.

    Holds the served dataset's description (``dataset``), the worker pool and the result cache.
    """

    def __init__(self, config: ServerConfig) -> None:
        self.config = config
        self.release: Release | None = read_release(config.release) if config.release is not None else None
        data = plan_data_files(config.data)
        self.prefixes: dict[str, str] = self.release.prefixes() if self.release else {}
        settings = WorkerSettings(
            limits=Limits(rows=config.row_limit, bytes=config.result_bytes_limit),
            prefixes=self.prefixes,
            memory_mb=config.worker_memory_mb,
        )
        self.pool = WorkerPool(config.workers, self.release, data, settings)
        counts = self.pool.start()
        self.dataset: DatasetInfo = describe(self.release, data, counts)
        self.cache: ResultCache[QueryOutcome] = ResultCache(
            config.cache_bytes, lambda outcome: len(outcome.body) * 2 + 1024
        )
        self.started = time.time()

    def close(self) -> None:
        """Stop the query processes."""
        self.pool.shutdown()

    def _etag(self, key: tuple[Any, ...]) -> str:
        digest = hashlib.sha256(self.dataset.tag.encode())
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
    ) -> QueryOutcome:
        """Run a SPARQL query under every guard and return a response-ready :class:`QueryOutcome`.

        ``bindings`` maps variable names (without ``?``) to terms substituted before evaluation (the
        variable must be projected); ``accept`` is an ``Accept`` header (``None``: the default format);
        the graph URIs restrict the dataset as the protocol's ``default-graph-uri`` and
        ``named-graph-uri`` do, only ever among the served graphs. With ``if_none_match`` naming the
        result's current ETag the outcome is a 304 and the query does not run at all.
        """
        started = time.monotonic()
        deadline = started + self.config.timeout
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
            kinds = ", ".join(f.media_type for f in offers)
            return QueryOutcome.error(406, f"cannot produce any format named in Accept: {accept}\navailable: {kinds}")
        key = (query_text, fmt.name, default_graphs, named_graphs, json.dumps(bound, sort_keys=True))
        etag = self._etag(key)
        if etag_matches(if_none_match, etag):
            return QueryOutcome(304, b"", fmt.content_type, self._result_headers(etag), fmt)
        request = {
            "format": fmt.name,
            "union": not shape.has_dataset_clause,
            "bindings": bound,
        }
        if default_graphs or named_graphs:
            request["default_graphs"] = list(default_graphs)
            request["named_graphs"] = list(named_graphs)

        def compute() -> QueryOutcome:
            return self._execute(request, query_text, deadline, etag)

        return self.cache.get_or_compute(
            key, compute, keep=lambda o: o.status in (200, 400), wait=max(0.0, deadline - time.monotonic())
        )

    def _result_headers(self, etag: str) -> dict[str, str]:
        return {
            "ETag": etag,
            "Cache-Control": "public, no-cache",
            ROW_LIMIT_HEADER: str(self.config.row_limit),
        }

    def _execute(self, request: dict[str, Any], query_text: str, deadline: float, etag: str) -> QueryOutcome:
        limit = self.config.timeout
        try:
            reply, body = self.pool.run(request, query_text, deadline)
        except QueryTimeout:
            log.warning("query stopped after the %.1f s time limit", limit)
            return QueryOutcome.error(
                503, f"the query did not finish within the {limit:g} s time limit and was stopped"
            )
        except PoolBusy:
            return QueryOutcome.error(503, f"all query workers stayed busy for {limit:g} s; try again later")
        except WorkerCrashed:
            log.warning("a query worker died while running a query; it was replaced")
            return QueryOutcome.error(
                500,
                "the query engine stopped abnormally on this query (too deep, too large, or too much memory);"
                " the server is fine, the query was not run to the end",
            )
        except PoolError as err:
            return QueryOutcome.error(503, f"the query processes are unavailable: {err}")
        status = int(reply.get("status", 500))
        if status != 200:
            return QueryOutcome.error(status, str(reply.get("error", "query failed")))
        fmt = BY_NAME[str(reply["format"])]
        headers = self._result_headers(etag)
        rows = int(reply.get("rows", 0))
        headers[ROWS_HEADER] = str(rows)
        truncated = bool(reply.get("truncated"))
        if truncated:
            headers[TRUNCATED_HEADER] = f"true; rows={rows}"
        return QueryOutcome(200, body, fmt.content_type, headers, fmt, rows, truncated)
