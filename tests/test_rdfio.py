"""Parsing user-supplied RDF never reaches the network or local files, and syntax errors name file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.errors import UserError
from kg.rdfio import parse_file

XXE = """<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [ <!ENTITY secret SYSTEM "file:///etc/passwd"> ]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="http://example.org/">
  <rdf:Description rdf:about="http://example.org/a"><ex:p>&secret;</ex:p></rdf:Description>
</rdf:RDF>
"""
BOMB = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="http://example.org/">
  <rdf:Description rdf:about="http://example.org/a"><ex:p>&lol3;</ex:p></rdf:Description>
</rdf:RDF>
"""


def test_rdfxml_with_external_entity_is_refused(tmp_path: Path) -> None:
    """XXE: a DOCTYPE that would read a local file is refused before the XML parser runs."""
    path = tmp_path / "xxe.rdf"
    path.write_text(XXE)
    with pytest.raises(UserError, match=r"xxe.rdf: RDF/XML with a DOCTYPE or ENTITY declaration is refused"):
        parse_file(path)


def test_entity_expansion_bomb_is_refused(tmp_path: Path) -> None:
    """Billion laughs: nested entity declarations are refused, not expanded."""
    path = tmp_path / "bomb.owl"
    path.write_text(BOMB)
    with pytest.raises(UserError, match="DOCTYPE or ENTITY"):
        parse_file(path)


def test_jsonld_remote_context_is_refused_and_never_fetched(tmp_path: Path, listener: tuple[str, list[str]]) -> None:
    """A remote @context is refused, and the local listener standing in for it receives no request."""
    url, hits = listener
    path = tmp_path / "remote.jsonld"
    path.write_text(f'{{"@context": "{url}/ctx.jsonld", "@id": "http://example.org/a", "ex:p": "x"}}')
    with pytest.raises(UserError, match="refers to a remote or local document"):
        parse_file(path)
    nested = tmp_path / "nested.jsonld"
    nested.write_text(f'{{"@graph": [{{"@context": ["{url}/x"], "@id": "http://example.org/b"}}]}}')
    with pytest.raises(UserError, match=r"@graph\[0\]/@context"):
        parse_file(nested)
    assert hits == []


def test_jsonld_local_file_context_and_import_are_refused(tmp_path: Path) -> None:
    """A file: @context or an @import would read local files; both are refused."""
    secret = tmp_path / "ctx.jsonld"
    secret.write_text('{"@context": {"ex": "http://example.org/"}}')
    path = tmp_path / "local.jsonld"
    path.write_text(f'{{"@context": "{secret.as_uri()}", "@id": "http://example.org/a"}}')
    with pytest.raises(UserError, match="only inline contexts are accepted"):
        parse_file(path)
    imp = tmp_path / "import.jsonld"
    imp.write_text(f'{{"@context": {{"@import": "{secret.as_uri()}"}}, "@id": "http://example.org/a"}}')
    with pytest.raises(UserError, match="@import"):
        parse_file(imp)


def test_jsonld_with_inline_context_parses(tmp_path: Path) -> None:
    """Inline contexts are fine: the guard refuses only what would be fetched."""
    path = tmp_path / "ok.jsonld"
    path.write_text('{"@context": {"ex": "http://example.org/"}, "@id": "ex:a", "ex:p": "x"}')
    assert len(parse_file(path)) == 1


def test_broken_turtle_names_the_line(tmp_path: Path) -> None:
    """A Turtle syntax error reports the file and the line it occurs on."""
    path = tmp_path / "broken.ttl"
    path.write_text("@prefix ex: <http://example.org/> .\nex:a ex:b ex:c .\nex:d ex:e .\n")
    with pytest.raises(UserError, match=r"broken.ttl:3: turtle syntax error"):
        parse_file(path)


def test_unknown_suffix_and_missing_file(tmp_path: Path) -> None:
    """An unknown file type and an unreadable file are user errors naming the file."""
    with pytest.raises(UserError, match=r"unknown RDF file type '.csv'"):
        parse_file(tmp_path / "data.csv")
    with pytest.raises(UserError, match=r"missing.ttl: cannot read"):
        parse_file(tmp_path / "missing.ttl")


def test_quad_formats_are_merged(tmp_path: Path) -> None:
    """TriG and N-Quads files parse into one graph of all their triples."""
    path = tmp_path / "d.trig"
    path.write_text("@prefix ex: <http://example.org/> .\nex:g { ex:a ex:b ex:c . }\nex:a ex:b ex:d .\n")
    assert len(parse_file(path)) == 2
