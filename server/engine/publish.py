"""``mkg publish RELEASE --to STORE``: load a release into an engine through the SPARQL 1.1 Graph Store Protocol.

Each named graph of the release is PUT into a graph of its own named for the release's version
(``<graph>/release/<version>``), so loading a new release never touches the graphs a running front reads:
a front started on a release finds that release's graphs by those names
(:func:`server.engine.remote.open_remote_engine` checks and maps them), and the old version is dropped
with ``mkg publish --drop VERSION`` once every front has moved on. A failed PUT removes what this run
loaded and names the step; nothing served changes.

Stores: the Oxigraph server (``/store``), Fuseki (``/DATASET/data``), Virtuoso
(``/sparql-graph-crud-auth``, HTTP digest authentication); ``virtuoso+isql://HOST:PORT`` loads through
Virtuoso's bulk loader instead (:mod:`server.engine.bulkload`). Credentials come from ``MKG_ENGINE_USER`` and
``MKG_ENGINE_PASSWORD`` or from ``--credentials FILE`` (one line ``user:password``), never from the command
line, and never appear in a message.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from pathlib import Path, PurePosixPath
from urllib.parse import quote

import pyoxigraph as ox
import requests
from requests.auth import HTTPDigestAuth

from kg.errors import UserError
from server.release import Release, read_release

__all__ = ["drop_release", "publish_release", "read_credentials", "register", "stored_graph"]


def stored_graph(iri: str, version: str) -> str:
    """The name a release's graph is loaded under in an engine."""
    return f"{iri}/release/{version}"


def read_credentials(credentials: Path | None) -> tuple[str | None, str]:
    """The user and password: from ``--credentials FILE`` (one line ``user:password``), else the environment."""
    user, password = os.environ.get("MKG_ENGINE_USER"), os.environ.get("MKG_ENGINE_PASSWORD")
    if credentials is not None:
        try:
            line = credentials.read_text(encoding="utf-8").strip().splitlines()[0]
        except (OSError, IndexError) as err:
            raise UserError("cannot read the credentials (one line user:password)", path=credentials) from err
        user, _, password = line.partition(":")
    return user, password or ""


class _Store:
    """HTTP to a Graph Store endpoint, with digest authentication sent before any body.

    Virtuoso answers an unauthenticated PUT with 401 before reading the body and resets the connection
    once the body outgrows the socket buffers, so a client that sends the body and waits for the challenge
    (urllib's digest handler) never gets to retry. Here a bodiless HEAD on the graph fetches the challenge
    first; requests' ``HTTPDigestAuth`` then sends every later request with its ``Authorization`` computed
    from that nonce.
    """

    def __init__(self, credentials: Path | None) -> None:
        user, password = read_credentials(credentials)
        self.session = requests.Session()
        self.session.trust_env = False  # no proxy or .netrc from the environment between us and the store
        self.digest = HTTPDigestAuth(user, password) if user else None
        self.session.auth = self.digest
        self._challenged = False

    def send(self, method: str, url: str, body: bytes | None, step: str) -> None:
        headers = {"Content-Type": "application/n-triples"} if body is not None else {}
        try:
            if self.digest is not None and body is not None and not self._challenged:
                self.session.head(url, timeout=60)  # any answer will do: it carries the challenge when one is due
                self._challenged = True
            answer = self.session.request(method, url, data=body, headers=headers, timeout=600)
        except requests.RequestException as err:
            reason = err.args[0] if err.args else err
            raise UserError(f"{step}: cannot reach the store: {getattr(reason, 'reason', reason)}") from None
        if method == "DELETE" and answer.status_code == 404:
            return
        if answer.status_code >= 400:
            detail = answer.text[:300].strip().splitlines()[:1]
            said = f" ({detail[0]})" if detail else ""
            raise UserError(f"{step}: the store answered {answer.status_code} {answer.reason}{said}")


def _graph_url(store: str, graph: str) -> str:
    return f"{store}{'&' if '?' in store else '?'}graph={quote(graph, safe='')}"


