"""A seeded generator of synthetic KGs in the project's own vocabulary, at any size.

The real KG is two sources big; performance decisions need graphs of 10k to 10M triples with the same
shape (deep class hierarchies, reified associations with quotes and statistics, shortcut triples, a
materialized subclass closure, provenance), so the benchmark queries meet the joins and selectivities they
would meet on a grown KG. The output is a release-shaped folder (``kg.nq`` with the four named graphs of
the release contract and a ``release.json``) that every server can load, plus ``params.json``: values for
the queries' ``?_name`` parameters that are known to have answers.

The same seed and size always give byte-identical files: only seeded ``random.Random`` draws, lists and
insertion-ordered dicts decide the order of anything written (never set or hash order).
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import shutil
import tempfile
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import accumulate
from pathlib import Path
from typing import TextIO

from kg.bench import lexicon
from kg.bench.ntriples import XSD, iri, literal, quad, typed
from kg.errors import UserError

__all__ = ["GRAPHS", "MKG", "SyntheticKG", "generate"]

MKG = "https://w3id.org/metastasis-kg/"
OBO = "http://purl.obolibrary.org/obo/"
OBOINOWL = "http://www.geneontology.org/formats/oboInOwl#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
DCTERMS = "http://purl.org/dc/terms/"
FOAF = "http://xmlns.com/foaf/0.1/"
SKOS = "http://www.w3.org/2004/02/skos/core#"

GRAPHS = {name: f"{MKG}graph/{name}" for name in ("ontology", "asserted", "inferred", "provenance")}

# A fixed version date: the output must not depend on the day it was generated.
_VERSION = "2000-01-01"
# How many parameter rows params.json offers; the load driver cycles through them.
_PARAM_ROWS = 16
_MIN_TRIPLES = 1_000

_A = iri(RDF + "type")
_SUBCLASS = iri(RDFS + "subClassOf")
_LABEL = iri(RDFS + "label")
_DEFINITION = iri(OBO + "IAO_0000115")
_SYNONYM = iri(OBOINOWL + "hasExactSynonym")
_XREF = iri(OBOINOWL + "hasDbXref")
_EXACT_MATCH = iri(SKOS + "exactMatch")


@dataclass(frozen=True)
class SyntheticKG:
    """Where a generated KG was written and what it holds."""

    folder: Path
    triples: int
    graphs: dict[str, int]
    seed: int

    @property
    def nquads(self) -> Path:
        """The N-Quads file every server loads."""
        return self.folder / "kg.nq"

    @property
    def manifest(self) -> Path:
        """``release.json``, shaped like the release contract's manifest."""
        return self.folder / "release.json"

    @property
    def params(self) -> Path:
        """Parameter rows for the benchmark queries."""
        return self.folder / "params.json"


_LabelMaker = Callable[[random.Random, int, str], tuple[str, str]]


@dataclass
class _Class:
    iri: str
    label: str
    ancestors: tuple[str, ...]  # nearest first; the first is the direct parent


@dataclass
class _Counts:
    by_graph: dict[str, int] = field(default_factory=lambda: dict.fromkeys(GRAPHS.values(), 0))

    @property
    def total(self) -> int:
        return sum(self.by_graph.values())


class _Out:
    """Writes quads and counts them per graph."""

    def __init__(self, stream: TextIO, counts: _Counts) -> None:
        self.stream = stream
        self.counts = counts

    def add(self, graph: str, s: str, p: str, o: str) -> None:
        self.stream.write(quad(s, p, o, iri(graph)))
        self.counts.by_graph[graph] += 1


def _local_name(label: str, used: dict[str, int]) -> str:
    ascii_label = unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode()
    name = "".join(w[:1].upper() + w[1:] for w in re.split(r"[^A-Za-z0-9]+", ascii_label) if w)
    n = used.get(name, 0)
    used[name] = n + 1
    return name if n == 0 else f"{name}{n + 1}"


def _unique(label: str, seen: dict[str, int]) -> str:
    n = seen.get(label, 0)
    seen[label] = n + 1
    return label if n == 0 else f"{label} type {n + 1}"


