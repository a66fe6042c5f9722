"""``mkg build``: a complete, deterministic release; reasoned triples; nothing written when a check fails."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import OWL, RDF, RDFS

from kg.inputs.rdfio import parse_file, parse_into
from kg.namespaces import (
    FACT,
    GRAPH_ASSERTED,
    GRAPH_INFERRED,
    GRAPH_ONTOLOGY,
    GRAPH_PROVENANCE,
    MKG,
    OBO,
    ONTOLOGY_IRI,
)
from kg.resources import ontology_edit_file, tables_dir

FILES = {
    "release.json", "kg.trig", "kg.nq", "kg.ttl", "kg.nt", "kg.jsonld", "metastasis-kg.owl", "metastasis-kg.ttl",
    "void.ttl", "shacl-report.ttl", "shacl-report.txt", "qc-report.tsv", "metastasis-kg.sssom.tsv",
}  # fmt: skip


def mkg(*args: str, seed: str = "0") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    return subprocess.run([sys.executable, "-m", "kg.cli", *args], capture_output=True, text=True, env=env, timeout=600)


@pytest.fixture(scope="module")
def dataset(release_dir: Path) -> Dataset:
    ds = Dataset()
    parse_into(ds, release_dir / "kg.nq")
    return ds


def test_release_contains_every_file(release_dir: Path, release_version: str) -> None:
    """One folder with the ontology, the KG in every dump format, VoID and the reports."""
    assert {p.name for p in release_dir.iterdir()} == FILES
    manifest = json.loads((release_dir / "release.json").read_text())
    assert manifest["version"] == release_version
    assert set(manifest["files"]) == FILES - {"release.json"}
    assert manifest["shacl"]["violations"] == 0


def test_two_builds_are_byte_identical(release_dir: Path, tmp_path: Path, release_version: str) -> None:
    """A second build in another process, with another hash seed, writes exactly the same bytes."""
    result = mkg("build", "--out", str(tmp_path / "again"), "--version-date", release_version, seed="12345")
    assert result.returncode == 0, result.stderr
    for name in sorted(FILES):
        assert (tmp_path / "again" / name).read_bytes() == (release_dir / name).read_bytes(), name


def test_failed_build_leaves_previous_release_untouched(release_dir: Path, tmp_path: Path) -> None:
    """A bad table row stops the build with file, line and column; the old release and its folder stay as they were."""
    out = tmp_path / "release"
    shutil.copytree(release_dir, out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    tables = tmp_path / "tables"
    shutil.copytree(tables_dir(), tables)
    stats = tables / "statistics.tsv"
    stats.write_text(stats.read_text().replace("\t45\tpercent\t", "\t450\tpercent\t"))
    result = mkg("build", "--out", str(out), "--tables", str(tables), "--version-date", "2026-02-02")
    assert result.returncode == 2
    assert "statistics.tsv:2: column 'value': percentage 450 is outside 0-100" in result.stderr
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["release", "tables"]


def test_broken_ontology_file_is_named_with_its_line(tmp_path: Path) -> None:
    """A Turtle error in the ontology stops the build before anything is written."""
    broken = tmp_path / "edit.ttl"
    lines = ontology_edit_file().read_text().splitlines()
    lines[20] = lines[20] + " ;;; ]"
    broken.write_text("\n".join(lines))
    result = mkg("build", "--out", str(tmp_path / "out"), "--ontology", str(broken))
    assert result.returncode == 2
    assert "edit.ttl:" in result.stderr and "turtle syntax error" in result.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "edit.owl",
            '<!DOCTYPE rdf:RDF [<!ENTITY x SYSTEM "file:///etc/passwd">]><rdf:RDF/>',
            "RDF/XML with a DOCTYPE or ENTITY declaration is refused",
        ),
        ("edit.jsonld", '{"@context": "http://127.0.0.1:9/context.jsonld"}', "only inline contexts are accepted"),
    ],
)
def test_build_refuses_hostile_ontology_input(tmp_path: Path, name: str, content: str, message: str) -> None:
    """The build applies the same parsing guards as mkg validate: no XML entities, no fetched JSON-LD contexts."""
    path = tmp_path / name
    path.write_text(content)
    result = mkg("build", "--out", str(tmp_path / "out"), "--ontology", str(path))
    assert result.returncode == 2
    assert f"{path}:" in result.stderr and message in result.stderr
    assert not (tmp_path / "out").exists()


def test_version_date_is_checked() -> None:
    """An impossible --version-date is refused, naming the parameter."""
    result = mkg("build", "--out", "unused", "--version-date", "2026-13-40")
    assert result.returncode == 2
    assert "--version-date" in result.stderr


def test_release_ontology_has_dated_version_iri_and_edit_file_has_none(release_dir: Path, release_version: str) -> None:
    """owl:versionIRI is stamped on release files only, never on the edit file."""
    released = Graph().parse(release_dir / "metastasis-kg.owl", format="xml")
    expected = URIRef(f"https://w3id.org/metastasis-kg/releases/{release_version}/metastasis-kg.owl")
    assert released.value(ONTOLOGY_IRI, OWL.versionIRI) == expected
    assert released.value(ONTOLOGY_IRI, OWL.versionInfo) == Literal(release_version)
    edit = Graph().parse(ontology_edit_file())
    assert edit.value(ONTOLOGY_IRI, OWL.versionIRI) is None


def test_hermit_inferences_are_materialized(dataset: Dataset) -> None:
    """The inferred graph holds what HermiT derives: subclasses from logical definitions, association types."""
    inferred = dataset.graph(GRAPH_INFERRED)
    ontology = dataset.graph(GRAPH_ONTOLOGY)
    derived = (MKG.CervicalLymphNodeMetastasis, RDFS.subClassOf, MKG.LymphNodeMetastasis)
    assert derived in inferred and derived not in ontology
    assert (MKG.ParotidLymphNodeMetastasis, RDFS.subClassOf, MKG.Metastasis) in inferred
    assert (FACT["regional-example-oral-neck-nodes"], RDF.type, MKG.RegionalSpreadAssociation) in inferred
    assert (FACT["distant-example-breast-brain"], RDF.type, MKG.DistantSpreadAssociation) in inferred
    assert (FACT["oral-cervical-nodes-roughly-half"], RDF.type, MKG.LymphaticSpreadAssociation) in inferred
    assert (FACT["oral-cervical-nodes-roughly-half"], RDF.type, MKG.QuantifiedAssociation) in inferred
    assert (MKG.LymphNode, RDFS.subClassOf, MKG.LymphNode) in inferred


def test_shortcut_triples_with_super_properties_and_links_back(dataset: Dataset) -> None:
    """Each association yields its primary -> site triple, RO super-property copies, and a link back."""
    inferred = dataset.graph(GRAPH_INFERRED)
    assert (MKG.BreastCancer, MKG.spreadsTo, MKG.Bone) in inferred
    assert (MKG.BreastCancer, OBO.RO_0004026, MKG.Bone) in inferred
    assert (MKG.ScalpSkinMalignancy, MKG.spreadsFirstTo, MKG.ParotidLymphNode) in inferred
    assert (MKG.ScalpSkinMalignancy, MKG.spreadsTo, MKG.ParotidLymphNode) in inferred
    assert (MKG.AcanthosisNigricans, MKG.isSkinFindingOf, MKG.CutaneousParaneoplasticSyndrome) in inferred
    assert (MKG.CutaneousParaneoplasticSyndrome, OBO.RO_0002607, MKG.InternalMalignancy) in inferred
    fact = FACT["scalp-skin-parotid-nodes-first"]
    assert (fact, RDF.subject, MKG.ScalpSkinMalignancy) in inferred
    assert (fact, RDF.predicate, MKG.spreadsFirstTo) in inferred
    assert (fact, MKG.metastasisClass, MKG.ParotidLymphNodeMetastasis) in inferred


def test_lymph_node_metastases_are_found_through_the_hierarchy(dataset: Dataset) -> None:
    """A query for lymph node metastases finds the cervical and parotid ones with no reasoner at query time."""
    query = """
        PREFIX mkg: <https://w3id.org/metastasis-kg/>
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        SELECT DISTINCT ?primary ?site WHERE {
            ?a mkg:metastasisClass ?class ; mkg:subject ?primary ; mkg:object ?site .
            ?class rdfs:subClassOf mkg:LymphNodeMetastasis .
        }"""
    union = Graph()
    for s, p, o, _ in dataset.quads((None, None, None, None)):
        union.add((s, p, o))
    found = {(str(r[0]).rsplit("/", 1)[1], str(r[1]).rsplit("/", 1)[1]) for r in union.query(query)}  # type: ignore[index]
    assert found == {
        ("OralCancer", "CervicalLymphNode"),
        ("ScalpSkinMalignancy", "CervicalLymphNode"),
        ("ScalpSkinMalignancy", "ParotidLymphNode"),
    }


def test_manifest_void_and_dumps_agree(release_dir: Path, dataset: Dataset) -> None:
    """Triple counts in release.json and void.ttl match the dumps; the fingerprint is the N-Quads digest."""
    manifest = json.loads((release_dir / "release.json").read_text())
    assert sum(manifest["graphs"].values()) == len(list(dataset.quads((None, None, None, None))))
    union = Graph().parse(release_dir / "kg.nt", format="nt")
    assert manifest["triples"] == len(union)
    assert len(parse_file(release_dir / "kg.jsonld")) == len(union)
    void = Graph().parse(release_dir / "void.ttl")
    assert void.value(MKG.dataset, URIRef("http://rdfs.org/ns/void#triples")) == Literal(len(union))
    assert manifest["fingerprint"] == manifest["files"]["kg.nq"]


def test_every_dump_holds_the_graphs_of_the_nquads(release_dir: Path, dataset: Dataset) -> None:
    """TriG holds each graph of kg.nq; N-Triples, Turtle and JSON-LD their union; the ontology files its ontology."""
    trig = Dataset()
    parse_into(trig, release_dir / "kg.trig")
    for iri in (GRAPH_ONTOLOGY, GRAPH_INFERRED, GRAPH_ASSERTED, GRAPH_PROVENANCE):
        assert len(dataset.graph(iri)) and isomorphic(trig.graph(iri), dataset.graph(iri)), iri
    union = Graph()
    for s, p, o, _ in dataset.quads((None, None, None, None)):
        union.add((s, p, o))
    for name in ("kg.nt", "kg.ttl", "kg.jsonld"):
        assert isomorphic(parse_file(release_dir / name), union), name
    for name in ("metastasis-kg.ttl", "metastasis-kg.owl"):
        assert isomorphic(parse_file(release_dir / name), dataset.graph(GRAPH_ONTOLOGY)), name


def test_every_association_has_a_distinct_label(dataset: Dataset) -> None:
    """Labels carry the qualifiers (timing, spread kind, wording), so pages and search tell facts apart."""
    labels = [str(o) for s, _, o, _ in dataset.quads((None, RDFS.label, None, None)) if str(s).startswith(str(FACT))]
    assert len(labels) == len(set(labels)) >= 80


def _plant(tmp_path: Path, edit: str) -> tuple[Path, int]:
    """A copy of the edit file with one planted mistake; its path and the line the mistake is on.

    ``edit`` is ``"old => new"`` (replace the first line ending in ``old``) or ``"+ text"`` (append a line).
    """
    lines = ontology_edit_file().read_text(encoding="utf-8").splitlines()
    if edit.startswith("+ "):
        lines.append(edit[2:])
        number = len(lines)
    else:
        old, new = edit.split(" => ")
        number = next(i for i, line in enumerate(lines, start=1) if line.endswith(old))
        lines[number - 1] = lines[number - 1][: -len(old)] + new
    path = tmp_path / "edit.ttl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path, number


@pytest.mark.parametrize(
    ("edit", "iri", "message"),
    [
        pytest.param(
            "rdfs:subClassOf mkg:Metastasis ; => rdfs:subClassOf mkg:Metastsis ;",
            "mkg:Metastsis",
            "is not declared a class",
            id="undeclared-superclass",
        ),
        pytest.param(
            "+ mkg:spreadsTo a owl:DatatypeProperty .",
            "mkg:spreadsTo",
            "is declared both data property and object property",
            id="object-and-data-property",
        ),
        pytest.param(
            "+ mkg:Bone rdfs:subClassOf [ a owl:Restriction ; owl:onProperty mkg:ambiguityNote ;"
            " owl:someValuesFrom mkg:Skin ] .",
            "mkg:ambiguityNote",
            "annotation property mkg:ambiguityNote used in a logical axiom (owl:onProperty)",
            id="annotation-property-in-class-axiom",
        ),
        pytest.param(
            "+ mkg:Bone rdfs:subClassOf [ a owl:Restriction ; owl:onProperty mkg:hasMetastaticPropensity ] .",
            "mkg:hasMetastaticPropensity",
            "without a filler, value or cardinality",
            id="restriction-without-filler",
        ),
        pytest.param(
            'rdfs:label "bone"@en ; => rdfs:label "bone "@en ;',
            "mkg:Bone",
            "QC check label-whitespace",
            id="qc-query",
        ),
    ],
)
def test_build_refuses_an_ontology_the_checks_flag(
    release_dir: Path, tmp_path: Path, edit: str, iri: str, message: str
) -> None:
    """Undeclared entities, OWL 2 DL violations and QC findings stop the build, release untouched.

    Exit 2 and one line with file:line and the IRI (issue 20 item 6: a typo'd superclass was published
    with exit 0).
    """
    out = tmp_path / "release"
    shutil.copytree(release_dir, out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    path, number = _plant(tmp_path, edit)
    result = mkg("build", "--out", str(out), "--ontology", str(path), "--version-date", "2026-02-02")
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    if iri == "mkg:Bone":  # a QC finding names the statement of the entity it concerns
        number = next(i for i, ln in enumerate(path.read_text().splitlines(), start=1) if ln.startswith("mkg:Bone "))
    assert f"{path}:{number}: " in lines[0] and iri in lines[0] and message in lines[0], lines[0]
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["edit.ttl", "release"]
