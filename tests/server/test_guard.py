"""The lexical guard: what it refuses before a query may reach the engine, and what it must let through."""

from __future__ import annotations

import contextlib

import pytest

from server.protocol.guard import QueryRefused, decode_codepoint_escapes, inspect_query


def shape(query: str, *, max_length: int = 100_000, max_nesting: int = 50):  # type: ignore[no-untyped-def]
    return inspect_query(query, max_length=max_length, max_nesting=max_nesting)


def refusal(query: str, **limits: int) -> QueryRefused:
    with pytest.raises(QueryRefused) as caught:
        shape(query, **limits)
    return caught.value


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * WHERE { SERVICE <http://evil.example/> { ?s ?p ?o } }",
        "select * where { service silent <http://evil.example/> { ?s ?p ?o } }",
        "SELECT * WHERE { \\u0053ERVICE <http://evil.example/> { ?s ?p ?o } }",
        "SELECT * WHERE { \\U00000053ERVICE <http://evil.example/> { ?s ?p ?o } }",
        "SELECT * WHERE { ?s ?p 1.SERVICE <http://evil.example/> {} }",
        "SELECT * WHERE { ?s ?p ?o }SERVICE<http://evil.example/>{}",
        "SELECT * WHERE { ?a ?b ?x FILTER(?x<?y)SERVICE?z#>\n{} }",
        "SELECT * WHERE { ?a ?b ?x FILTER(?x<?y+'>') SERVICE <http://evil.example/> {} }",
    ],
)
def test_service_is_refused_however_it_is_spelled(query: str) -> None:
    """SERVICE as a keyword is a 400, also when escaped, glued to neighbours, or behind an ambiguous '<'."""
    refused = refusal(query)
    assert refused.status == 400
    assert "SERVICE" in refused.message


@pytest.mark.parametrize(
    "query",
    [
        'SELECT * WHERE { ?s ?p "SERVICE <http://x/> {}" }',
        "SELECT * WHERE { ?s ?p '''multi\nline SERVICE {}''' }",
        "SELECT * WHERE { ?s ?p ?o } # SERVICE <http://x/> {}",
        "PREFIX ex: <http://example.org/> SELECT ?service WHERE { ?service ex:SERVICE ex:a.SERVICE }",
        "SELECT * WHERE { ?s <http://example.org/service> ?o }",
        "SELECT * WHERE { ?s <http://en.wikipedia.org/wiki/Service_(economics)> ?o }",
        "SELECT * WHERE { ?s ?p ?o FILTER(?o < 3) }",
    ],
)
def test_the_word_service_in_data_is_not_refused(query: str) -> None:
    """The word in strings, comments, variables, prefixed names and IRIs is data, not a keyword."""
    assert shape(query).form == "select"


@pytest.mark.parametrize(
    "query",
    [
        "INSERT DATA { <a:a> <a:b> <a:c> }",
        "PREFIX ex: <http://example.org/> DELETE WHERE { ?s ?p ?o }",
        "LOAD <http://example.org/data.ttl>",
        "CLEAR ALL",
        "DROP GRAPH <a:g>",
        "WITH <a:g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
        "\\u0049NSERT DATA { <a:a> <a:b> <a:c> }",
        "base <http://x/> prefix a: <http://y/> copy <a:g> TO <a:h>",
    ],
)
def test_updates_are_refused_as_read_only(query: str) -> None:
    """Any SPARQL Update operation is a 403 that says the endpoint is read-only."""
    refused = refusal(query)
    assert refused.status == 403
    assert "read-only" in refused.message


def test_nesting_deeper_than_the_limit_is_refused() -> None:
    """Brackets of any kind nested past the limit are a 400 naming the depth; strings do not count."""
    assert refusal("SELECT * WHERE { FILTER(" + "(" * 60 + "1" + ")" * 60 + ") }").status == 400
    assert "61" in refusal("ASK {" + "{" * 60 + "}" * 60 + "}").message
    assert shape('SELECT * WHERE { ?s ?p "' + "(" * 500 + '" }').depth == 1
    assert shape("ASK { FILTER(" + "(" * 40 + "1" + ")" * 40 + ") }").depth == 42


