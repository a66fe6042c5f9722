"""The linked-data pages, the catalog, the API, search, /health and the service description over each engine.

The real release is served by the embedded store and by ``--engine`` fronts over the Oxigraph server and
Virtuoso (``fronts`` of conftest.py). A front over an engine must serve what the embedded one serves: the
same HTML of each term page (classes with their tree, children and class expressions, an association
with its figures, a property), the same description of each term in Turtle (up to blank node labels),
the same index (read from the catalog query), the same ``/api/queries`` and search results, and the
same service description but for nothing of the engine's. An engine missing here is skipped with the
reason printed.
"""

from __future__ import annotations

import json
import re

import pyoxigraph as ox
import pytest
from ldserver import Server
from rdflib import Graph
from rdflib.compare import isomorphic

from benchmarks.engines import missing

ENGINES = ["oxigraph", "virtuoso"]
BASE = "https://w3id.org/metastasis-kg/"
# Pages that exercise every ld-*.rq: a class with a class expression (ld-describe's blank nodes), a class
# with subclasses below subclasses (ld-children), classes with associations and HPO annotations, an
# association with figures (ld-figures), a property, a statistic, and the index (ld-index, ld-catalog).
PAGES = [
    "/",
    "/browse",
    "/EyeMetastasis",
    "/Association",
    "/Metastasis",
    "/Melanoma",
    "/SkinFinding",
    "/AcanthosisNigricans",
    "/hasStatistic",
    "/fact/skin-highest-propensity-oral-cavity",
    "/statistic/skin-metastasis-oral-cavity-12",
]
_JSONLD = re.compile(r'<script type="application/ld\+json">.*?</script>', re.S)


def _front(fronts: dict[str, Server], engine: str) -> Server:
    if engine not in fronts:
        pytest.skip(missing(engine) or f"{engine} did not start")
    return fronts[engine]


def _html(server: Server, path: str) -> str:
    """The page with the server's own address made neutral and the embedded JSON-LD left out.

    The JSON-LD holds the same triples, but blank node labels are each engine's: it is compared by the
    Turtle test below.
    """
    reply = server.get(path, "text/html")
    assert reply.status == 200, (path, reply.status, reply.body[:300])
    return _JSONLD.sub("", reply.body.decode().replace(server.base, "BASE").replace(str(server.port), "PORT"))


@pytest.mark.parametrize("engine", ENGINES)
def test_term_pages_and_index_alike(fronts: dict[str, Server], engine: str) -> None:
    """Each term page and the index render the same HTML over the engine as over the embedded store."""
    front = _front(fronts, engine)
    differ = [path for path in PAGES if _html(front, path) != _html(fronts["embedded"], path)]
    assert differ == [], f"pages differ over {engine}: {differ}"


@pytest.mark.parametrize("engine", ENGINES)
def test_term_descriptions_alike(fronts: dict[str, Server], engine: str) -> None:
    """Each term's Turtle description is the same graph over the engine (class expressions whole, no more)."""
    front = _front(fronts, engine)
    for path in PAGES[2:]:
        here, there = (server.get(path, "text/turtle") for server in (fronts["embedded"], front))
        assert here.status == there.status == 200, (path, there.status, there.body[:300])
        assert isomorphic(
            Graph().parse(data=here.body, format="turtle"), Graph().parse(data=there.body, format="turtle")
        )


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("path", ["/api/queries", "/api/search?q=melanoma", "/api/search?q=metastasis&kind=class"])
def test_api_alike(fronts: dict[str, Server], engine: str, path: str) -> None:
    """The stored-query list and search (built from the catalog query) answer the same JSON over the engine."""
    front = _front(fronts, engine)
    here, there = (server.get(path, "application/json") for server in (fronts["embedded"], front))
    assert there.status == here.status == 200, (there.status, there.body[:300])
    assert json.loads(there.body) == json.loads(here.body)


@pytest.mark.parametrize("engine", ENGINES)
def test_health_and_service_description(fronts: dict[str, Server], engine: str) -> None:
    """/health reports the engine up with the release's counts; the service description names our URL only."""
    front = _front(fronts, engine)
    health = json.loads(front.get("/health").body)
    embedded = json.loads(fronts["embedded"].get("/health").body)
    assert health["status"] == "ok"
    assert health["triples"] == embedded["triples"] and health["graphs"] == embedded["graphs"]
    reply = front.get("/sparql", "application/n-triples")
    assert reply.status == 200
    graph = list(ox.parse(reply.body, format=ox.RdfFormat.N_TRIPLES))
    services = {t.subject.value for t in graph if t.object.value.endswith("#Service")}
    assert len(services) == 1 and services.pop().startswith(front.base.rsplit(":", 1)[0])
    engine_urls = {worker["engine_url"] for worker in health["workers"]}
    assert len(engine_urls) == 1 and engine_urls.pop().encode() not in reply.body
    assert (BASE + "graph/asserted").encode() in reply.body
