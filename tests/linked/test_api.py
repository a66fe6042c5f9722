"""The REST API over the stored queries: every query runs, parameters are checked and bound, errors name them."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from ldserver import CHROME_ACCEPT, Server

from kg.library.storedqueries import Parameter, StoredQuery, load_library
from server.web.paging import MAX_PAGE, TOTAL_HEADER

BASE = "https://w3id.org/metastasis-kg/"
SOLUTION_TYPES = (
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "text/csv",
    "text/tab-separated-values",
)


@pytest.fixture(scope="module")
def library() -> dict[str, StoredQuery]:
    return load_library()


def _example(parameter: Parameter) -> str:
    if parameter.kind == "iri":
        return "mkg:BreastCancer"
    return {"xsd:integer": "3", "xsd:decimal": "1.5", "xsd:boolean": "true"}.get(parameter.type_label, "breast")


def _url(name: str, **params: str) -> str:
    return f"/api/queries/{name}" + ("?" + urlencode(params) if params else "")


def _rows(reply_json: dict) -> list[dict]:  # type: ignore[type-arg]
    return reply_json["results"]["bindings"]


def test_every_library_query_runs_through_the_api_and_answers_json(
    ld_server: Server, library: dict[str, StoredQuery]
) -> None:
    """GET /api/queries/<name> answers 200 SPARQL JSON for every query, given values only where no default exists."""
    assert len(library) >= 25
    for name, query in library.items():
        params = {p.name: _example(p) for p in query.parameters if p.required and p.default is None}
        reply = ld_server.get(_url(name, **params), accept="application/json")
        assert reply.status == 200, f"{name}: {reply.status} {reply.text}"
        assert reply.media_type == "application/sparql-results+json", name
        assert "vars" in reply.json()["head"], name


def test_results_come_in_every_format_the_endpoint_offers(ld_server: Server) -> None:
    """JSON, XML, CSV and TSV by Accept, JSON when anything goes; an Accept nothing meets is a 406."""
    url = _url("preferred-primaries-for-site")
    for media_type in SOLUTION_TYPES:
        reply = ld_server.get(url, accept=media_type)
        assert reply.status == 200, reply.text
        assert reply.media_type == media_type
    rows = list(csv.DictReader(io.StringIO(ld_server.get(url, accept="text/csv").text)))
    assert {"primary", "site", "quote"} <= set(rows[0])
    # A browser ranks application/xml (q=0.9) above */* (q=0.8): it gets SPARQL XML, as it asked.
    assert ld_server.get(url, accept=CHROME_ACCEPT).media_type == "application/sparql-results+xml"
    assert ld_server.get(url, accept="*/*").media_type == "application/sparql-results+json"
    refused = ld_server.get(url, accept="image/png")
    assert refused.status == 406
    assert "text/csv" in refused.text


def _comparable(binding: dict[str, dict[str, str]]) -> str:
    """A row as sortable text, blank node labels left out (each run of a query labels them afresh)."""
    row = {k: {**v, "value": "_"} if v["type"] == "bnode" else v for k, v in binding.items()}
    return json.dumps(row, sort_keys=True)


def test_mkg_query_and_the_api_give_the_same_columns_and_rows_for_every_stored_query(
    library: dict[str, StoredQuery], release_dir: Path
) -> None:
    """The CLI's JSON (its functions, one release load) equals the API's: parameter columns hidden by one rule.

    The API runs in-process over the same release alone (the shared server also serves a hostile test file).
    """
    from kg.library.query import execute, open_release
    from kg.library.results import without_columns, write_result
    from server.config import ServerConfig
    from server.web.app import create_app

    store = open_release(release_dir)
    app = create_app(ServerConfig(release=release_dir, workers=1))
    client = app.test_client()
    hidden_somewhere = 0
    for name, query in library.items():
        if query.hidden_columns and not any(p.required and p.default is None for p in query.parameters):
            hidden_somewhere += 1
        if any(p.required and p.default is None for p in query.parameters):
            continue
        out = io.StringIO()
        write_result(without_columns(execute(store, query), query.hidden_columns), "json", out)
        cli = json.loads(out.getvalue())
        api = client.get(_url(name), headers={"Accept": "application/sparql-results+json"}).get_json()
        assert cli["head"]["vars"] == api["head"]["vars"], name
        assert not set(query.hidden_columns) & set(cli["head"]["vars"]), name
        assert sorted(map(_comparable, _rows(cli))) == sorted(map(_comparable, _rows(api))), name
    app.extensions["mkg"].close()
    assert hidden_somewhere > 10


def test_a_parameter_value_changes_the_answer_and_defaults_apply(ld_server: Server) -> None:
    """Without ?site the default (bone) applies: breast and prostate; with site=mkg:Liver: lung and colon."""
    default = {r["primary"]["value"] for r in _rows(ld_server.get(_url("preferred-primaries-for-site")).json())}
    assert {BASE + "BreastCancer", BASE + "ProstateCancer"} <= default
    liver = ld_server.get(_url("preferred-primaries-for-site", site="mkg:Liver")).json()
    primaries = {r["primary"]["value"] for r in _rows(liver)}
    assert primaries == {BASE + "LungCancer", BASE + "ColonCancer"}
    full_iri = ld_server.get(_url("preferred-primaries-for-site", site=BASE + "Liver")).json()
    assert {r["primary"]["value"] for r in _rows(full_iri)} == primaries


def test_a_missing_required_parameter_is_a_400_that_names_it(ld_server: Server) -> None:
    """label-search has no default for text: leaving it out is a 400 naming 'text', never a 500."""
    reply = ld_server.get(_url("label-search"))
    assert reply.status == 400
    assert "'text'" in reply.text and "missing" in reply.text
    assert reply.media_type == "text/plain"


@pytest.mark.parametrize(
    ("value", "complaint"),
    [
        ("not an iri", "contains ' '"),
        ("https://w3id.org/metastasis-kg/Bone> } SELECT * { ?s ?p ?o", "contains"),
        ("ftp://example.org/x", "absolute http(s) IRI"),
        ("", "is empty"),
    ],
)
def test_a_malformed_iri_parameter_is_a_400_that_names_it(ld_server: Server, value: str, complaint: str) -> None:
    """An IRI parameter that is not an absolute http(s) IRI (or project CURIE) is refused before any query runs."""
    reply = ld_server.get(_url("preferred-primaries-for-site", site=value))
    assert reply.status == 400
    assert "'site'" in reply.text and complaint in reply.text


def test_unknown_and_repeated_parameters_are_400s_that_name_them(ld_server: Server) -> None:
    """A misspelt parameter is named with the real ones; a repeated one is named too."""
    unknown = ld_server.get(_url("preferred-primaries-for-site", sight="mkg:Bone"))
    assert unknown.status == 400
    assert "'sight'" in unknown.text and "site" in unknown.text
    repeated = ld_server.get("/api/queries/preferred-primaries-for-site?site=mkg:Bone&site=mkg:Liver")
    assert repeated.status == 400 and "'site'" in repeated.text


def test_a_hostile_string_is_bound_as_a_value_never_pasted_into_the_query(ld_server: Server) -> None:
    """Quotes and braces in a string parameter stay inside the literal: no syntax error, no data dump."""
    hostile = '") } } SELECT * WHERE { ?s ?p ?o } #'
    reply = ld_server.get(_url("label-search", text=hostile))
    assert reply.status == 200, reply.text
    assert _rows(reply.json()) == []
    found = _rows(ld_server.get(_url("label-search", text="parotid")).json())
    assert BASE + "ParotidGland" in {r["term"]["value"] for r in found}


def test_an_unknown_query_is_a_404(ld_server: Server) -> None:
    """A name that is not in the library is a 404 that says where the list is."""
    reply = ld_server.get("/api/queries/no-such-question")
    assert reply.status == 404
    assert "/api/queries" in reply.text


def test_results_carry_an_etag_and_a_repeat_is_304(ld_server: Server) -> None:
    """Stored query results are cacheable like /sparql's: If-None-Match with the ETag gives 304, HEAD no body."""
    first = ld_server.get(_url("source-documents"))
    etag = first.header("ETag")
    assert first.status == 200 and etag
    again = ld_server.get(_url("source-documents"), If_None_Match=etag)
    assert again.status == 304 and again.body == b""
    head = ld_server.request("HEAD", _url("source-documents"))
    assert head.status == 200 and head.body == b"" and head.header("ETag") == etag