def _tree(
    rng: random.Random,
    root: str,
    count: int,
    make_label: _LabelMaker,
    names: dict[str, int],
    themes: Sequence[str],
) -> list[_Class]:
    """Grow ``count`` classes under ``root`` breadth-first, 1-3 children each, so depth grows with log(count).

    Children keep their top-level ancestor's theme word (an organ, a body part, a skin sign), so a text
    search for "breast" finds a subtree, as it would in a curated hierarchy.
    """
    labels: dict[str, int] = {}
    nodes: list[_Class] = []
    top = rng.sample(themes, min(len(themes), max(2, count // 8)))
    frontier: list[tuple[str, tuple[str, ...], str | None]] = [(root, (), None)]
    head = 0
    while len(nodes) < count:
        parent, parent_ancestors, theme = frontier[head]
        head += 1
        for i in range(len(top) if parent == root else rng.randint(1, 3)):
            if len(nodes) == count:
                break
            label, child_theme = make_label(rng, len(parent_ancestors) + 1, theme or top[i])
            label = _unique(label, labels)
            node = _Class(MKG + _local_name(label, names), label, (parent, *parent_ancestors))
            nodes.append(node)
            frontier.append((node.iri, node.ancestors, child_theme))
    return nodes


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _primary_label(rng: random.Random, depth: int, organ: str) -> tuple[str, str]:
    if depth == 1:
        return f"{organ} cancer", organ
    histology = rng.choice(lexicon.HISTOLOGIES)
    if depth == 2:
        return f"{organ} {histology}", organ
    return f"{rng.choice(lexicon.PRIMARY_MODIFIERS)} {organ} {histology}", organ


def _site_label(rng: random.Random, depth: int, part: str) -> tuple[str, str]:
    if depth == 1:
        return part, part
    if depth == 2:
        return f"{rng.choice(lexicon.SITE_QUALIFIERS)} {part}", part
    first, second = rng.sample(lexicon.SITE_QUALIFIERS, 2)
    return f"{first} {second} {part}", part


def _finding_label(rng: random.Random, depth: int, head: str) -> tuple[str, str]:
    if depth == 1:
        return head, head
    return f"{rng.choice(lexicon.FINDING_MODIFIERS)} {head}", head


def _zipf_weights(n: int, rng: random.Random) -> list[float]:
    """Cumulative weights giving a few popular items (breast, lung) and a long tail, in random positions."""
    ranks = list(range(n))
    rng.shuffle(ranks)
    return list(accumulate(1.0 / (r + 1) ** 0.8 for r in ranks))


def _lang(text: str) -> str:
    return literal(text) + "@en"


def _write_vocabulary(out: _Out) -> None:
    """Write the fixed top of the ontology: root classes, association classes, value sets and relations."""
    g = GRAPHS["ontology"]
    owl_class, individual = iri(OWL + "Class"), iri(OWL + "NamedIndividual")
    for cls, label, parent in (
        ("MalignantNeoplasm", "malignant neoplasm", None),
        ("AnatomicalSite", "anatomical site", None),
        ("SkinFinding", "skin finding", None),
        ("Association", "association", None),
        ("SpreadAssociation", "spread association", "Association"),
        ("CutaneousSignAssociation", "cutaneous sign association", "Association"),
        ("Statistic", "statistic", None),
        ("SpreadKind", "spread kind", None),
        ("SpreadRoute", "spread route", None),
        ("Timing", "timing relative to cancer detection", None),
    ):
        out.add(g, iri(MKG + cls), _A, owl_class)
        out.add(g, iri(MKG + cls), _LABEL, _lang(label))
        if parent:
            out.add(g, iri(MKG + cls), _SUBCLASS, iri(MKG + parent))
    value_sets = (
        ("SpreadKind", (("RegionalSpread", "regional spread"), ("DistantSpread", "distant spread"))),
        ("SpreadRoute", lexicon.ROUTES),
        ("Timing", lexicon.TIMINGS),
    )
    for cls, members in value_sets:
        for name, label in members:
            out.add(g, iri(MKG + name), _A, individual)
            out.add(g, iri(MKG + name), _A, iri(MKG + cls))
            out.add(g, iri(MKG + name), _LABEL, _lang(label))
    for name, label, parent in (
        ("spreadsTo", "spreads to", OBO + "RO_0004026"),
        ("mayBeSignOf", "may be sign of", OBO + "RO_0002607"),
    ):
        out.add(g, iri(MKG + name), _A, iri(OWL + "ObjectProperty"))
        out.add(g, iri(MKG + name), _LABEL, _lang(label))
        out.add(g, iri(MKG + name), iri(RDFS + "subPropertyOf"), iri(parent))


def _write_classes(out: _Out, rng: random.Random, nodes: Sequence[_Class], kind: str, xrefs: dict[str, str]) -> None:
    g = GRAPHS["ontology"]
    owl_class = iri(OWL + "Class")
    for node in nodes:
        s = iri(node.iri)
        out.add(g, s, _A, owl_class)
        out.add(g, s, _LABEL, _lang(node.label))
        parent_word = "a kind of" if len(node.ancestors) > 1 else "a top-level"
        out.add(g, s, _DEFINITION, _lang(f"The {node.label}: {parent_word} {kind} of the synthetic benchmark KG."))
        out.add(g, s, _SUBCLASS, iri(node.ancestors[0]))
        for j in range(rng.randint(0, 2)):
            out.add(g, s, _SYNONYM, _lang(f"{node.label} (synonym {j + 1})"))
        xref = xrefs[node.iri]
        out.add(g, s, _XREF, literal(xref))
        out.add(g, s, _EXACT_MATCH, iri(OBO + xref.replace(":", "_")))


def _xref(prefix: str, number: int) -> str:
    return f"{prefix}:{number:07d}"


def _write_closure(out: _Out, nodes: Sequence[_Class]) -> None:
    g = GRAPHS["inferred"]
    for node in nodes:
        for ancestor in node.ancestors[1:]:
            out.add(g, iri(node.iri), _SUBCLASS, iri(ancestor))


def _write_sources(out: _Out, rng: random.Random, count: int) -> list[str]:
    g = GRAPHS["provenance"]
    sources = []
    for i in range(count):
        src = f"{MKG}source/bench-{i:05d}"
        words = rng.sample(lexicon.TITLE_WORDS, 5)
        s = iri(src)
        out.add(g, s, _A, iri(DCTERMS + "BibliographicResource"))
        out.add(g, s, iri(DCTERMS + "title"), _lang(_capital(" ".join(words))))
        out.add(g, s, iri(DCTERMS + "publisher"), literal(rng.choice(lexicon.PUBLISHERS)))
        date = f"{rng.randint(1975, 2024)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        out.add(g, s, iri(DCTERMS + "issued"), typed(date, XSD + "date"))
        out.add(g, s, iri(FOAF + "page"), iri(f"https://doi.org/10.5555/mkg-bench.{i}"))
        sources.append(src)
    return sources


class _Associations:
    """Draws associations until the KG reaches its size, remembering what the inferred graph needs."""

    def __init__(
        self,
        out: _Out,
        rng: random.Random,
        trees: tuple[list[_Class], list[_Class], list[_Class]],
        sources: list[str],
    ) -> None:
        self.out, self.rng = out, rng
        self.primaries, self.sites, self.findings = trees
        self.sources = sources
        self.primary_w = _zipf_weights(len(self.primaries), rng)
        self.site_w = _zipf_weights(len(self.sites), rng)
        self.finding_w = _zipf_weights(len(self.findings), rng)
        self.source_w = _zipf_weights(len(sources), rng)
        self.shortcuts: dict[tuple[str, str, str], None] = {}
        self.facts: list[str] = []
        self.spread_rows: list[tuple[str, _Class, _Class, str]] = []
        self.sign_rows: list[tuple[str, _Class, _Class]] = []

    def inferred_pending(self) -> int:
        """Triples the inferred graph will still receive for the associations drawn so far."""
        return len(self.shortcuts) + len(self.facts)

    def add_one(self) -> None:
        if self.rng.random() < 0.15:
            self._sign()
        else:
            self._spread()

    def _pick(self, items: list[_Class], weights: list[float]) -> _Class:
        return self.rng.choices(items, cum_weights=weights)[0]

    def _common(self, kind: str, subject: _Class, predicate: str, obj: _Class) -> tuple[str, str]:
        fact = f"{MKG}fact/F{len(self.facts):08d}"
        self.facts.append(fact)
        g, f = GRAPHS["asserted"], iri(fact)
        self.out.add(g, f, _A, iri(MKG + kind))
        self.out.add(g, f, iri(MKG + "subject"), iri(subject.iri))
        self.out.add(g, f, iri(MKG + "predicate"), iri(MKG + predicate))
        self.out.add(g, f, iri(MKG + "object"), iri(obj.iri))
        source = self.rng.choices(self.sources, cum_weights=self.source_w)[0]
        self.out.add(g, f, iri(DCTERMS + "source"), iri(source))
        if self.rng.random() < 0.7:
            self.out.add(g, f, iri(MKG + "frequency"), literal(self.rng.choice(lexicon.FREQUENCIES)))
        self.shortcuts.setdefault((subject.iri, predicate, obj.iri), None)
        return fact, source

    def _spread(self) -> None:
        primary = self._pick(self.primaries, self.primary_w)
        site = self._pick(self.sites, self.site_w)
        fact, source = self._common("SpreadAssociation", primary, "spreadsTo", site)
        g, f, rng = GRAPHS["asserted"], iri(fact), self.rng
        regional = ("lymph node" in site.label) != (rng.random() < 0.1)
        self.out.add(g, f, iri(MKG + "spreadKind"), iri(MKG + ("RegionalSpread" if regional else "DistantSpread")))
        route, route_label = rng.choice(lexicon.ROUTES)
        self.out.add(g, f, iri(MKG + "route"), iri(MKG + route))
        if rng.random() < 0.5:
            value = f"{rng.randint(5, 950) / 10:.1f}"
            patients = rng.randint(10, 2000)
            stat = f"{MKG}statistic/{fact.rsplit('/', 1)[1]}"
            s = iri(stat)
            self.out.add(g, f, iri(MKG + "hasStatistic"), s)
            self.out.add(g, s, _A, iri(MKG + "Statistic"))
            self.out.add(g, s, iri(MKG + "value"), typed(value, XSD + "decimal"))
            self.out.add(g, s, iri(MKG + "unit"), literal("percent"))
            self.out.add(g, s, iri(MKG + "statedAs"), literal(f"{value}% of {patients} patients"))
            self.out.add(g, s, iri(MKG + "denominator"), literal(f"{patients} patients with {primary.label}"))
            quote = (
                f"{_capital(primary.label)} metastasized to the {site.label} in {value}% of "
                f"{patients} patients, mostly by {route_label}."
            )
        else:
            quote = f"Involvement of the {site.label} is reported in {primary.label} ({route_label})."
        self.out.add(g, f, iri(MKG + "quote"), _lang(quote))
        self.spread_rows.append((fact, primary, site, source))

    def _sign(self) -> None:
        finding = self._pick(self.findings, self.finding_w)
        primary = self._pick(self.primaries, self.primary_w)
        fact, _ = self._common("CutaneousSignAssociation", finding, "mayBeSignOf", primary)
        g, f = GRAPHS["asserted"], iri(fact)
        if self.rng.random() < 0.6:
            self.out.add(g, f, iri(MKG + "timing"), iri(MKG + self.rng.choice(lexicon.TIMINGS)[0]))
        quote = f"{_capital(finding.label)} may herald an underlying {primary.label}."
        self.out.add(g, f, iri(MKG + "quote"), _lang(quote))
        self.sign_rows.append((fact, finding, primary))

    def write_inferred(self) -> None:
        g = GRAPHS["inferred"]
        for fact in self.facts:
            self.out.add(g, iri(fact), _A, iri(MKG + "Association"))
        for s, p, o in self.shortcuts:
            self.out.add(g, iri(s), iri(MKG + p), iri(o))


def _params(rng: random.Random, assoc: _Associations, xrefs: dict[str, str]) -> dict[str, object]:
    """Parameter rows whose values are known to occur, written as N-Triples terms ready to substitute."""
    rows = []
    spread = assoc.spread_rows
    signs = assoc.sign_rows
    words = ("lymph", "bone", "liver", "brain", "pleura", "sarcoma", "nodule", "peritoneum")
    for i in range(_PARAM_ROWS):
        fact, primary, site, source = spread[rng.randrange(len(spread))]
        sign_fact, finding, signed = signs[rng.randrange(len(signs))]
        # A site high in its tree, so "spreads to this site or anything under it" joins over a subtree.
        subtree = site.ancestors[-2] if len(site.ancestors) >= 2 else site.iri
        rows.append(
            {
                "fact": iri(fact),
                "primary": iri(primary.iri),
                "site": iri(site.iri),
                "site_subtree": iri(subtree),
                "source": iri(source),
                "label": _lang(primary.label),
                "xref": literal(xrefs[primary.iri]),
                "finding": iri(finding.iri),
                "sign_fact": iri(sign_fact),
                "signed_primary": iri(signed.iri),
                "word": literal(words[i % len(words)]),
                "graph": iri(GRAPHS["asserted"]),
            }
        )
    return {"rows": rows}


def _sizes(target: int) -> tuple[int, int, int, int]:
    """Class and source counts for a target size: the hierarchies grow with the KG, but slower than facts."""
    classes = max(60, target // 100)
    return (classes * 4 // 10, classes * 45 // 100, max(12, classes * 15 // 100), max(8, target // 400))


def generate(folder: Path, target_triples: int, seed: int = 1) -> SyntheticKG:
    """Write a synthetic KG of about ``target_triples`` triples to ``folder`` (replaced atomically)."""
    if target_triples < _MIN_TRIPLES:
        raise UserError(f"a synthetic KG needs at least {_MIN_TRIPLES} triples, got {target_triples}", field="--sizes")
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
    n_primaries, n_sites, n_findings, n_sources = _sizes(target_triples)
    names: dict[str, int] = {}
    primaries = _tree(rng, MKG + "MalignantNeoplasm", n_primaries, _primary_label, names, lexicon.ORGANS)
    sites = _tree(rng, MKG + "AnatomicalSite", n_sites, _site_label, names, lexicon.SITE_PARTS)
    findings = _tree(rng, MKG + "SkinFinding", n_findings, _finding_label, names, lexicon.FINDING_HEADS)
    xrefs = {}
    for kind, nodes, base in (
        ("primary", primaries, 1),
        ("site", sites, 200_000),
        ("finding", findings, 400_000),
    ):
        for i, node in enumerate(nodes):
            xrefs[node.iri] = _xref(lexicon.XREF_PREFIXES[kind], base + i)

    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    try:
        counts = _Counts()
        with (tmp / "kg.nq").open("w", encoding="utf-8", newline="\n") as stream:
            out = _Out(stream, counts)
            _write_vocabulary(out)
            for kind, nodes in (("primary", primaries), ("site", sites), ("finding", findings)):
                _write_classes(out, rng, nodes, kind, xrefs)
            sources = _write_sources(out, rng, n_sources)
            for nodes in (primaries, sites, findings):
                _write_closure(out, nodes)
            assoc = _Associations(out, rng, (primaries, sites, findings), sources)
            while counts.total + assoc.inferred_pending() < target_triples or not assoc.sign_rows:
                assoc.add_one()
            assoc.write_inferred()
        params = _params(rng, assoc, xrefs)
        (tmp / "params.json").write_text(json.dumps(params, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        _write_manifest(tmp, counts, seed, target_triples)
        if folder.exists():
            shutil.rmtree(folder)
        tmp.rename(folder)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return SyntheticKG(folder, counts.total, dict(counts.by_graph), seed)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _write_manifest(folder: Path, counts: _Counts, seed: int, target: int) -> None:
    nq_sha = _sha256(folder / "kg.nq")
    manifest = {
        "version": _VERSION,
        "base_iri": MKG,
        "graphs": counts.by_graph,
        "triples": counts.total,
        "files": {"kg.nq": nq_sha, "params.json": _sha256(folder / "params.json")},
        "fingerprint": nq_sha,
        "synthetic": {"generator": "kg.bench.generate", "seed": seed, "target_triples": target},
    }
    (folder / "release.json").write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
