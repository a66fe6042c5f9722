"""Parsing user-supplied RDF never reaches the network or local files, and syntax errors name file and line."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from kg.errors import UserError
from kg.inputs.rdfio import parse_file, refuse_unsafe

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

RDFXML_SPACE = """<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="http://example.org/">
  <rdf:Description rdf:about="http://example.org/a b"><ex:p>x</ex:p></rdf:Description>
</rdf:RDF>
"""


def test_rdfxml_with_external_entity_is_refused(tmp_path: Path) -> None:
    """XXE: a DOCTYPE that would read a local file is refused before the XML parser runs."""
    path = tmp_path / "xxe.rdf"
    path.write_text(XXE)
    with pytest.raises(UserError, match=r"xxe.rdf:2: RDF/XML with a DOCTYPE or ENTITY declaration is refused"):
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


def test_billion_laughs_is_refused_alike_by_validate_and_serve_data(tmp_path: Path) -> None:
    """One loader, one refusal: `mkg validate` exits 2 and `serve --data`'s planning raises, with one message.

    The server's native parser would otherwise expand the entities (gigabytes from a 1 KB file).
    """
    from server.engine.dataset import plan_data_files

    path = tmp_path / "bomb.rdf"
    path.write_text(BOMB)
    expected = f"{path}:2: RDF/XML with a DOCTYPE or ENTITY declaration is refused"
    result = subprocess.run(
        [sys.executable, "-m", "kg.cli", "validate", str(path)], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 2
    assert expected in result.stderr and "Traceback" not in result.stderr
    with pytest.raises(UserError) as refused:
        plan_data_files((path,))
    assert str(refused.value).startswith(expected)


def test_serve_data_refuses_remote_jsonld_context_like_validate(tmp_path: Path) -> None:
    """`serve --data` applies the JSON-LD refusals of the build and `mkg validate`, with the same message."""
    from server.engine.dataset import plan_data_files

    path = tmp_path / "remote.jsonld"
    path.write_text('{"@context": "http://127.0.0.1:9/ctx.jsonld", "@id": "http://example.org/a"}')
    with pytest.raises(UserError) as served:
        plan_data_files((path,))
    with pytest.raises(UserError) as parsed:
        parse_file(path)
    assert str(served.value) == str(parsed.value)
    assert "only inline contexts are accepted" in str(served.value)


def test_dtd_is_found_past_the_first_chunk_with_its_line(tmp_path: Path) -> None:
    """The DTD scan reads large files in chunks; a declaration past the first megabyte is refused, at its line."""
    path = tmp_path / "late.rdf"
    comment = ("<!-- " + "x" * 70 + " -->\n") * 20000
    path.write_text('<?xml version="1.0"?>\n' + comment + '<!ENTITY a "b">\n<rdf:RDF/>\n')
    with pytest.raises(UserError, match=r"late.rdf:20002: RDF/XML with a DOCTYPE"):
        refuse_unsafe(path)


@pytest.mark.parametrize(
    ("name", "content", "line", "code_point"),
    [
        ("space.ttl", "@prefix ex: <http://example.org/> .\nex:a ex:b <http://example.org/a b> .\n", 2, "' '"),
        ("nul.nt", "<http://example.org/a> <http://example.org/b> <http://example.org/\\u0000> .\n", 1, "'\\x00'"),
        ("space.jsonld", '{\n"@id": "http://example.org/a b",\n "http://example.org/p": "x"}', 2, "' '"),
        ("space.rdf", RDFXML_SPACE, 3, "' '"),
    ],
)
def test_broken_iris_are_refused_with_their_line(
    tmp_path: Path, name: str, content: str, line: int, code_point: str
) -> None:
    """An IRI with a space or a NUL is a syntax error naming file and line, in every format (as `serve --data`)."""
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(UserError, match=rf"{name}:{line}: .*Invalid IRI code point {re.escape(code_point)}"):
        parse_file(path)


def test_turtle_errors_name_the_line_without_parser_internals(tmp_path: Path) -> None:
    """An unterminated literal is reported on the line it starts, with no rdflib internals (`<>`, b'...')."""
    lines = ["@prefix ex: <http://example.org/> ."] + ['ex:a ex:b "fine" .'] * 429
    lines += ['ex:a ex:b "never closed .'] + ["ex:a ex:b ex:c ."] * 16
    path = tmp_path / "long.ttl"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(UserError) as err:
        parse_file(path)
    message = str(err.value)
    assert message.startswith(f"{path}:431: turtle syntax error at column 11: ")
    assert "unclosed string" in message
    assert "at line" not in message and "b'" not in message and "<>" not in message


def test_invalid_utf8_names_the_line(tmp_path: Path) -> None:
    """Bytes that are not UTF-8 are reported with the line they are on, in Turtle and in JSON-LD."""
    path = tmp_path / "latin1.ttl"
    path.write_bytes(b'@prefix ex: <http://example.org/> .\nex:a ex:b "ok" .\nex:a ex:b "caf\xe9" .\n')
    with pytest.raises(UserError, match=r"latin1.ttl:3: turtle syntax error at column \d+: invalid UTF-8"):
        parse_file(path)
    doc = tmp_path / "latin1.jsonld"
    doc.write_bytes(b'{"@id": "http://example.org/a",\n "http://example.org/p": "caf\xe9"}')
    with pytest.raises(UserError, match=r"latin1.jsonld:2: not valid UTF-8"):
        parse_file(doc)


def test_deep_nesting_parses_or_is_refused_clearly(tmp_path: Path) -> None:
    """Deeply nested Turtle parses (no recursion); JSON-LD deeper than the checker can walk gets a clear message."""
    depth = 5000
    path = tmp_path / "deep.ttl"
    path.write_text(
        "@prefix ex: <http://example.org/> .\nex:a ex:p " + "[ ex:p " * depth + "ex:b" + " ]" * depth + " .\n"
    )
    assert len(parse_file(path)) == depth + 1
    doc = tmp_path / "deep.jsonld"
    doc.write_text('{"@id": "http://example.org/a", "http://example.org/p": ' + "[" * depth + "1" + "]" * depth + "}")
    with pytest.raises(UserError, match=r"deep.jsonld: JSON nested too deeply to check"):
        parse_file(doc)


def test_a_utf8_bom_is_accepted(tmp_path: Path) -> None:
    """Editors on Windows start files with a byte-order mark; the parse ignores it."""
    path = tmp_path / "bom.ttl"
    path.write_bytes(b"\xef\xbb\xbf@prefix ex: <http://example.org/> .\nex:a ex:b ex:c .\n")
    assert len(parse_file(path)) == 1


TIME_PARSES = r"""
import sys, time
from pathlib import Path
from kg.inputs.rdfio import parse_file
paths = {kib: Path(sys.argv[1]) / f"lit{kib}.ttl" for kib in (512, 8192)}
for kib, path in paths.items():
    line = "x" * 60 + "\n"
    quotes = '"' * 3
    text = line * ((kib << 10) // len(line))
    path.write_text(f"<http://example.org/a> <http://example.org/b> {quotes}{text}{quotes} .\n")
best = {kib: float("inf") for kib in paths}
for _ in range(9):
    for kib, path in paths.items():
        start = time.thread_time()
        assert len(parse_file(path)) == 1
        best[kib] = min(best[kib], time.thread_time() - start)
print(best[8192] / best[512])
"""


def test_parse_time_is_linear_in_literal_length(tmp_path: Path) -> None:
    """An 8 MiB literal costs about 16 times a 512 KiB one, not 256 (rdflib's Turtle parser is quadratic).

    The literal is a long string of many lines, the shape rdflib's parser slows down on (512 KiB took
    33 times as long as 128 KiB there).
    Relative CPU times of the parsing thread within one run, small and large parsed in turn and the best
    of nine kept, so neither the machine's speed nor its load matters. The run pins glibc's allocator to
    reuse memory: otherwise only the larger parse pays page faults on fresh memory, which says nothing
    about the parser. The sizes are 16x apart so linear (16) and quadratic (256) stay a factor 4 from
    the bound (64) either way: with 4x apart and a bound of 10, one run at load 4 measured 24.
    """
    env = {
        **os.environ,
        "MALLOC_MMAP_THRESHOLD_": str(256 << 20),
        "MALLOC_TRIM_THRESHOLD_": str(1 << 30),
        "MALLOC_TOP_PAD_": str(256 << 20),
    }
    result = subprocess.run(
        [sys.executable, "-c", TIME_PARSES, str(tmp_path)], capture_output=True, text=True, env=env, timeout=300
    )
    assert result.returncode == 0, result.stderr
    assert float(result.stdout) < 64


def test_a_term_too_long_for_the_parser_is_a_user_error(tmp_path: Path) -> None:
    """A literal past the parser's 16 MiB buffer is one clear line, not a MemoryError traceback."""
    path = tmp_path / "huge.nt"
    path.write_text('<http://example.org/a> <http://example.org/b> "' + "x" * (17 << 20) + '" .\n')
    with pytest.raises(UserError, match=r"huge.nt: .*longer than the parser's limit"):
        parse_file(path)


def test_normalize_reports_turtle_errors_like_every_reader(tmp_path: Path) -> None:
    """`mkg normalize` names the line an unterminated literal starts on, with the message the other readers give."""
    lines = (
        ["@prefix ex: <http://example.org/> ."]
        + ['ex:a ex:b "fine" .'] * 5
        + ['ex:a ex:b "open .']
        + ["ex:a ex:b ex:c ."] * 9
    )
    path = tmp_path / "edit.ttl"
    path.write_text("\n".join(lines) + "\n")
    result = subprocess.run(
        [sys.executable, "-m", "kg.cli", "normalize", str(path), "--check"], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 2
    with pytest.raises(UserError) as parsed:
        parse_file(path)
    assert result.stderr == f"mkg normalize: error: {parsed.value}\n"
    assert f"{path}:7: turtle syntax error" in result.stderr
