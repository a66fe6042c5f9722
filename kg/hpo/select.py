"""What the HPO import takes from the release, and the rule that decides which neoplasms count as malignant.

Three selections, each from the KG's own terms and HPO's own files, never from names:

- **skin findings**: every subclass of ``mkg:SkinFinding`` with an HP mapping in the ontology (whose target is a
  row of ``kg/xrefs.tsv``) brings the annotations of that HP term and of its descendants in hp.obo;
- **genodermatoses with cancer predisposition**: diseases with at least one gene in genes_to_phenotype.txt,
  at least one (not negated) annotation under *Abnormality of the skin* (HP:0000951) and at least one (not
  negated) annotation with a malignant neoplasm phenotype; their skin and malignant-neoplasm annotations are
  imported, negated ones included;
- **malignant**: a neoplasm phenotype is malignant when it, or an ancestor, is a ``malignant`` row of
  ``kg/hpo/neoplasm-branches.tsv`` and neither it nor an ancestor is an ``excluded`` row. HPO's hierarchy is
  by site as much as by histology (basal cell carcinoma sits under *Neoplasm of the skin*, not *Carcinoma*;
  *Fibroma* sits under *Soft tissue sarcoma*), so the table lists branch roots, each with the words of hp.obo
  that make it malignant or not.

A malignant phenotype is linked to a KG primary cancer only where the phenotype, or an ancestor, carries an
hp.obo ``xref`` (or a ``kg/xrefs.tsv`` HP row) equal to a cross-reference of that primary.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.namespace import RDFS, SKOS

from kg.errors import UserError
from kg.hpo.files import Annotation, HpoRelease, Term
from kg.namespaces import MKG, OBO

__all__ = [
    "NEOPLASM",
    "SKIN",
    "Branch",
    "Hierarchy",
    "PrimaryLink",
    "Selection",
    "branches_file",
    "load_branches",
    "malignant_terms",
    "relevant_phenotypes",
    "select",
]

SKIN = "HP:0000951"
NEOPLASM = "HP:0002664"
_MAPPINGS = (SKOS.exactMatch, SKOS.closeMatch, SKOS.broadMatch)


@dataclass(frozen=True)
class Branch:
    """One row of the neoplasm-branch table."""

    line: int
    hpo: str
    label: str
    malignant: bool
    basis_field: str
    basis_words: str


@dataclass(frozen=True)
class PrimaryLink:
    """A malignant phenotype linked to a KG primary through a shared cross-reference of ``via``."""

    phenotype: str
    primary: URIRef
    via: str
    xref: str


@dataclass(frozen=True)
class Selection:
    """The annotations to import and what the rules derived about them."""

    annotations: tuple[Annotation, ...]
    findings: dict[URIRef, tuple[str, ...]]
    genodermatoses: tuple[str, ...]
    malignant: frozenset[str]
    links: tuple[PrimaryLink, ...]
    terms: frozenset[str]


class Hierarchy:
    """Parents and children of hp.obo terms, with descendant and ancestor sets."""

    def __init__(self, terms: dict[str, Term]) -> None:
        self.terms = terms
        self.children: dict[str, list[str]] = {}
        for term in terms.values():
            for parent in term.parents:
                self.children.setdefault(parent, []).append(term.id)

    def descendants(self, root: str) -> set[str]:
        """The term and everything below it."""
        out, todo = {root}, [root]
        while todo:
            for child in self.children.get(todo.pop(), ()):
                if child not in out:
                    out.add(child)
                    todo.append(child)
        return out

    def ancestors(self, ids: Iterable[str]) -> set[str]:
        """The terms and everything above them."""
        out = set(ids)
        todo = list(out)
        while todo:
            term = self.terms.get(todo.pop())
            for parent in term.parents if term else ():
                if parent not in out:
                    out.add(parent)
                    todo.append(parent)
        return out


def branches_file() -> Path:
    """The packaged neoplasm-branch table."""
    return Path(__file__).with_name("neoplasm-branches.tsv")


def load_branches(path: Path, terms: dict[str, Term]) -> tuple[Branch, ...]:
    """Read the table; a row whose ID, label or basis words do not match hp.obo names its line."""
    rows: list[Branch] = []
    with path.open(encoding="utf-8", newline="") as handle:
        lines = [(n, ln) for n, ln in enumerate(handle.read().splitlines(), start=1) if not ln.startswith("#")]
    reader = csv.DictReader((ln for _, ln in lines), delimiter="\t")
    for (number, _), row in zip(lines[1:], reader, strict=True):
        hpo, label, branch = row.get("hpo_id", ""), row.get("hpo_label", ""), row.get("branch", "")
        field, words = row.get("basis_field", ""), row.get("basis_words", "")
        term = terms.get(hpo)
        if term is None or term.obsolete:
            raise UserError(f"{hpo!r} is not a current term of hp.obo", path=path, line=number, field="hpo_id")
        if term.name != label:
            raise UserError(
                f"hp.obo names {hpo} {term.name!r}, not {label!r}", path=path, line=number, field="hpo_label"
            )
        if branch not in ("malignant", "excluded"):
            raise UserError(f"{branch!r} is neither 'malignant' nor 'excluded'", path=path, line=number, field="branch")
        text = {"name": term.name, "definition": term.definition}.get(field)
        if text is None or not words or words not in text:
            raise UserError(
                f"the {field or '(empty)'} of {hpo} does not contain {words!r}",
                path=path,
                line=number,
                field="basis_words",
            )
        rows.append(Branch(number, hpo, label, branch == "malignant", field, words))
    return tuple(rows)


def malignant_terms(hierarchy: Hierarchy, branches: Iterable[Branch]) -> frozenset[str]:
    """Every term under a malignant branch root and under no excluded one."""
    malignant: set[str] = set()
    excluded: set[str] = set()
    for branch in branches:
        (malignant if branch.malignant else excluded).update(hierarchy.descendants(branch.hpo))
    return frozenset((malignant - excluded) & hierarchy.descendants(NEOPLASM))


def _curie(iri: URIRef) -> str | None:
    text = str(iri)
    if not text.startswith(str(OBO)):
        return None
    prefix, _, local = text[len(str(OBO)) :].partition("_")
    return f"{prefix}:{local}" if local else None


def _subclasses(ontology: Graph, root: URIRef) -> set[URIRef]:
    out: set[URIRef] = set()
    todo = [root]
    while todo:
        for sub in ontology.subjects(RDFS.subClassOf, todo.pop()):
            if isinstance(sub, URIRef) and sub not in out:
                out.add(sub)
                todo.append(sub)
    return out


def _mapped(ontology: Graph, classes: Iterable[URIRef], checked: set[str]) -> dict[URIRef, tuple[str, ...]]:
    """Each class's mapping targets as CURIEs, kept only where kg/xrefs.tsv has the target."""
    out: dict[URIRef, tuple[str, ...]] = {}
    for cls in sorted(classes, key=str):
        targets = [o for p in _MAPPINGS for o in ontology.objects(cls, p) if isinstance(o, URIRef)]
        curies = sorted({c for o in targets if (c := _curie(o)) and c in checked})
        if curies:
            out[cls] = tuple(curies)
    return out


