"""Every stored query of ``queries/`` gives the same answer through the front on each engine.

The real release is served three ways: the embedded store, and ``--engine`` over the Oxigraph server and
over Virtuoso, each loaded with the release's N-Quads. Each stored query runs with its defaults through
``/api/queries/<name>``; the answers are compared as multisets of rows, blank node labels aside (they are
each engine's own). An engine that is missing here is skipped with the reason printed.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from typing import Any

import pytest
from ldserver import Server

from benchmarks.engines import missing
from kg.library.storedqueries import load_library

SELECT_JSON = "application/sparql-results+json"
# GROUP_CONCAT's order is left to the engine by SPARQL 1.1: such columns are compared as sets of parts.
_CONCAT = re.compile(r'GROUP_CONCAT\(.*?;\s*SEPARATOR\s*=\s*"([^"]*)"\s*\)\s+AS\s+\?(\w+)', re.I | re.S)
# Values for the parameters that have no default (each stored query runs with its defaults otherwise).
GIVEN = {"label-search": "?text=melanoma"}
# Answers an engine is known to give otherwise, and why (documented in server/engine/remote.py).
KNOWN = {
    "virtuoso": {
        "fact-provenance": "Virtuoso drops the rows where COALESCE(?fact = ?unbound, true) meets an unbound variable",
        "skin-metastasis-figures": "Virtuoso types EXISTS as xsd:integer 1/0, not xsd:boolean",
        "stated-figures": "Virtuoso types EXISTS as xsd:integer 1/0, not xsd:boolean",
    },
}


def _term(value: dict[str, str], separator: str | None = None) -> tuple[str, ...]:
    if value["type"] == "bnode":
        return ("bnode",)
    if separator:  # order and language tag of a GROUP_CONCAT are the engine's
        parts = separator.join(sorted(value["value"].split(separator)))
        return ("literal", parts, "", "")
    kind = "literal" if value["type"] in ("literal", "typed-literal") else value["type"]
    datatype = value.get("datatype", "")
    if datatype == "http://www.w3.org/2001/XMLSchema#string":
        datatype = ""
    return (kind, value["value"], datatype, value.get("xml:lang", "").lower())


def answer(server: Server, name: str) -> Counter[Any]:
    """The rows (or triples) of stored query ``name``, as a multiset."""
    concatenated = {column: sep for sep, column in _CONCAT.findall(load_library()[name].text)}
    reply = server.request(
        "GET", f"/api/queries/{name}{GIVEN.get(name, '')}", headers={"Accept": f"{SELECT_JSON}, application/n-triples"}
    )
    assert reply.status == 200, (name, reply.status, reply.body[:500])
    if reply.media_type == SELECT_JSON:
        body = json.loads(reply.body)
        if "boolean" in body:
            return Counter([body["boolean"]])
        return Counter(
            tuple(
                sorted(
                    (var, _term(term, concatenated.get(var)))
                    for var, term in row.items()
                    # An empty GROUP_CONCAT is "" on Virtuoso (as SPARQL 1.1 defines it), unbound on pyoxigraph.
                    if not (var in concatenated and term["value"] == "")
                )
            )
            for row in body["results"]["bindings"]
        )
    return Counter(
        " ".join("_:b" if part.startswith("_:") else part for part in line.split(" "))
        for line in reply.body.decode().splitlines()
        if line.strip()
    )


@pytest.mark.parametrize("engine", ["oxigraph", "virtuoso"])
def test_every_stored_query_answers_alike(fronts: dict[str, Server], engine: str) -> None:
    """Each stored query's answer over the engine equals the embedded store's, but for the known differences."""
    if engine not in fronts:
        pytest.skip(missing(engine) or f"{engine} did not start")
    names = [q["name"] for q in json.loads(fronts["embedded"].request("GET", "/api/queries").body)]
    assert len(names) >= 30
    differ = {}
    known = KNOWN.get(engine, {})
    for name in names:
        here, there = answer(fronts["embedded"], name), answer(fronts[engine], name)
        if (here != there) != (name in known):
            differ[name] = (list((here - there).elements())[:1], list((there - here).elements())[:1])
    assert differ == {}, f"answers differ on {engine} (or a known difference is gone): {differ}"
