"""Term pages as good as OLS, on the real release: tree, children, incoming links, mappings, HPO diseases, 404s.

The tree runs to the root, the mappings are one table with evidence, a skin finding lists the HPO diseases
annotated with it, a mistyped IRI suggests the closest labels, and the ontology page opens with its
description. In-process (Flask's test client over the session's release): the pages are read as a browser gets them
and parsed, so each test checks what a reader sees, not how the template is written.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import flask
import pytest

from kg.hpo.summary import xrefs_file
from server.config import ServerConfig
from server.web.app import create_app

BASE = "https://w3id.org/metastasis-kg/"
BROWSER = "text/html,application/xhtml+xml,*/*;q=0.8"


@pytest.fixture(scope="module")
def client(release_dir: Path) -> Iterator[flask.testing.FlaskClient]:
    """A test client of the app serving the session's release."""
    app = create_app(ServerConfig(release=release_dir, workers=1))
    yield app.test_client()
    app.extensions["mkg"].close()


class _Nodes(HTMLParser):
    """The page as nested elements: (tag, attributes, children, text) for the parts the tests read."""

    def __init__(self) -> None:
        super().__init__()
        self.root: dict[str, Any] = {"tag": "", "attrs": {}, "children": [], "text": ""}
        self._stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = {"tag": tag, "attrs": {k: v or "" for k, v in attrs}, "children": [], "text": ""}
        self._stack[-1]["children"].append(node)
        if tag not in ("br", "meta", "link", "input", "img"):
            self._stack.append(node)

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self._stack) - 1, 0, -1):
            if self._stack[i]["tag"] == tag:
                del self._stack[i:]
                return

    def handle_data(self, data: str) -> None:
        for node in self._stack:
            node["text"] += data


def _find(node: dict[str, Any], tag: str, cls: str = "") -> list[dict[str, Any]]:
    found = []
    for child in node["children"]:
        if child["tag"] == tag and (not cls or cls in child["attrs"].get("class", "").split()):
            found.append(child)
        found += _find(child, tag, cls)
    return found


def _text(node: dict[str, Any]) -> str:
    return " ".join(node["text"].split())


def _parse(html: str) -> dict[str, Any]:
    parser = _Nodes()
    parser.feed(html)
    return parser.root


def _page(client: flask.testing.FlaskClient, path: str, status: int = 200) -> dict[str, Any]:
    reply = client.get(path, headers={"Accept": BROWSER})
    assert reply.status_code == status, path
    return _parse(reply.data.decode())


def _tree(ul: dict[str, Any]) -> list[tuple[str, list[Any]]]:
    """A rendered ``ul.tree`` as [(label, [children...])]."""
    out = []
    for li in (c for c in ul["children"] if c["tag"] == "li"):
        label = next(c for c in li["children"] if c["tag"] in ("a", "strong"))
        below = [c for c in li["children"] if c["tag"] == "ul"]
        out.append((_text(label), _tree(below[0]) if below else []))
    return out


def _rows(table: dict[str, Any]) -> list[list[dict[str, Any]]]:
    return [[c for c in tr["children"] if c["tag"] == "td"] for tr in _find(table, "tr") if _find(tr, "td")]


def test_a_terms_page_shows_its_ancestors_to_the_root_as_a_tree(client: flask.testing.FlaskClient) -> None:
    """Breast cancer sits under malignant neoplasm (the root); the term itself closes the branch, unlinked."""
    page = _page(client, "/BreastCancer")
    nav = _find(page, "nav", "tree")
    assert nav, "no ancestor tree on the breast cancer page"
    assert _tree(_find(nav[0], "ul", "tree")[0]) == [("malignant neoplasm", [("breast cancer", [])])]
    assert _find(nav[0], "strong")[0]["attrs"].get("aria-current") == "page"
    children = _find(page, "dd", "children")
    assert children and _text(children[0]) == "none"


def test_a_defined_class_gets_the_tree_the_reasoner_found(client: flask.testing.FlaskClient) -> None:
    """ParotidLymphNodeMetastasis is placed only by inference: its tree still runs root > ... > term, direct steps."""
    nav = _find(_page(client, "/ParotidLymphNodeMetastasis"), "nav", "tree")[0]
    chain = _tree(_find(nav, "ul", "tree")[0])
    assert chain == [
        (
            "malignant neoplasm",
            [("metastasis", [("lymph node metastasis", [("parotid lymph node metastasis", [])])])],
        )
    ]


def test_a_terms_page_lists_its_direct_children_only(client: flask.testing.FlaskClient) -> None:
    """Malignant neoplasm's children include breast cancer and metastasis, not metastasis's own children."""
    children = _find(_page(client, "/MalignantNeoplasm"), "dd", "children")[0]
    labels = [_text(a) for a in _find(children, "a")]
    assert "breast cancer" in labels and "metastasis" in labels
    assert "lymph node metastasis" not in labels and "parotid lymph node metastasis" not in labels
    assert labels == sorted(labels, key=str.casefold)
    below = [_text(a) for a in _find(_find(_page(client, "/Metastasis"), "dd", "children")[0], "a")]
    assert "lymph node metastasis" in below and "parotid lymph node metastasis" not in below


def test_incoming_links_are_listed_by_property(client: flask.testing.FlaskClient) -> None:
    """What uses a term: the parotid metastasis class is the metastasis class of facts, under that property."""
    page = _page(client, "/ParotidLymphNodeMetastasis")
    referenced = [t for t in _find(page, "table", "statements") if "incoming" in _text(t)]
    assert referenced
    by_property = {_text(tr["children"][0]): tr for tr in _find(referenced[0], "tr") if _find(tr, "td")}
    assert "metastasis class" in by_property
    assert any(a["attrs"]["href"].startswith("/fact/") for a in _find(by_property["metastasis class"], "a"))


