"""The OpenAPI 3.1 document of the REST API, generated from the stored queries' own headers.

Every ``queries/*.rq`` file documents itself (``#+ summary``, ``description``, ``tags``, ``defaults``) and
declares its parameters by naming variables ``?_name_type``; this module turns that into one GET
operation per query, with typed query parameters, the result formats its query form can produce, and
what every operation shares: the ``limit``/``offset`` paging parameters with the ``Link`` and
``MKG-Result-Total`` headers they add (:mod:`server.web.paging`, the bounds the API enforces), and the
error answers, each as text or as RFC 9457 problem details (``application/problem+json``) by ``Accept``.
Nothing is written twice, so the document cannot drift from the queries it describes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from kg.library.storedqueries import XSD, Parameter, StoredQuery
from server.protocol.formats import Format
from server.protocol.problem import PROBLEM_JSON, TEXT
from server.web.paging import DEFAULT_PAGE, MAX_OFFSET, MAX_PAGE, TOTAL_HEADER

__all__ = ["openapi_document", "operation_id", "parameter_schema"]

_NUMBERS = {"integer": "integer", "decimal": "number", "double": "number"}
_FORMATS = {"date": "date", "dateTime": "date-time"}


def operation_id(name: str) -> str:
    """``preferred-primaries-for-site`` -> ``preferredPrimariesForSite``."""
    head, *rest = name.split("-")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _typed_default(parameter: Parameter, schema: Mapping[str, Any]) -> Any:
    value = parameter.default
    if value is None:
        return None
    if schema.get("type") == "integer":
        return int(value)
    if schema.get("type") == "number":
        return float(value)
    if schema.get("type") == "boolean":
        return value in ("true", "1")
    return value


def parameter_schema(parameter: Parameter) -> dict[str, Any]:
    """The JSON Schema of one parameter's value, with its default in the schema's own type."""
    schema: dict[str, Any]
    if parameter.kind == "iri":
        schema = {"type": "string", "format": "iri"}
    else:
        local = (parameter.datatype or "").removeprefix(XSD)
        if local in _NUMBERS:
            schema = {"type": _NUMBERS[local]}
        elif local == "boolean":
            schema = {"type": "boolean"}
        elif local in _FORMATS:
            schema = {"type": "string", "format": _FORMATS[local]}
        elif local == "gYear":
            schema = {"type": "string", "pattern": r"^-?\d{4,}(Z|[+-]\d{2}:\d{2})?$"}
        else:
            schema = {"type": "string"}
    default = _typed_default(parameter, schema)
    if default is not None:
        schema["default"] = default
    return schema


def _parameter(parameter: Parameter) -> dict[str, Any]:
    if parameter.kind == "iri":
        what = "an IRI (absolute http(s), or a CURIE with a project prefix such as mkg:Bone or fact:...)"
    elif parameter.language:
        what = f"text, bound as a literal tagged @{parameter.language}"
    else:
        what = f"a value of type {parameter.type_label}"
    if parameter.required and parameter.default is None:
        need = "Required."
    elif parameter.required:
        need = f"Optional: defaults to {parameter.default}."
    else:
        need = "Optional: left unbound when not given."
    return {
        "name": parameter.name,
        "in": "query",
        "required": parameter.required and parameter.default is None,
        "description": f"{what}. {need} Bound as an RDF term, never pasted into the query.",
        "schema": parameter_schema(parameter),
    }


def _content(formats: Sequence[Format]) -> dict[str, Any]:
    content: dict[str, Any] = {}
    for fmt in formats:
        if fmt.name == "json":
            content[fmt.media_type] = {"schema": {"$ref": "#/components/schemas/SparqlJsonResults"}}
        elif fmt.name == "jsonld":
            content[fmt.media_type] = {"schema": {"type": ["object", "array"]}}
        else:
            content[fmt.media_type] = {"schema": {"type": "string"}}
    return content


def _errors() -> dict[str, Any]:
    return {
        "304": {"description": "Not modified: the If-None-Match header names the current ETag."},
        "400": {"$ref": "#/components/responses/BadRequest"},
        "404": {"$ref": "#/components/responses/NotFound"},
        "406": {"$ref": "#/components/responses/NotAcceptable"},
        "503": {"$ref": "#/components/responses/Unavailable"},
    }


def _query_operation(query: StoredQuery, formats: Sequence[Format]) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "operationId": operation_id(query.name),
        "summary": query.summary or query.name.replace("-", " "),
        "tags": list(query.tags) or ["queries"],
        "parameters": [
            *(_parameter(p) for p in query.parameters),
            {"$ref": "#/components/parameters/Limit"},
            {"$ref": "#/components/parameters/Offset"},
        ],
        "responses": {
            "200": {
                "description": "The query's results, in the format the Accept header asks for.",
                "headers": {
                    "ETag": {"$ref": "#/components/headers/ETag"},
                    "Link": {"$ref": "#/components/headers/Link"},
                    "MKG-Result-Rows": {"$ref": "#/components/headers/ResultRows"},
                    "MKG-Result-Truncated": {"$ref": "#/components/headers/ResultTruncated"},
                    TOTAL_HEADER: {"$ref": "#/components/headers/ResultTotal"},
                },
                "content": _content(formats),
            },
            **_errors(),
        },
    }
    if query.description:
        operation["description"] = query.description
    return operation


def _error_response(description: str, **headers: Any) -> dict[str, Any]:
    """An error answer: one line of text, or problem details for a client that prefers JSON."""
    response: dict[str, Any] = {
        "description": description + " The body is one line of text, or RFC 9457 problem details when the"
        " Accept header prefers JSON.",
        "content": {
            TEXT.media_type: {"schema": {"type": "string"}},
            PROBLEM_JSON.media_type: {"schema": {"$ref": "#/components/schemas/Problem"}},
        },
    }
    if headers:
        response["headers"] = headers
    return response


def _paging_parameters() -> dict[str, Any]:
    return {
        "Limit": {
            "name": "limit",
            "in": "query",
            "required": False,
            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE},
            "description": f"At most this many rows, starting at offset (default {DEFAULT_PAGE} when"
            " only offset is given). The page is cut from the whole result, so pages never overlap or skip;"
            " the response's Link header names the next and previous pages and MKG-Result-Total the row count"
            " of the whole result. Only SELECT results have rows to page: on ASK, CONSTRUCT or DESCRIBE, a 400.",
        },
        "Offset": {
            "name": "offset",
            "in": "query",
            "required": False,
            "schema": {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET, "default": 0},
            "description": "Skip this many rows of the whole result first (SELECT queries only).",
        },
    }


def _fixed_paths() -> dict[str, Any]:
    json_list = {"application/json": {"schema": {"type": "array", "items": {"type": "object"}}}}
    return {
        "/api/queries": {
            "get": {
                "operationId": "listQueries",
                "summary": "List the stored queries with their summaries, tags and parameters.",
                "tags": ["api"],
                "responses": {
                    "200": {"description": "One object per stored query.", "content": json_list},
                    "406": {"$ref": "#/components/responses/NotAcceptable"},
                },
            }
        },
        "/api/search": {
            "get": {
                "operationId": "searchTerms",
                "summary": "Find terms by label or synonym: accent- and case-insensitive, by word prefix.",
                "description": "Exact matches rank first, then matches at the start of a label or synonym, then "
                "matches at the start of its words; one result per IRI.",
                "tags": ["api"],
                "parameters": [
                    {
                        "name": "q",
                        "in": "query",
                        "required": True,
                        "schema": {"type": "string", "minLength": 1},
                        "description": "The text to look for, e.g. 'metastase' or 'lymph no'.",
                    },
                    {
                        "name": "limit",
                        "in": "query",
                        "required": False,
                        "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20},
                        "description": "At most this many results.",
                    },
                    {
                        "name": "kind",
                        "in": "query",
                        "required": False,
                        "schema": {"type": "string"},
                        "description": "Only these kinds, comma-separated: class, property, association, statistic, "
                        "statistic-group, source, individual, ontology, resource.",
                    },
                ],
                "responses": {
                    "200": {
                        "description": "Results, best first.",
                        "content": {
                            "application/json": {
                                "schema": {"type": "array", "items": {"$ref": "#/components/schemas/SearchHit"}}
                            }
                        },
                    },
                    "400": {"$ref": "#/components/responses/BadRequest"},
                    "406": {"$ref": "#/components/responses/NotAcceptable"},
                },
            }
        },
        "/api/openapi.json": {
            "get": {
                "operationId": "openapi",
                "summary": "This document.",
                "tags": ["api"],
                "responses": {
                    "200": {
                        "description": "The OpenAPI document.",
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    }
                },
            }
        },
        "/context.jsonld": {
            "get": {
                "operationId": "jsonldContext",
                "summary": "The JSON-LD context of the KG's vocabulary, referenced by every JSON-LD answer.",
                "tags": ["linked data"],
                "responses": {
                    "200": {
                        "description": "A JSON-LD context document.",
                        "content": {"application/ld+json": {"schema": {"type": "object"}}},
                    }
                },
            }
        },
    }


def _components() -> dict[str, Any]:
    return {
        "schemas": {
            "SparqlJsonResults": {
                "type": "object",
                "description": "SPARQL 1.1 Query Results JSON Format.",
                "required": ["head"],
                "properties": {
                    "head": {"type": "object", "properties": {"vars": {"type": "array", "items": {"type": "string"}}}},
                    "results": {
                        "type": "object",
                        "properties": {"bindings": {"type": "array", "items": {"type": "object"}}},
                    },
                    "boolean": {"type": "boolean"},
                },
            },
            "Problem": {
                "type": "object",
                "description": "RFC 9457 problem details; extension members name what a program needs.",
                "required": ["type", "title", "status", "detail"],
                "properties": {
                    "type": {"type": "string", "format": "uri-reference"},
                    "title": {"type": "string"},
                    "status": {"type": "integer", "minimum": 400, "maximum": 599},
                    "detail": {"type": "string", "description": "The same sentence the text body gives."},
                    "instance": {"type": "string", "format": "uri-reference"},
                    "parameter": {"type": "string", "description": "The request parameter at fault."},
                    "available": {
                        "type": "array",
                        "items": {"type": "string"},
                        "description": "The media types a 406 could have given.",
                    },
                    "retry_after": {"type": "integer", "description": "Seconds, as in the Retry-After header."},
                    "line": {"type": "integer"},
                    "column": {"type": "integer"},
                    "near": {"type": "string"},
                    "hint": {"type": "string"},
                },
            },
            "SearchHit": {
                "type": "object",
                "required": ["iri", "label", "matched", "kind"],
                "properties": {
                    "iri": {"type": "string", "format": "iri"},
                    "label": {"type": "string"},
                    "matched": {"type": "string", "description": "The label or synonym that matched."},
                    "field": {"type": "string", "enum": ["label", "synonym"]},
                    "match": {"type": "string", "enum": ["exact", "prefix", "word-prefix"]},
                    "kind": {"type": "string"},
                },
            },
        },
        "parameters": _paging_parameters(),
        "responses": {
            "BadRequest": _error_response(
                "A parameter is missing, empty, unknown, repeated or malformed, or limit/offset is out of range"
                " or given on a query without rows; the message and the problem's parameter member name it."
            ),
            "NotFound": _error_response("No such stored query."),
            "NotAcceptable": _error_response(
                "No format named in the Accept header can be produced; the problem's available member lists"
                " those that can."
            ),
            "Unavailable": _error_response(
                "The query hit the time limit, the engine could not answer, or every worker was busy; try again later.",
                **{"Retry-After": {"$ref": "#/components/headers/RetryAfter"}},
            ),
        },
        "headers": {
            "Link": {
                "description": 'RFC 8288 links: rel="describedby" (this document) always; with limit or offset,'
                ' rel="next" and rel="prev" to the neighbouring pages, same parameters.',
                "schema": {"type": "string"},
            },
            "ResultTotal": {
                "description": "With limit or offset: the number of rows of the whole (capped) result.",
                "schema": {"type": "integer", "minimum": 0},
            },
            "RetryAfter": {
                "description": "Seconds to wait before trying again, when every worker was busy.",
                "schema": {"type": "integer", "minimum": 0},
            },
            "ETag": {
                "description": "Entity tag of this result; send it back in If-None-Match.",
                "schema": {"type": "string"},
            },
            "ResultRows": {"description": "Rows (or triples) in the result.", "schema": {"type": "integer"}},
            "ResultTruncated": {
                "description": "Present when the result was cut at the server's row limit.",
                "schema": {"type": "string"},
            },
        },
    }


def openapi_document(
    library: Mapping[str, StoredQuery],
    formats: Mapping[str, Sequence[Format]],
    *,
    server_url: str,
    version: str,
) -> dict[str, Any]:
    """The whole document; ``formats`` gives each query's result formats (by its query form)."""
    paths: dict[str, Any] = {}
    tags: set[str] = {"api", "linked data"}
    for name, query in library.items():
        paths[f"/api/queries/{name}"] = {"get": _query_operation(query, formats[name])}
        tags.update(query.tags or ["queries"])
    paths.update(_fixed_paths())
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Metastasis KG REST API",
            "version": version,
            "summary": "Stored questions about how cancers spread and how internal cancers show on the skin.",
            "description": "Each stored query is a GET operation; parameters are bound as RDF terms (never pasted "
            "into the query text); results come in every format the SPARQL endpoint offers, chosen by the "
            "Accept header. A missing or malformed parameter is a 400 naming it.",
            "license": {"name": "CC-BY-4.0", "identifier": "CC-BY-4.0"},
        },
        "servers": [{"url": server_url}],
        "tags": [{"name": tag} for tag in sorted(tags, key=str.casefold)],
        "paths": paths,
        "components": _components(),
    }
