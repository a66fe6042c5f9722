"""The selected HPO annotations as RDF: one association node per annotation row, with HPO's evidence.

Each node is shaped as the KG's own associations (``mkg:subject`` disease, ``mkg:predicate`` *has phenotype*
``obo:RO_0002200``, ``mkg:object`` HP term) and keeps what HPO recorded: ``mkg:negated`` (HPO's ``NOT``
qualifier, never dropped or flipped), ``mkg:evidenceCode`` (IEA, PCS, TAS), every reference (``dcterms:source``
to its resolvable IRI, the CURIE as that node's ``dcterms:identifier``; ISBNs and the odd malformed ID stay a
``dcterms:bibliographicCitation``), frequency, onset, sex, modifiers, aspect, the biocuration field, the file line
(``mkg:curatedFrom``) and the release (``prov:wasDerivedFrom``). What the import derives is marked as such: the
typing of genodermatoses (an ``rdf:Statement`` per typing, ``mkg:derivedByRule``), the malignant neoplasm
phenotypes (``mkg:countsAsMalignant``), the links to KG primaries (``mkg:correspondsToPrimary``, each with
the cross-reference that supports it) and to the KG's skin findings (``mkg:aboutSkinFinding``, which puts the
annotations on the finding's linked-data page). Node IRIs are computed from the row's content, so the graph is the
same on every build.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from curies import Converter
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS

from kg.errors import UserError
from kg.graphs.assemble import new_graph
from kg.hpo.files import Annotation, HpoFiles, HpoRelease, read_release
from kg.hpo.select import Selection, branches_file, checked_xrefs, load_branches, relevant_phenotypes, select
from kg.namespaces import MKG, OBO
from kg.prefixes import identifier_converter
from kg.resources import BASE_IRI, shapes_dir

__all__ = [
    "CITATION",
    "HPO_LICENSE",
    "RELEASE_NODE",
    "HpoImport",
    "annotation_iri",
    "build_graph",
    "converter",
    "hpo_graph",
    "hpo_shapes",
]

HPO = URIRef(BASE_IRI + "hpo/")
RELEASE_NODE = URIRef(f"{BASE_IRI}hpo/release")
GENODERMATOSIS_RULE = URIRef(f"{BASE_IRI}hpo/rule/genodermatosis-with-cancer-predisposition")
LINK_RULE = URIRef(f"{BASE_IRI}hpo/rule/shared-cross-reference")
HAS_PHENOTYPE = OBO.RO_0002200
HPO_LICENSE = URIRef("https://hpo.jax.org/license")
CITATION = (
    "Gargano MA, Matentzoglu N, Coleman B, et al. The Human Phenotype Ontology in 2024: phenotypes around the "
    "world. Nucleic Acids Res. 2024;52(D1):D1333-D1346. doi:10.1093/nar/gkad1005"
)
ACKNOWLEDGEMENT = (
    "This service/product is using the Human Phenotype Ontology (version {version}). "
    "Find out more at http://www.human-phenotype-ontology.org"
)

_LOCAL_ID = re.compile(r"^(HP:\d{7}|(OMIM|ORPHA|DECIPHER|PMID|NCBIGene):\d+)$")


def converter() -> Converter:
    """CURIE <-> IRI for the HPO graph's identifiers: the ``identifier`` rows of the project's prefix table.

    Their namespaces are resolvable IRIs, in the forms the resolvers themselves document (OMIM's entry
    page, ORDO's IRIs, PubMed, NCBI Gene).
    """
    return identifier_converter()


@dataclass(frozen=True)
class HpoImport:
    """The HPO graph and the counts the release reports."""

    graph: Graph
    version: str
    diseases: int
    annotations: int
    negated: int
    genodermatoses: int
    genes: int


class _Writer:
    """One ``_add_<thing>`` per kind of node (the pattern of :mod:`kg.graphs.assemble`)."""

    def __init__(self, release: HpoRelease) -> None:
        self.release = release
        self.graph = new_graph()
        self.graph.bind("hpo", str(HPO))
        self.conv = converter()
        self.named: set[str] = set()

    def iri(self, curie: str) -> URIRef:
        return URIRef(self.conv.expand_strict(curie))

    def _add_identified(self, curie: str, label: str | None = None) -> URIRef:
        node = self.iri(curie)
        if curie not in self.named:
            self.named.add(curie)
            self.graph.add((node, DCTERMS.identifier, Literal(curie)))
            if label:
                self.graph.add((node, RDFS.label, Literal(label)))
        return node

    def add_release(self) -> None:
        g, version = self.graph, self.release.version
        g.add((RELEASE_NODE, RDF.type, MKG.HpoRelease))
        g.add((RELEASE_NODE, RDF.type, PROV.Entity))
        g.add(
            (
                RELEASE_NODE,
                RDFS.label,
                Literal(f"HPO release {version} (hp.obo, phenotype.hpoa, genes_to_phenotype.txt)"),
            )
        )
        g.add((RELEASE_NODE, DCTERMS.hasVersion, Literal(version)))
        g.add((RELEASE_NODE, PROV.wasDerivedFrom, URIRef(self.release.ontology_iri)))
        g.add((RELEASE_NODE, DCTERMS.license, HPO_LICENSE))
        g.add((RELEASE_NODE, DCTERMS.bibliographicCitation, Literal(CITATION)))
        g.add((RELEASE_NODE, RDFS.comment, Literal(ACKNOWLEDGEMENT.format(version=version), lang="en")))
        g.add((RELEASE_NODE, DCTERMS.publisher, Literal("Human Phenotype Ontology Consortium")))

    def add_rules(self) -> None:
        g = self.graph
        g.add((GENODERMATOSIS_RULE, RDFS.label, Literal("genodermatosis with cancer predisposition rule", lang="en")))
        g.add((GENODERMATOSIS_RULE, RDFS.comment, Literal(
            "A disease is typed mkg:GenodermatosisWithCancerPredisposition when genes_to_phenotype.txt gives it at "
            "least one gene and phenotype.hpoa annotates it, without the NOT qualifier, with at least one phenotype "
            "under Abnormality of the skin (HP:0000951) and at least one malignant neoplasm phenotype under "
            "Neoplasm (HP:0002664), malignant meaning under a 'malignant' and under no 'excluded' branch of "
            "kg/hpo/neoplasm-branches.tsv.", lang="en")))  # fmt: skip
        g.add((LINK_RULE, RDFS.label, Literal("shared cross-reference rule", lang="en")))
        g.add((LINK_RULE, RDFS.comment, Literal(
            "An HPO malignant neoplasm phenotype corresponds to a KG primary when the phenotype, or an ancestor of "
            "it in hp.obo, has an hp.obo xref (or is itself the HP target of a kg/xrefs.tsv row) that is one of "
            "the primary's checked cross-references in kg/xrefs.tsv.", lang="en")))  # fmt: skip

    def add_term(self, hp: str) -> None:
        term = self.release.terms[hp]
        node = self.iri(hp)
        self.graph.add((node, RDF.type, OWL.Class))
        self.graph.add((node, RDFS.label, Literal(term.name)))
        for parent in term.parents:
            self.graph.add((node, RDFS.subClassOf, self.iri(parent)))

    def add_annotation(self, a: Annotation) -> None:
        g = self.graph
        node = annotation_iri(a)
        disease = self._add_identified(a.disease, a.disease_name)
        phenotype = self.release.terms[a.hpo].name
        verb = "does not have" if a.negated else "has"
        g.add((node, RDF.type, MKG.HpoAnnotation))
        g.add((node, RDFS.label, Literal(f"{a.disease_name} {verb} phenotype {phenotype} (HPO)")))
        g.add((node, MKG.subject, disease))
        g.add((node, MKG.predicate, HAS_PHENOTYPE))
        g.add((node, MKG.object, self.iri(a.hpo)))
        g.add((node, MKG.negated, Literal(a.negated)))
        g.add((node, MKG.evidenceCode, Literal(a.evidence)))
        for ref in a.references:
            if _LOCAL_ID.match(ref):
                g.add((node, DCTERMS.source, self._add_identified(ref)))
            elif ref.startswith(("http://", "https://")):
                g.add((node, DCTERMS.source, URIRef(ref)))
            else:
                g.add((node, DCTERMS.bibliographicCitation, Literal(ref)))
        if a.frequency:
            freq = self.iri(a.frequency) if a.frequency.startswith("HP:") else Literal(a.frequency)
            g.add((node, MKG.hpoFrequency, freq))
        if a.onset:
            g.add((node, MKG.onset, self.iri(a.onset)))
        if a.sex:
            g.add((node, MKG.sex, Literal(a.sex.upper())))
        for modifier in a.modifiers:
            g.add((node, MKG.modifier, self.iri(modifier)))
        g.add((node, MKG.aspect, Literal(a.aspect)))
        for curation in a.biocuration:
            g.add((node, MKG.biocuration, Literal(curation)))
        g.add((node, MKG.curatedFrom, Literal(f"phenotype.hpoa:{a.line}")))
        g.add((node, PROV.wasDerivedFrom, RELEASE_NODE))

    def add_finding_link(self, a: Annotation, finding: URIRef) -> None:
        self.graph.add((annotation_iri(a), MKG.aboutSkinFinding, finding))

    def add_genodermatosis(self, disease: str) -> None:
        g = self.graph
        node = self.iri(disease)
        g.add((node, RDF.type, MKG.GenodermatosisWithCancerPredisposition))
        typing = URIRef(f"{BASE_IRI}hpo/typing/{disease.replace(':', '_')}")
        g.add((typing, RDF.type, RDF.Statement))
        g.add((typing, RDF.subject, node))
        g.add((typing, RDF.predicate, RDF.type))
        g.add((typing, RDF.object, MKG.GenodermatosisWithCancerPredisposition))
        g.add((typing, MKG.derivedByRule, GENODERMATOSIS_RULE))
        for gene_id, symbol in sorted(self.release.genes[disease]):
            gene = self._add_identified(f"NCBIGene:{gene_id}", symbol)
            g.add((gene, RDF.type, MKG.Gene))
            g.add((node, MKG.hasGene, gene))

    def add_malignant(self, hp: str) -> None:
        self.graph.add((self.iri(hp), MKG.countsAsMalignant, Literal(True)))

    def add_link(self, phenotype: str, primary: URIRef, via: str, xref: str) -> None:
        g = self.graph
        node = self.iri(phenotype)
        g.add((node, MKG.correspondsToPrimary, primary))
        link = URIRef(f"{BASE_IRI}hpo/link/{phenotype.replace(':', '_')}-{primary.rsplit('/', 1)[-1]}")
        g.add((link, RDF.type, RDF.Statement))
        g.add((link, RDF.subject, node))
        g.add((link, RDF.predicate, MKG.correspondsToPrimary))
        g.add((link, RDF.object, primary))
        g.add((link, MKG.viaTerm, self.iri(via)))
        g.add((link, MKG.viaXref, Literal(xref)))
        g.add((link, MKG.derivedByRule, LINK_RULE))


def annotation_iri(a: Annotation) -> URIRef:
    """The node of one annotation row: named by disease, phenotype and a digest of the row's columns."""
    digest = hashlib.sha256("\t".join(a[1:]).encode()).hexdigest()[:10]
    return URIRef(f"{BASE_IRI}hpo/annotation/{a.disease.replace(':', '_')}-{a.hpo.replace(':', '_')}-{digest}")


def build_graph(release: HpoRelease, selection: Selection) -> Graph:
    """Write the selection's nodes; every referenced HP term comes with its label and its ancestors."""
    from kg.hpo.select import Hierarchy

    writer = _Writer(release)
    writer.add_release()
    writer.add_rules()
    hierarchy = Hierarchy(release.terms)
    referenced = set(selection.terms)
    for a in selection.annotations:
        writer.add_annotation(a)
        referenced.update(x for x in (a.onset, a.frequency) if x.startswith("HP:"))
        referenced.update(a.modifiers)
    for finding, hps in sorted(selection.findings.items()):
        below = set().union(*(hierarchy.descendants(hp) for hp in hps))
        for a in selection.annotations:
            if a.hpo in below:
                writer.add_finding_link(a, finding)
    for hp in sorted(hierarchy.ancestors(referenced)):
        writer.add_term(hp)
    for hp in sorted(selection.terms & selection.malignant):
        writer.add_malignant(hp)
    for disease in selection.genodermatoses:
        writer.add_genodermatosis(disease)
    best: dict[tuple[str, URIRef], tuple[bool, str, str]] = {}
    for link in selection.links:
        rank = (link.via != link.phenotype, link.via, link.xref)
        key = (link.phenotype, link.primary)
        best[key] = min(best.get(key, rank), rank)
    for (phenotype, primary), (_, via, xref) in sorted(best.items(), key=lambda kv: (kv[0][0], str(kv[0][1]))):
        writer.add_link(phenotype, primary, via, xref)
    return writer.graph


def hpo_shapes() -> Path:
    """The shapes of the HPO graph's nodes."""
    return shapes_dir() / "hpo.ttl"


def hpo_graph(ontology: Graph, xrefs: Path, files: HpoFiles | None = None) -> HpoImport:
    """Read, select, write and validate; raises :class:`UserError` on bad input or a SHACL violation."""
    from kg.checks.shacl import validate

    checked = checked_xrefs(xrefs)
    release = read_release(files, lambda terms: relevant_phenotypes(terms, checked))
    branches = load_branches(branches_file(), release.terms)
    selection = select(release, ontology, checked, branches)
    graph = build_graph(release, selection)
    shapes = Graph().parse(hpo_shapes(), format="turtle")
    result = validate(graph, shapes)
    if result.violations:
        raise UserError("SHACL validation of the HPO graph failed; nothing was written.\n" + result.text())
    genes = {g for d in selection.genodermatoses for g in release.genes[d]}
    return HpoImport(
        graph=graph,
        version=release.version,
        diseases=len({a.disease for a in selection.annotations}),
        annotations=len(selection.annotations),
        negated=sum(a.negated for a in selection.annotations),
        genodermatoses=len(selection.genodermatoses),
        genes=len(genes),
    )
