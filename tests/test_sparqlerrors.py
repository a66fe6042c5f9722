"""A malformed query is explained in one line: line, column, the text there and a hint (kg.library.sparqlerrors)."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from kg.library.sparqlerrors import SyntaxProblem, describe_syntax_error
from kg.prefixes import default_prefixes


def problem(query: str, prefixes: dict[str, str] | None = None) -> SyntaxProblem:
    """What the describer makes of pyoxigraph's error for ``query`` (which must not parse)."""
    with pytest.raises(SyntaxError) as caught:
        ox.Store().query(query, prefixes=prefixes)
    return describe_syntax_error(query, caught.value, prefixes=prefixes)


def test_undeclared_prefix_names_the_prefix_and_its_declaration() -> None:
    """`owl:` undeclared: the prefix, where it is, and the PREFIX line to add (from the table), not Unicode ranges."""
    found = problem("SELECT ?c WHERE {\n  ?c a owl:Class }")
    assert (found.line, found.column) == (2, 8)
    assert found.near.startswith("owl:Class")
    assert 'prefix "owl:" is not declared (add PREFIX owl: <http://www.w3.org/2002/07/owl#>)' in found.hint
    assert "\\u{" not in found.message and "\n" not in found.message


def test_unknown_prefix_suggests_a_close_one() -> None:
    """A prefix the table does not know gets a placeholder IRI and the table's nearest prefix name."""
    found = problem("SELECT * { ?s dcterm:title ?t }", default_prefixes())
    assert found.hint.startswith('prefix "dcterm:" is not declared (add PREFIX dcterm: <…>')
    assert "dcterms:" in found.hint


def test_default_prefixes_are_not_blamed() -> None:
    """With the table's prefixes active, the undeclared prefix named is the one that is really missing."""
    query = "SELECT * { ?s owl:sameAs ?o . ?o nope:x ?y }"
    found = problem(query, default_prefixes())
    assert 'prefix "nope:"' in found.hint and (found.line, found.column) == (1, query.index("nope:") + 1)


def test_missing_object_says_where() -> None:
    """`{ ?s ?p }` says the triple has no object and where, not 'expected one of LATERAL, SERVICE, [_]'."""
    found = problem("SELECT *\nWHERE {\n  ?s ?p ?o .\n  ?o ?p }")
    assert found.message == (
        'malformed query at line 4, column 6 (near "?p }"): the triple pattern has no object'
        ' (add the object before the "}")'
    )
    after_semicolon = problem("SELECT * { ?s ?p ?o ; ?q }")
    assert after_semicolon.hint.startswith("the predicate after ';' has no object")


def test_unterminated_string_points_at_its_opening_quote() -> None:
    """An unclosed string is reported where it opens, with the quote to add."""
    found = problem('SELECT * WHERE {\n  ?s ?p "breast cancer }')
    assert (found.line, found.column) == (2, 9)
    assert found.hint == 'the string is not closed (add the closing " on the same line)'
    long = problem("SELECT * WHERE { ?s ?p '''abc }")
    assert "'''" in long.hint and "before the end of the query" in long.hint


@pytest.mark.parametrize(
    ("query", "why"),
    [
        ("SELECT * WHERE { <http://example.org/a b> ?p ?o }", "contains a space"),
        ("PREFIX ex: <example> SELECT * { ?s ?p ?o }", "is relative and the query has no BASE"),
    ],
)
def test_bad_iri_is_quoted_with_the_reason(query: str, why: str) -> None:
    """An IRI the parser refuses is quoted whole, at its '<', with what is wrong with it."""
    found = problem(query)
    assert found.near.startswith("<") and found.near.endswith(">")
    assert why in found.hint
    assert found.column == query.index("<") + 1


def test_keyword_typo_and_unclosed_bracket() -> None:
    """A misspelt keyword is named with the keyword it resembles; an open bracket is named where it opens."""
    assert problem("SELEC * WHERE { ?s ?p ?o }").hint == '"SELEC" is not a SPARQL keyword (did you mean SELECT?)'
    found = problem("SELECT * WHERE { ?s ?p ?o FILTER(?o > 1 }")
    assert found.hint == '"(" is not closed (add ")" before the "}")' and found.column == 33


def test_update_is_named_as_such() -> None:
    """SPARQL Update text is said to be an update, not a parse failure at some column."""
    assert "SPARQL Update" in problem("INSERT DATA { <http://e/s> <http://e/p> <http://e/o> }").hint


def test_message_and_fields_for_json_bodies() -> None:
    """`as_dict` carries line, column, near, hint and the same one-line message for a JSON error body."""
    found = problem("SELECT * WHERE { ?s ?p }")
    fields = found.as_dict()
    assert fields["line"] == 1 and fields["column"] == 21 and fields["near"] == "?p }"
    assert fields["message"] == found.message and fields["hint"] == found.hint


def test_error_without_position_is_kept_on_one_line() -> None:
    """An error text without a position is passed on whitespace-collapsed, with no line or column."""
    found = describe_syntax_error("SELECT", SyntaxError("something\n  odd"))
    assert found.line is None and found.message == "malformed query: something odd"


def test_large_queries_are_not_patched() -> None:
    """Past 40 triple separators no patched copy is parsed (a parsed copy is also planned, super-linearly)."""
    body = " ".join(f"?s{i} ?p{i} ?o{i} ." for i in range(41))
    found = problem(f"SELECT * WHERE {{ {body} ?x ?p }}")
    assert "no object" not in found.hint and found.line == 1
