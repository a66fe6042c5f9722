"""Real SPARQL clients against the running server: SPARQLWrapper and rdflib's SPARQLStore.

Every test takes the ``server`` fixture, so each runs on the embedded store and on the front over the
Oxigraph server and over Virtuoso.
"""

from __future__ import annotations

import pytest
import rdflib
from serverkit import GRAPH, Server

MKG = rdflib.Namespace("https://w3id.org/metastasis-kg/")
SPREAD = """PREFIX mkg: <https://w3id.org/metastasis-kg/>
SELECT ?site WHERE { mkg:BreastCancer mkg:spreadsTo ?site } ORDER BY ?site"""


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv"])
def test_sparqlwrapper_select_in_every_results_format(server: Server, method: str, fmt: str) -> None:
    """SPARQLWrapper gets the same sites by GET and POST, in JSON, XML, CSV and TSV."""
    from SPARQLWrapper import CSV, JSON, POST, TSV, XML, SPARQLWrapper

    client = SPARQLWrapper(server.base + "/sparql")
    client.setQuery(SPREAD)
    client.setReturnFormat({"json": JSON, "xml": XML, "csv": CSV, "tsv": TSV}[fmt])
    if method == "POST":
        client.setMethod(POST)
    result = client.query()
    assert result.response.status == 200
    converted = result.convert()
    if fmt == "json":
        sites = [b["site"]["value"] for b in converted["results"]["bindings"]]
    elif fmt == "xml":
        sites = [node.firstChild.data for node in converted.getElementsByTagName("uri")]
    else:
        separator = "," if fmt == "csv" else "\t"
        lines = converted.decode().strip().splitlines()[1:]
        sites = [line.split(separator)[0].strip("<>") for line in lines]
    assert sites == [str(MKG.Bone), str(MKG.Liver)]


def test_sparqlwrapper_ask_and_construct(server: Server) -> None:
    """SPARQLWrapper reads an ASK boolean and a CONSTRUCT graph as rdflib triples."""
    from SPARQLWrapper import JSON, TURTLE, SPARQLWrapper

    client = SPARQLWrapper(server.base + "/sparql")
    client.setQuery("ASK { ?s <https://w3id.org/metastasis-kg/spreadsFirstTo> ?o }")
    client.setReturnFormat(JSON)
    assert client.query().convert()["boolean"] is True
    client.setQuery("CONSTRUCT WHERE { ?s <https://w3id.org/metastasis-kg/spreadsTo> ?o }")
    client.setReturnFormat(TURTLE)
    graph = rdflib.Graph().parse(data=client.query().convert(), format="turtle")
    assert (MKG.LungCancer, MKG.spreadsTo, MKG.Brain) in graph


def test_sparqlwrapper_named_graph_selection(server: Server) -> None:
    """SPARQLWrapper's default-graph parameter reaches the protocol's default-graph-uri."""
    from SPARQLWrapper import JSON, SPARQLWrapper

    client = SPARQLWrapper(server.base + "/sparql", defaultGraph=GRAPH + "provenance")
    client.setQuery("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    client.setReturnFormat(JSON)
    assert client.query().convert()["results"]["bindings"][0]["n"]["value"] == "5"


def test_rdflib_sparqlstore_queries_the_server(server: Server) -> None:
    """The SPARQLStore of rdflib treats the server as a read-only graph: queries and triple patterns work."""
    from rdflib.plugins.stores.sparqlstore import SPARQLStore

    store = SPARQLStore(server.base + "/sparql", returnFormat="xml")
    graph = rdflib.Graph(store=store)
    rows = list(graph.query(SPREAD))
    assert [row.site for row in rows] == [MKG.Bone, MKG.Liver]
    assert (MKG.BreastCancer, MKG.spreadsTo, MKG.Bone) in graph
    labels = set(graph.objects(MKG.Bone, rdflib.RDFS.label))
    assert labels == {rdflib.Literal("bone", lang="en")}
    assert graph.query("ASK { ?s ?p ?o }").askAnswer is True
    store.close()


def test_rdflib_sparqlstore_cannot_update(server: Server) -> None:
    """An update sent as an rdflib client would is refused, and the data stay the fixture's."""
    from urllib.error import HTTPError

    from rdflib.plugins.stores.sparqlstore import SPARQLUpdateStore

    store = SPARQLUpdateStore(server.base + "/sparql", server.base + "/sparql")
    with pytest.raises(HTTPError) as refused:
        store.update("INSERT DATA { <urn:a> <urn:b> <urn:c> }")
    assert 400 <= refused.value.code < 500
    refused.value.close()
    store.close()
    server.assert_data_unchanged(workers=2)
