"""SPARQL 1.1 Protocol requests over plain ``http.client``: GET, form POST and direct POST.

The load driver must cost the machine as little as possible (the servers under test share its two
cores), so it keeps one persistent HTTP/1.1 connection per client thread and builds requests by hand
rather than through a higher-level client. Every contender is spoken to over HTTP only, never imported.
"""

from __future__ import annotations

import http.client
import socket
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlencode

__all__ = ["METHODS", "Endpoint", "HttpClient", "Reply", "accept_for", "free_port"]

METHODS = ("GET", "POST-form", "POST-direct")

_RESULTS_JSON = "application/sparql-results+json"
_NTRIPLES = "application/n-triples"


@dataclass(frozen=True)
class Endpoint:
    """Where a contender answers SPARQL queries, and the two engine quirks a request must work around.

    ``dataset`` is sent as the protocol's dataset with every query that names none of its own: an engine
    whose default graph also holds its own system graphs (Virtuoso) gets the KG's graphs, as our front
    sends them. ``direct_post`` False sends the direct POSTs of the mix as form POSTs: Virtuoso 7 never
    answers ``Content-Type: application/sparql-query`` (openlink/virtuoso-opensource#842).
    """

    host: str
    port: int
    path: str
    dataset: tuple[tuple[str, str], ...] = ()
    direct_post: bool = True

    @property
    def url(self) -> str:
        """The endpoint's URL, for reports."""
        return f"http://{self.host}:{self.port}{self.path}"


@dataclass(frozen=True)
class Reply:
    """Status, headers (lower-cased names) and body of one response."""

    status: int
    headers: Mapping[str, str]
    body: bytes


def free_port() -> int:
    """Find a TCP port on 127.0.0.1 that nothing listens on now (the server binds it right after)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def accept_for(graph_result: bool) -> str:
    """Name the one media type to ask for, so every server answers in the format the checker reads."""
    return _NTRIPLES if graph_result else _RESULTS_JSON


class HttpClient:
    """One keep-alive connection to an endpoint; reconnects after any failure."""

    def __init__(self, endpoint: Endpoint, timeout: float) -> None:
        self.endpoint = endpoint
        self.timeout = timeout
        self._conn: http.client.HTTPConnection | None = None

    def close(self) -> None:
        """Drop the connection (a timed-out request leaves it in an unknown state)."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def query(
        self,
        text: str,
        *,
        method: str = "GET",
        accept: str = _RESULTS_JSON,
        dataset: Sequence[tuple[str, str]] = (),
        headers: Mapping[str, str] | None = None,
    ) -> Reply:
        """Send one query by ``method`` (one of :data:`METHODS`) and read the whole response."""
        hdrs = {"Accept": accept, **(headers or {})}
        path = self.endpoint.path
        dataset = dataset or self.endpoint.dataset
        if method == "POST-direct" and not self.endpoint.direct_post:
            method = "POST-form"
        if method == "GET":
            verb, target, body = "GET", f"{path}?{urlencode([('query', text), *dataset])}", None
        elif method == "POST-form":
            verb, target = "POST", path
            body = urlencode([("query", text), *dataset]).encode()
            hdrs["Content-Type"] = "application/x-www-form-urlencoded"
        elif method == "POST-direct":
            verb, target = "POST", f"{path}?{urlencode(dataset)}" if dataset else path
            body = text.encode()
            hdrs["Content-Type"] = "application/sparql-query"
        else:
            raise ValueError(f"unknown method {method!r}")
        return self.request(verb, target, body, hdrs)

    def request(self, verb: str, target: str, body: bytes | None, headers: Mapping[str, str]) -> Reply:
        """Send any request on the kept connection; on failure, close the connection and re-raise."""
        if self._conn is None:
            self._conn = http.client.HTTPConnection(self.endpoint.host, self.endpoint.port, timeout=self.timeout)
        try:
            self._conn.request(verb, target, body=body, headers=dict(headers))
            response = self._conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException):
            self.close()
            raise
        if response.will_close:
            self.close()
        return Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, data)