def checked_xrefs(path: Path) -> set[str]:
    """The target CURIEs of the checked cross-reference table."""
    with path.open(encoding="utf-8", newline="") as handle:
        return {
            row["target_curie"].strip() for row in csv.DictReader(handle, delimiter="\t") if row.get("target_curie")
        }


def relevant_phenotypes(terms: dict[str, Term], xrefs: set[str]) -> frozenset[str]:
    """Every phenotype a selection can use: the skin and neoplasm branches, and checked HP targets' descendants.

    The annotations of the rest of HPO are then checked but not held in memory.
    """
    hierarchy = Hierarchy(terms)
    roots = [SKIN, NEOPLASM, *(x for x in xrefs if x in terms)]
    return frozenset().union(*(hierarchy.descendants(r) for r in roots))


def select(release: HpoRelease, ontology: Graph, xrefs: set[str], branches: Iterable[Branch]) -> Selection:
    """Apply the three selections; annotations come back in file order, each once."""
    hierarchy = Hierarchy(release.terms)
    malignant = malignant_terms(hierarchy, branches)
    skin = hierarchy.descendants(SKIN)
    findings = {
        cls: tuple(c for c in curies if c.startswith("HP:") and c in release.terms)
        for cls, curies in _mapped(ontology, _subclasses(ontology, MKG.SkinFinding), xrefs).items()
    }
    findings = {cls: hps for cls, hps in findings.items() if hps}
    finding_terms: set[str] = set()
    for hps in findings.values():
        for hp in hps:
            finding_terms |= hierarchy.descendants(hp)
    has_skin: set[str] = set()
    has_malignant: set[str] = set()
    for a in release.annotations:
        if not a.negated:
            if a.hpo in skin:
                has_skin.add(a.disease)
            if a.hpo in malignant:
                has_malignant.add(a.disease)
    genodermatoses = sorted(d for d in has_skin & has_malignant if release.genes.get(d))
    chosen = set(genodermatoses)
    annotations = tuple(
        a
        for a in release.annotations
        if a.hpo in finding_terms or (a.disease in chosen and (a.hpo in skin or a.hpo in malignant))
    )
    used = {a.hpo for a in annotations}
    links = _links(hierarchy, ontology, xrefs, sorted(used & malignant))
    return Selection(annotations, findings, tuple(genodermatoses), malignant, links, frozenset(used))


def _links(hierarchy: Hierarchy, ontology: Graph, xrefs: set[str], phenotypes: list[str]) -> tuple[PrimaryLink, ...]:
    """Malignant phenotypes -> KG primaries sharing a cross-reference with the phenotype or an ancestor."""
    primaries = _subclasses(ontology, MKG.MalignantNeoplasm) - _subclasses(ontology, MKG.Metastasis) - {MKG.Metastasis}
    by_xref: dict[str, set[URIRef]] = {}
    for cls, curies in _mapped(ontology, primaries, xrefs).items():
        for curie in curies:
            by_xref.setdefault(curie, set()).add(cls)
    out: set[PrimaryLink] = set()
    for phenotype in phenotypes:
        for via in hierarchy.ancestors([phenotype]):
            for xref in (*hierarchy.terms[via].xrefs, via):
                for primary in by_xref.get(xref, ()):
                    out.add(PrimaryLink(phenotype, primary, via, xref))
    return tuple(sorted(out, key=lambda link: (link.phenotype, str(link.primary), link.via, link.xref)))