def test_the_list_names_every_query_with_its_parameters(ld_server: Server, library: dict[str, StoredQuery]) -> None:
    """GET /api/queries lists each query's name, summary, tags, URL and typed parameters with defaults."""
    reply = ld_server.get("/api/queries")
    assert reply.status == 200 and reply.media_type == "application/json"
    listed = {item["name"]: item for item in reply.json()}
    assert set(listed) == set(library)
    site = listed["preferred-primaries-for-site"]
    assert site["url"] == "/api/queries/preferred-primaries-for-site"
    assert site["summary"] == library["preferred-primaries-for-site"].summary
    assert site["parameters"] == [{"name": "site", "type": "iri", "required": False, "default": BASE + "Bone"}]
    assert listed["label-search"]["parameters"][0]["required"] is True
    assert "text/csv" in site["formats"]
    assert ld_server.get("/api/queries", accept="text/csv").status == 406


def test_the_openapi_document_is_valid_and_generated_from_the_query_headers(
    ld_server: Server, library: dict[str, StoredQuery]
) -> None:
    """/api/openapi.json passes openapi-spec-validator and carries every query's summary, tags and parameters."""
    from openapi_spec_validator import validate

    reply = ld_server.get("/api/openapi.json")
    assert reply.status == 200
    document = reply.json()
    validate(document)
    assert document["openapi"].startswith("3.1")
    assert document["servers"] == [{"url": ld_server.base}]
    for name, query in library.items():
        operation = document["paths"][f"/api/queries/{name}"]["get"]
        assert operation["summary"] == query.summary
        assert operation["tags"] == list(query.tags)
        own = [p["name"] for p in operation["parameters"] if "$ref" not in p]
        assert own == [p.name for p in query.parameters]
        assert set(operation["responses"]["200"]["content"]) == set(SOLUTION_TYPES)
    site = document["paths"]["/api/queries/preferred-primaries-for-site"]["get"]["parameters"][0]
    assert site["schema"] == {"type": "string", "format": "iri", "default": BASE + "Bone"}
    assert site["required"] is False
    text = document["paths"]["/api/queries/label-search"]["get"]["parameters"][0]
    assert text["required"] is True and "default" not in text["schema"]