def test_mappings_are_one_table_with_match_type_and_evidence(client: flask.testing.FlaskClient) -> None:
    """SKOS matches and hasDbXref are one row per target, with the checked table's evidence for it."""
    page = _page(client, "/BreastCancer")
    headings = [_text(h) for h in _find(page, "h2")]
    assert "Mappings (3)" in headings and not any("Cross-references" in h for h in headings)
    rows = {_text(_find(r[0], "a")[0]): r for r in _rows(_find(page, "table", "mappings")[0])}
    assert set(rows) == {"MONDO:0007254", "NCIT:C9335", "DOID:1612"}
    with xrefs_file().open(encoding="utf-8", newline="") as handle:
        table = {
            r["target_curie"]: r for r in csv.DictReader(handle, delimiter="\t") if r["concept"] == "breast cancer"
        }
    for curie, cells in rows.items():
        assert _find(cells[0], "a")[0]["attrs"]["href"] == "http://purl.obolibrary.org/obo/" + curie.replace(":", "_")
        assert _text(cells[1]) == "exact match, database cross-reference"
        assert table[curie]["evidence"] in _text(cells[2])
        assert table[curie]["target_label"] in _text(cells[0])


def test_a_skin_findings_page_lists_the_hpo_diseases_with_evidence(client: flask.testing.FlaskClient) -> None:
    """Acanthosis nigricans lists every HPO annotation of the stored query, with its evidence code and references."""
    reply = client.get(
        "/api/queries/hpo-diseases-with-skin-finding?finding=mkg:AcanthosisNigricans",
        headers={"Accept": "application/sparql-results+json"},
    )
    expected = {
        (b["diseaseLabel"]["value"], b["evidence"]["value"], b["negated"]["value"] == "true")
        for b in json.loads(reply.data)["results"]["bindings"]
    }
    assert len(expected) > 50
    table = _find(_page(client, "/AcanthosisNigricans"), "table", "hpo-annotations")
    assert table, "no HPO annotations on the acanthosis nigricans page"
    rows = _rows(table[0])
    shown = set()
    for disease, phenotype, evidence, references, _frequency in rows:
        assert _text(evidence) in {"IEA", "PCS", "TAS"}
        links = [a["attrs"]["href"] for a in _find(references, "a")]
        assert links and all(re.match(r"https?://", link) for link in links)
        assert re.match(r"https?://", _find(disease, "a")[0]["attrs"]["href"])
        shown.add((_text(_find(disease, "a")[0]), _text(evidence), "NOT" in _text(phenotype)))
    assert shown == expected and len(rows) == len(json.loads(reply.data)["results"]["bindings"])
    assert not _find(_page(client, "/BreastCancer"), "table", "hpo-annotations")


def test_a_mistyped_term_iri_is_a_404_that_offers_the_closest_labels(client: flask.testing.FlaskClient) -> None:
    """/breastcancer suggests breast cancer: as a link on the HTML page, in the problem details, in the text."""
    page = _page(client, "/breastcancer", status=404)
    suggested = _find(page, "ul", "suggestions")
    assert suggested, "no suggestions on the 404 page"
    first = _find(suggested[0], "a")[0]
    assert (_text(first), first["attrs"]["href"]) == ("breast cancer", "/BreastCancer")
    problem = client.get("/breastcancer", headers={"Accept": "application/json"})
    assert problem.status_code == 404 and problem.mimetype == "application/problem+json"
    body = problem.get_json(force=True)
    assert body["suggestions"][0] == {"label": "breast cancer", "iri": BASE + "BreastCancer", "href": "/BreastCancer"}
    text = client.get("/breastcancer").data.decode()
    assert "did you mean: breast cancer </BreastCancer>" in text
    assert _text(_find(_find(_page(client, "/Melanomma", status=404), "ul", "suggestions")[0], "a")[0]) == "melanoma"


def test_the_ontology_page_opens_with_its_description_not_the_editors_note(client: flask.testing.FlaskClient) -> None:
    """The first paragraph is dcterms:description; the editors' note comes last, its `code` as code, no backticks."""
    reply = client.get("/metastasis-kg.owl", headers={"Accept": BROWSER})
    html = reply.data.decode()
    article = _find(_parse(html), "article", "ontology")[0]
    paragraphs = [p for p in _find(article, "p") if "iri" not in p["attrs"].get("class", "")]
    assert _text(paragraphs[0]).startswith("Classes and relations for how cancers spread")
    assert "`" not in article["text"]  # (the embedded JSON-LD keeps the literal as it is)
    note = _find(article, "p", "comment")[-1]
    assert _text(note).startswith("Edit file:") and [_text(c) for c in _find(note, "code")] == ["mkg build"]


def test_a_long_incoming_list_is_cut_and_counted(client: flask.testing.FlaskClient) -> None:
    """The HPO annotation class lists 100 of its instances under 'type' and says how many more there are."""
    count = client.get(
        "/sparql",
        query_string={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?a a <https://w3id.org/metastasis-kg/HpoAnnotation> }"},
        headers={"Accept": "application/sparql-results+json"},
    )
    total = int(json.loads(count.data)["results"]["bindings"][0]["n"]["value"])
    assert total > 1000
    page = _page(client, "/HpoAnnotation")
    incoming = next(t for t in _find(page, "table", "statements") if "incoming" in _text(t))
    row = next(tr for tr in _find(incoming, "tr") if _find(tr, "td") and _text(tr["children"][0]) == "rdf:type")
    assert len(_find(row, "li")) == 100
    assert f"… and {total - 100:,} more" in _text(_find(row, "p", "more")[0])