def publish_release(release: Release, store: str, credentials: Path | None = None) -> list[str]:
    """PUT every graph of ``release`` under its versioned name; on a failure remove what was loaded."""
    http = _Store(credentials)
    quads = list(ox.parse(path=str(release.dump), format=ox.RdfFormat.N_QUADS))
    loaded: list[str] = []
    try:
        for iri in sorted(release.graphs):
            triples = [ox.Triple(q.subject, q.predicate, q.object) for q in quads if q.graph_name.value == iri]
            body = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""
            target = stored_graph(iri, release.version)
            http.send("PUT", _graph_url(store, target), body, f"loading graph {iri}")
            loaded.append(target)
    except UserError:
        for target in loaded:
            with contextlib.suppress(UserError):
                http.send("DELETE", _graph_url(store, target), None, f"removing {target}")
        raise
    return loaded


def drop_release(version: str, graphs: list[str], store: str, credentials: Path | None = None) -> None:
    """Remove the graphs of release ``version`` (those of the release folder given, under that version)."""
    http = _Store(credentials)
    for iri in graphs:
        http.send("DELETE", _graph_url(store, stored_graph(iri, version)), None, f"dropping graph {iri}")


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``publish`` subcommand."""
    p = sub.add_parser(
        "publish",
        help="load a release into an engine (Graph Store Protocol or Virtuoso's bulk loader), graphs named by version",
    )
    p.add_argument("release", type=Path, help="release folder (e.g. build/release)")
    p.add_argument(
        "--to",
        required=True,
        metavar="STORE_URL",
        help="the engine's Graph Store Protocol URL (http://HOST:7878/store, http://HOST:8890/sparql-graph-crud-auth, "
        "http://HOST:3030/DATASET/data), or virtuoso+isql://HOST:PORT for Virtuoso's bulk loader through isql-vt "
        "on its SQL port (1111 by default; needs --load-dir)",
    )
    p.add_argument(
        "--credentials",
        type=Path,
        metavar="FILE",
        help="file with one line user:password (default: $MKG_ENGINE_USER and $MKG_ENGINE_PASSWORD)",
    )
    p.add_argument("--drop", metavar="VERSION", help="remove release VERSION's graphs instead of loading")
    p.add_argument(
        "--load-dir",
        type=Path,
        metavar="DIR",
        help="virtuoso+isql: folder the graphs are written to for the bulk loader; Virtuoso must read it "
        "(list it in DirsAllowed of virtuoso.ini); the files are removed after the load",
    )
    p.add_argument(
        "--engine-load-dir",
        type=PurePosixPath,
        metavar="PATH",
        help="virtuoso+isql: the --load-dir folder as the Virtuoso server sees it, when that differs (a container's "
        "mount; default: the same path)",
    )
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from server.engine import bulkload

    bulk = bulkload.is_bulk_target(args.to)
    if not bulk and not args.to.startswith(("http://", "https://")):
        raise UserError(
            f"the store must be an http(s) URL or {bulkload.SCHEME}://HOST:PORT, got {args.to!r}", field="--to"
        )
    if bulk and args.load_dir is None and not args.drop:
        raise UserError(
            f"{bulkload.SCHEME}:// needs --load-dir DIR, a folder Virtuoso reads (in DirsAllowed of virtuoso.ini)",
            field="--load-dir",
        )
    if not bulk and (args.load_dir or args.engine_load_dir):
        raise UserError(f"only a {bulkload.SCHEME}:// store is loaded from a folder", field="--load-dir")
    release = read_release(args.release.resolve())
    if args.drop:
        if bulk:
            bulkload.bulk_drop(args.drop, sorted(release.graphs), args.to, args.credentials)
        else:
            drop_release(args.drop, sorted(release.graphs), args.to, args.credentials)
        print(f"mkg publish: dropped release {args.drop}'s {len(release.graphs)} graphs", file=sys.stderr)
        return 0
    if bulk:
        loaded = bulkload.bulk_publish(release, args.to, args.load_dir, args.engine_load_dir, args.credentials)
    else:
        loaded = publish_release(release, args.to, args.credentials)
    print(
        f"mkg publish: release {release.version} loaded as {len(loaded)} graphs named <graph>/release/"
        f"{release.version}; start the fronts on it, then drop the previous version with --drop",
        file=sys.stderr,
    )
    return 0