def test_the_ten_kilobyte_parser_crasher_is_refused() -> None:
    """The 5,000-parenthesis query that segfaults Oxigraph's parser never gets past the guard."""
    query = "SELECT * WHERE { FILTER(" + "(" * 5000 + "1" + ")" * 5000 + ") }"
    assert refusal(query, max_nesting=100).status == 400


def test_overlong_queries_are_413() -> None:
    """A query over the length limit is refused with 413 before it is even tokenized."""
    assert refusal("ASK {}" + " " * 100, max_length=50).status == 413


@pytest.mark.parametrize(
    ("query", "form", "from_clause"),
    [
        ("PREFIX a: <http://a/> SELECT * WHERE {}", "select", False),
        ("ask {}", "ask", False),
        ("BASE <http://b/> CONSTRUCT WHERE { ?s ?p ?o }", "construct", False),
        ("DESCRIBE <http://a/>", "describe", False),
        ("SELECT * FROM <http://g/> WHERE { ?s ?p ?o }", "select", True),
        ("SELECT * FROM NAMED <http://g/> WHERE { GRAPH ?g { ?s ?p ?o } }", "select", True),
        ('SELECT * WHERE { ?s ?p "FROM" }', "select", False),
        ("SELEC * {}", None, False),
    ],
)
def test_shape_names_form_and_dataset_clause(query: str, form: str | None, from_clause: bool) -> None:
    """The form decides the result formats; a FROM clause decides whether the union default graph applies."""
    found = shape(query)
    assert (found.form, found.has_dataset_clause) == (form, from_clause)


def test_codepoint_escapes_are_decoded_like_a_parser_that_honours_them() -> None:
    r"""\u and \U escapes decode; an escaped backslash before 'u' does not start an escape."""
    assert decode_codepoint_escapes("\\u0053ERVICE") == "SERVICE"
    assert decode_codepoint_escapes("\\U0001F600") == "\U0001f600"
    assert decode_codepoint_escapes("\\\\u0041") == "\\\\u0041"
    assert decode_codepoint_escapes("\\uZZZZ") == "\\uZZZZ"


@pytest.mark.parametrize(
    ("query", "refused"),
    [
        ("# SERVICE\n  \t# comment\nSERVICE <http://x/> {}", True),
        ("SELECT * {}#c\n#d\n\nSERVICE <http://x/> {}", True),
        ("SELECT * { ?s ?p ?o }\n# SERVICE\n" + "  # trailing comment\n" * 2000, False),
        ("SELECT * { ?s ?p ?o }" + " " * 50_000, False),
    ],
)
def test_whitespace_and_comment_runs_neither_hide_nor_invent_keywords(query: str, refused: bool) -> None:
    """A keyword right after runs of comments and whitespace is seen; one inside a comment never is."""
    if refused:
        with pytest.raises(QueryRefused, match="SERVICE"):
            shape(query)
    else:
        assert shape(query).form == "select"


@pytest.mark.parametrize(
    "unit",
    ['\\"', "\\'", '"\\', "'\\", '"', "<", "\\u0053"],
    ids=["escaped-dquote", "escaped-squote", "dquote-backslash", "squote-backslash", "dquotes", "lt", "escape"],
)
def test_the_pre_check_is_linear_in_query_length(unit: str) -> None:
    """Ten times the text costs about ten times the work, never a hundred (the check once rescanned strings).

    Compares the best of a few runs of a 10k- and a 100k-character query of the same pattern in one
    process, so the machine's speed cancels out; a quadratic scan makes the ratio about 100. The cost is
    this thread's CPU time, not wall time: on a loaded machine other processes' turns stretch wall time
    (ratios of 33-48 were seen at load 13 on 2 cores) but not the CPU the check itself spends.
    """
    import time

    def cost(length: int) -> float:
        query = 'SELECT * WHERE { ?s ?p "' + unit * (length // len(unit)) + " }"
        best = float("inf")
        for _ in range(5):
            started = time.thread_time()
            with contextlib.suppress(QueryRefused):
                inspect_query(query, max_length=10**7, max_nesting=100)
            best = min(best, time.thread_time() - started)
        return best

    cost(1000)
    ratio = cost(100_000) / max(cost(10_000), 1e-6)
    assert ratio < 30, f"a 10x longer query took {ratio:.0f}x as long"