def _resolve(document: dict, node: dict) -> dict:  # type: ignore[type-arg]
    """``node``, or what its ``$ref`` (a local JSON pointer) points at."""
    while "$ref" in node:
        target: Any = document
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def test_every_stored_query_operation_documents_paging_link_total_and_problem_errors(
    ld_server: Server, library: dict[str, StoredQuery]
) -> None:
    """limit/offset with the API's bounds, the Link and MKG-Result-Total headers, 400/404/406/503 as text or RFC 9457.

    The document is checked against what the server does: a limit past the documented maximum is refused, and
    the problem bodies of a real 400, 404 and 406 validate against the documented Problem schema.
    """
    import jsonschema

    document = ld_server.get("/api/openapi.json").json()
    problem_schema = document["components"]["schemas"]["Problem"]
    for name in library:
        operation = document["paths"][f"/api/queries/{name}"]["get"]
        parameters = {p["name"]: p for p in (_resolve(document, q) for q in operation["parameters"])}
        assert parameters["limit"]["schema"] == {"type": "integer", "minimum": 1, "maximum": MAX_PAGE}, name
        assert parameters["offset"]["schema"]["minimum"] == 0, name
        assert not parameters["limit"]["required"] and not parameters["offset"]["required"]
        headers = operation["responses"]["200"]["headers"]
        assert {"Link", TOTAL_HEADER, "ETag"} <= set(headers), name
        for status in ("400", "404", "406", "503"):
            response = _resolve(document, operation["responses"][status])
            assert set(response["content"]) == {"text/plain", "application/problem+json"}, (name, status)
            assert _resolve(document, response["content"]["application/problem+json"]["schema"]) == problem_schema
    assert "Retry-After" in _resolve(document, {"$ref": "#/components/responses/Unavailable"})["headers"]
    too_long = ld_server.get(_url("source-documents", limit=str(MAX_PAGE + 1)), accept="application/json")
    assert too_long.status == 400 and too_long.json()["parameter"] == "limit"
    wants_json = "application/sparql-results+json, application/problem+json;q=0.9"
    for path, accept, status in (
        (_url("label-search"), wants_json, 400),
        ("/api/queries/no-such-query", wants_json, 404),
        (_url("source-documents"), "image/png, application/problem+json;q=0.1", 406),
    ):
        reply = ld_server.get(path, accept=accept)
        assert reply.status == status and reply.media_type == "application/problem+json", path
        jsonschema.validate(reply.json(), problem_schema)
        assert str(status) in document["paths"]["/api/queries/source-documents"]["get"]["responses"]


def test_a_missing_or_empty_required_parameter_is_named_as_the_api_parameter(ld_server: Server) -> None:
    """The API and the query page's binder name the URL parameter, never the CLI's ``--param`` wording."""
    for path in (_url("label-search"), _url("preferred-primaries-for-site", site=""), "/query-page/bind/label-search",
                 "/query-page/bind/label-search?text="):  # fmt: skip
        reply = ld_server.get(path, accept="application/json")
        assert reply.status == 400, path
        problem = reply.json()
        assert problem["parameter"] in ("text", "site"), path
        assert f"'{problem['parameter']}'" in problem["detail"], path
        assert "--param" not in problem["detail"], path


def test_the_openapi_page_is_swagger_ui_over_the_document(ld_server: Server) -> None:
    """/api/ is Swagger UI, vendored and served from here, pointed at /api/openapi.json; scripts from here only."""
    reply = ld_server.get("/api/", accept=CHROME_ACCEPT)
    assert reply.status == 200 and reply.media_type == "text/html"
    html = reply.text
    assert 'data-openapi="/api/openapi.json"' in html
    for asset in ("/static/vendor/swagger-ui/swagger-ui-bundle.js", "/static/vendor/swagger-ui/swagger-ui.css"):
        assert asset in html and ld_server.get(asset).status == 200
    csp = reply.header("Content-Security-Policy") or ""
    assert "default-src 'none'" in csp and "script-src 'self'" in csp and "connect-src 'self'" in csp


def test_the_api_answers_cors_preflight(ld_server: Server) -> None:
    """Browser apps on other sites may call the API: OPTIONS answers with open CORS headers."""
    reply = ld_server.request("OPTIONS", "/api/queries/source-documents", {"Origin": "https://app.example"})
    assert reply.status == 200
    assert reply.header("Access-Control-Allow-Origin") == "*"
    assert "GET" in (reply.header("Access-Control-Allow-Methods") or "")
