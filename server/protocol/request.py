"""How a SPARQL 1.1 Protocol query request is read: the query, the dataset, or why it is refused.

Framework-neutral (plain strings and bytes in, a small result out), so it is tested without a server:
GET with ``query=``, POST form-encoded, POST ``application/sparql-query``. Percent-encoded bytes must be
UTF-8: ``%FF`` is a 400, never a query run with U+FFFD in it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qsl

__all__ = ["FORM", "QUERY", "ProtocolRefusal", "ProtocolRequest", "read_request"]

FORM = "application/x-www-form-urlencoded"
QUERY = "application/sparql-query"
UPDATE = "application/sparql-update"
_UPDATE_PARAMETERS = {"update", "using-graph-uri", "using-named-graph-uri"}
_MAX_FIELDS = 256
_READ_ONLY = "this endpoint is read-only: SPARQL Update requests are refused"


@dataclass(frozen=True)
class ProtocolRequest:
    """A well-formed query request; ``query`` is ``None`` for a GET that asks for the description."""

    query: str | None
    default_graphs: tuple[str, ...]
    named_graphs: tuple[str, ...]


@dataclass(frozen=True)
class ProtocolRefusal:
    """A request the protocol says to refuse, with the status, message and extra headers."""

    status: int
    message: str
    headers: tuple[tuple[str, str], ...] = ()


def _media_type(content_type: str | None) -> tuple[str, dict[str, str]]:
    if not content_type:
        return "", {}
    main, *params = content_type.split(";")
    parsed = {}
    for param in params:
        name, _, value = param.partition("=")
        parsed[name.strip().lower()] = value.strip().strip('"')
    return main.strip().lower(), parsed


def _fields(encoded: str) -> list[tuple[str, str]]:
    return parse_qsl(encoded, keep_blank_values=True, max_num_fields=_MAX_FIELDS, errors="strict")


def read_request(
    method: str, query_string: str, content_type: str | None, read_body: Callable[[], bytes]
) -> ProtocolRequest | ProtocolRefusal:
    """Read one ``/sparql`` request (``method`` is GET, HEAD or POST)."""
    try:
        fields = _fields(query_string)
    except UnicodeDecodeError:
        return ProtocolRefusal(400, "the query string is not valid UTF-8 once percent-decoded (e.g. %FF)")
    except ValueError:
        return ProtocolRefusal(400, f"too many parameters (at most {_MAX_FIELDS})")
    if method == "POST":
        mimetype, params = _media_type(content_type)
        if mimetype == FORM:
            try:
                body = read_body().decode("utf-8")
            except UnicodeDecodeError:
                return ProtocolRefusal(400, "the form is not valid UTF-8")
            try:
                fields += _fields(body)
            except UnicodeDecodeError:
                return ProtocolRefusal(400, "the form is not valid UTF-8 once percent-decoded (e.g. %FF)")
            except ValueError:
                return ProtocolRefusal(400, f"too many form fields (at most {_MAX_FIELDS})")
        elif mimetype == QUERY:
            charset = params.get("charset", "utf-8").lower()
            if charset not in ("utf-8", "utf8"):
                return ProtocolRefusal(415, f"a direct POST query must be UTF-8, not {charset}")
            try:
                fields.append(("query", read_body().decode("utf-8")))
            except UnicodeDecodeError:
                return ProtocolRefusal(400, "the query is not valid UTF-8")
        elif mimetype == UPDATE:
            return ProtocolRefusal(403, _READ_ONLY)
        else:
            return ProtocolRefusal(
                415,
                f"unsupported body type {mimetype or '(none)'!r}: send {FORM} with a query parameter,"
                f" or the query itself as {QUERY}",
                (("Accept-Post", f"{FORM}, {QUERY}"),),
            )
    if any(name in _UPDATE_PARAMETERS for name, _ in fields):
        return ProtocolRefusal(403, _READ_ONLY)
    queries = [value for name, value in fields if name == "query"]
    if len(queries) > 1:
        return ProtocolRefusal(400, f"the request holds {len(queries)} queries; send exactly one query parameter")
    if not queries and method == "POST":
        return ProtocolRefusal(400, "the request holds no query parameter")
    return ProtocolRequest(
        query=queries[0] if queries else None,
        default_graphs=tuple(value for name, value in fields if name == "default-graph-uri"),
        named_graphs=tuple(value for name, value in fields if name == "named-graph-uri"),
    )
