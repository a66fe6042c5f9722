"""The one prefix table (kg/prefixes.tsv): its integrity, its converter, and what queries may leave undeclared."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rdflib.namespace import DC, DCTERMS, OWL, PROV, RDF, RDFS, SKOS, VOID, XSD

from kg.errors import UserError
from kg.namespaces import prefixes
from kg.prefixes import (
    converter,
    declarations,
    default_prefixes,
    identifier_converter,
    identifier_prefixes,
    read_prefix_table,
    undeclared_prefixes,
)
from kg.resources import BASE_IRI, qc_query_dir, query_dir

ROOT = Path(__file__).resolve().parent.parent
_DECLARATION = re.compile(r"^\s*PREFIX\s+([A-Za-z][\w.-]*)?:\s*<([^>]*)>", re.I | re.M)


def test_table_agrees_with_rdflib_and_the_base_iri() -> None:
    """The W3C namespaces are rdflib's, `mkg:` is the build's base IRI, and the build binds exactly the table."""
    table = default_prefixes()
    for name, namespace in {
        "owl": OWL, "rdf": RDF, "rdfs": RDFS, "xsd": XSD, "skos": SKOS, "dcterms": DCTERMS, "dc": DC,
        "prov": PROV, "void": VOID,
    }.items():  # fmt: skip
        assert table[name] == str(namespace), f"kg/prefixes.tsv: {name} should be {namespace}"
    assert table["mkg"] == BASE_IRI
    assert prefixes() == table


def test_every_query_file_declares_prefixes_as_the_table_does() -> None:
    """A prefix a stored, QC or server query declares means what the table says, so defaults never change it."""
    table = default_prefixes()
    folders = [query_dir(), qc_query_dir(), ROOT / "server" / "queries"]
    for path in sorted(p for folder in folders for p in folder.glob("*.rq")):
        for name, iri in _DECLARATION.findall(path.read_text(encoding="utf-8")):
            if name in table:
                assert iri == table[name], f"{path.name}: PREFIX {name}: <{iri}> but kg/prefixes.tsv has {table[name]}"


def test_converter_expands_and_compresses_with_the_longest_namespace() -> None:
    """`curies` gives CURIE <-> IRI over the table; `fact:` wins over `mkg:` for association IRIs."""
    assert converter().expand("owl:Class") == str(OWL) + "Class"
    assert converter().compress(BASE_IRI + "fact/preferred-breast-bone") == "fact:preferred-breast-bone"
    assert converter().compress(BASE_IRI + "BreastCancer") == "mkg:BreastCancer"


def test_undeclared_prefixes_skip_strings_iris_comments_and_declarations() -> None:
    """Only prefixed names count: `x:y` inside a string, an IRI or a comment is not a use; declared ones win."""
    query = 'PREFIX a: <http://a/>\nSELECT * { ?s a:p owl:q . ?s rdfs:label "dc:x" . ?s <skos:y> ?o } # prov:z'
    assert undeclared_prefixes(query) == ["owl", "rdfs"]
    assert declarations(query) == (
        "PREFIX owl: <http://www.w3.org/2002/07/owl#> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
    )
    assert declarations("SELECT * { ?s nope:p ?o }") == ""


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (
            "owl\thttp://www.w3.org/2002/07/owl#\tsparql\tOWL\nowl\thttp://example.org/\tsparql\tagain",
            "prefix 'owl' is listed twice",
        ),
        ("1x\thttp://example.org/\tsparql\tbad", "'1x' is not a SPARQL/Turtle prefix name"),
        ("ex\texample.org/\tsparql\tbad", "is not an absolute http(s) IRI"),
        ("a\thttp://example.org/\tsparql\tA\nb\thttp://example.org/\tidentifier\tB", "is already prefix 'a'"),
        ("ex\thttp://example.org/\tcurie\tbad", "use 'curie' is not one of sparql, identifier"),
    ],
)
def test_a_bad_row_names_its_line(tmp_path: Path, row: str, message: str) -> None:
    """A malformed table stops with the file, the line and what is wrong."""
    path = tmp_path / "prefixes.tsv"
    path.write_text("prefix\tnamespace\tuse\tvocabulary\n" + row + "\n", encoding="utf-8")
    with pytest.raises(UserError) as caught:
        read_prefix_table(path)
    assert message in str(caught.value)
    assert re.search(r"prefixes\.tsv:[23]: ", str(caught.value))


def test_identifier_prefixes_are_the_one_table_and_stay_out_of_query_defaults() -> None:
    """SSSOM's curie_map, the HPO import and the term pages' cross-reference links read the table's identifier rows.

    An identifier prefix among the SPARQL defaults would compact every OBO IRI in results to ``HP:…`` instead
    of the ``obo:HP_…`` queries write; a second, private CURIE map would drift from the table.
    """
    from kg.hpo.graph import converter as hpo_converter
    from kg.release.sssom import CURIE_MAP
    from server.web.ldpage import xref_iri

    ids = identifier_prefixes()
    assert not set(ids) & set(default_prefixes())
    assert converter().compress("http://purl.obolibrary.org/obo/HP_0000951") == "obo:HP_0000951"
    assert identifier_converter().compress("http://purl.obolibrary.org/obo/HP_0000951") == "HP:0000951"
    assert all(CURIE_MAP[p] in (ids.get(p), default_prefixes().get(p)) for p in CURIE_MAP)
    assert hpo_converter().expand("OMIM:114480") == ids["OMIM"] + "114480"
    assert xref_iri("OMIM:114480") == ids["OMIM"] + "114480"
    assert xref_iri("mondo:0007254") == "http://purl.obolibrary.org/obo/MONDO_0007254"
