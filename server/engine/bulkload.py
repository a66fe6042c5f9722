"""``mkg publish RELEASE --to virtuoso+isql://HOST:PORT``: a release loaded by Virtuoso's bulk loader.

For releases too large to PUT through the Graph Store Protocol. The graphs get the same versioned names
as there (:func:`server.engine.publish.stored_graph`), so fronts switch to them and ``--drop`` removes
an old version the same way. Each graph is written as N-Triples into a folder of its own under
``--load-dir`` (a folder the Virtuoso server reads: listed in its ``DirsAllowed``; ``--engine-load-dir``
when Virtuoso sees it under another path, as in a container), then, each step one ``isql`` session
(:mod:`server.engine.isql`):

1. nothing of this version is in the store yet (a failed load must never clear a served graph);
2. ``ld_dir(folder, file, versioned graph)`` registers each file with the loader;
3. ``rdf_loader_run()`` loads them; ``DB.DBA.load_list`` must then show every file done without error;
4. ``checkpoint`` makes the load durable (the loader writes no transaction log).

A failure names its step, clears the versioned graphs this run began to fill, and leaves every other
graph, the served release's included, as it was. The files and the loader's records of them are
removed afterwards either way.
"""

from __future__ import annotations

import shutil
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

import pyoxigraph as ox

from kg.errors import UserError
from server.engine.isql import Isql, find_isql
from server.engine.publish import read_credentials, stored_graph
from server.release import Release

__all__ = ["SCHEME", "bulk_drop", "bulk_publish", "is_bulk_target"]

SCHEME = "virtuoso+isql"


def is_bulk_target(url: str) -> bool:
    """Whether ``--to`` names Virtuoso's SQL port (the bulk loader) rather than a Graph Store URL."""
    return url.startswith(SCHEME + "://")


def _isql(url: str, credentials: Path | None) -> Isql:
    parts = urlsplit(url)
    if parts.scheme != SCHEME or not parts.hostname or parts.path not in ("", "/"):
        raise UserError(
            f"expected {SCHEME}://HOST:PORT (Virtuoso's SQL port, 1111 by default), got {url!r}", field="--to"
        )
    try:
        port = parts.port or 1111
    except ValueError:
        raise UserError(f"the port of {url!r} is not a number", field="--to") from None
    user, password = read_credentials(credentials)
    if not user:
        raise UserError(
            "Virtuoso's isql needs a user: set MKG_ENGINE_USER and MKG_ENGINE_PASSWORD, or pass --credentials FILE",
            field="--to",
        )
    return Isql(find_isql(), f"{parts.hostname}:{port}", user, password)


def _sql(text: str) -> str:
    """A SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def _write_graphs(release: Release, folder: Path) -> dict[str, str]:
    """Write each graph of ``release`` as ``graph-<n>.nt`` in ``folder``, in one pass; file name -> graph."""
    names = {iri: f"graph-{n}.nt" for n, iri in enumerate(sorted(release.graphs))}
    fmt = ox.RdfFormat.N_QUADS if release.dump.suffix == ".nq" else ox.RdfFormat.TRIG
    try:
        folder.mkdir(parents=True, exist_ok=True)
        outs = {iri: (folder / name).open("w", encoding="utf-8") for iri, name in names.items()}
        try:
            for quad in ox.parse(path=str(release.dump), format=fmt):
                out = outs.get(quad.graph_name.value) if isinstance(quad.graph_name, ox.NamedNode) else None
                if out is None:
                    raise UserError(f"a quad outside the manifest's graphs: {quad}", path=release.dump)
                out.write(f"{quad.subject} {quad.predicate} {quad.object} .\n")
        finally:
            for out in outs.values():
                out.close()
    except OSError as err:
        raise UserError(f"writing the graphs for the bulk loader: {err.strerror}", path=err.filename or folder) from err
    return {name: iri for iri, name in names.items()}


def bulk_publish(
    release: Release,
    url: str,
    load_dir: Path,
    engine_load_dir: PurePosixPath | None = None,
    credentials: Path | None = None,
) -> list[str]:
    """Load every graph of ``release`` under its versioned name with ``ld_dir`` and ``rdf_loader_run``."""
    isql = _isql(url, credentials)
    targets = {iri: stored_graph(iri, release.version) for iri in sorted(release.graphs)}
    present = isql.run(
        "".join(f"SPARQL ASK WHERE {{ GRAPH <{g}> {{ ?s ?p ?o }} }};\n" for g in targets.values()),
        "checking the store",
    )
    if "1" in present.split():
        raise UserError(
            f"release {release.version} is in the store already: drop it first (--drop {release.version}) or publish "
            "a new version",
            field="--to",
        )
    folder = load_dir.resolve() / f"mkg-{release.version}"
    seen_as = (engine_load_dir or PurePosixPath(load_dir.resolve())) / folder.name
    files = _write_graphs(release, folder)
    mine = f"ll_file LIKE {_sql(str(seen_as) + '/%')}"
    forget = f"DELETE FROM DB.DBA.load_list WHERE {mine};\n"  # noqa: S608 (every value quoted by _sql)
    try:
        register = "".join(
            f"ld_dir({_sql(str(seen_as))}, {_sql(name)}, {_sql(targets[iri])});\n" for name, iri in files.items()
        )
        isql.run(forget + register, "registering the files with the bulk loader (ld_dir)")
        isql.run("rdf_loader_run();\n", "loading (rdf_loader_run)", timeout=None)
        states = isql.run(
            f"SELECT ll_file || ': ' || coalesce(ll_error, 'not loaded') FROM DB.DBA.load_list WHERE {mine} "  # noqa: S608
            "AND (ll_state <> 2 OR ll_error IS NOT NULL);\n"
            f"SELECT COUNT(*) FROM DB.DBA.load_list WHERE {mine};\n",
            "checking the load",
        )
        *failed, registered = [line for line in states.splitlines() if line.strip()] or ["0"]
        if failed:
            raise UserError(f"loading (rdf_loader_run): Virtuoso's loader reported {failed[0].strip()}")
        if registered.strip() != str(len(files)):
            raise UserError(
                f"registering the files with the bulk loader (ld_dir): Virtuoso found {registered.strip()} of the "
                f"{len(files)} files in {seen_as} (is that the folder as Virtuoso sees it?)"
            )
        isql.run("checkpoint;\n", "checkpoint", timeout=None)
    except UserError as failure:
        clear = "log_enable(3, 1);\n" + "".join(f"SPARQL CLEAR GRAPH <{g}>;\n" for g in targets.values())
        try:
            isql.run(clear + forget + "checkpoint;\n", "removing what the failed load left")
        except UserError as cleanup:
            raise UserError(f"{failure.message}; then {cleanup.message}") from None
        raise
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    isql.run(forget, "forgetting the loaded files")
    return list(targets.values())


def bulk_drop(version: str, graphs: list[str], url: str, credentials: Path | None = None) -> None:
    """Remove release ``version``'s graphs through ``isql`` (without a transaction log), then checkpoint."""
    isql = _isql(url, credentials)
    clear = "".join(f"SPARQL CLEAR GRAPH <{stored_graph(iri, version)}>;\n" for iri in graphs)
    isql.run("log_enable(3, 1);\n" + clear + "checkpoint;\n", f"dropping release {version}'s graphs", timeout=None)
