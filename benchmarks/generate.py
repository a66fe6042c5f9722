"""A seeded generator of synthetic KGs in the project's own vocabulary, at any size.

The real KG is two sources big; performance decisions need graphs of 10k to 10M triples with the same
shape (deep class hierarchies, association nodes with quotes and statistics, shortcut triples, a
materialized subclass closure, provenance), so the benchmark queries meet the joins and selectivities
they would meet on a grown KG. The output is a release-shaped folder (``kg.nq`` with the four named
graphs of the release contract and a ``release.json``) that every server can load, plus ``params.json``:
values for the queries' ``?_name`` parameters that are known to occur.

The same seed and size always give byte-identical files: only seeded ``random.Random`` draws, lists and
insertion-ordered dicts decide the order of anything written (never set or hash order).
"""

from __future__ import annotations

import hashlib
import json
import random
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from benchmarks import hierarchy, lexicon
from benchmarks.facts import FactWriter
from benchmarks.hierarchy import Class
from benchmarks.ntriples import XSD, iri, literal, quad, typed
from benchmarks.vocab import DCTERMS, GRAPHS, MKG, OBO, OBOINOWL, OWL, PROV, RDFS, SKOS, VERSION, A, en
from kg.errors import UserError
from kg.release.files import sha256_file

__all__ = ["GRAPHS", "MKG", "SyntheticKG", "generate"]

MIN_TRIPLES = 1_000
# How many parameter rows params.json offers; the load driver cycles through them.
_PARAM_ROWS = 16
_TEXT_WORDS = ("lymph", "bone", "liver", "brain", "pleura", "sarcoma", "nodule", "peritoneum")

_SUBCLASS = iri(RDFS + "subClassOf")
_LABEL = iri(RDFS + "label")
_DEFINITION = iri(OBO + "IAO_0000115")


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


class _Out:
    """Writes quads and counts them per graph."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.by_graph = dict.fromkeys(GRAPHS.values(), 0)
        self.total = 0

    def add(self, graph: str, s: str, p: str, o: str) -> None:
        self.stream.write(quad(s, p, o, iri(graph)))
        self.by_graph[graph] += 1
        self.total += 1


def _write_vocabulary(out: _Out) -> None:
    """Write the fixed top of the ontology: root classes, association classes, value sets and relations."""
    g = GRAPHS["ontology"]
    owl_class, individual = iri(OWL + "Class"), iri(OWL + "NamedIndividual")
    parents: dict[str, str | None] = {}
    for cls, label, parent in (
        ("MalignantNeoplasm", "malignant neoplasm", None),
        ("AnatomicalSite", "anatomical site", None),
        ("SkinFinding", "skin finding", None),
        ("Association", "association", None),
        ("SpreadAssociation", "spread association", "Association"),
        ("RegionalSpreadAssociation", "regional spread association", "SpreadAssociation"),
        ("DistantSpreadAssociation", "distant spread association", "SpreadAssociation"),
        ("CutaneousSignAssociation", "cutaneous sign association", "Association"),
        ("Statistic", "statistic", None),
        ("SourceDocument", "source document", None),
        ("SpreadKind", "spread kind", None),
        ("SpreadRoute", "spread route", None),
        ("Timing", "timing relative to cancer detection", None),
    ):
        s = iri(MKG + cls)
        out.add(g, s, A, owl_class)
        out.add(g, s, _LABEL, en(label))
        out.add(g, s, _DEFINITION, en(f"The {label} class of the synthetic benchmark KG."))
        if parent:
            out.add(g, s, _SUBCLASS, iri(MKG + parent))
        parents[cls] = parent
    for cls, parent in parents.items():
        out.add(GRAPHS["inferred"], iri(MKG + cls), _SUBCLASS, iri(MKG + cls))
        ancestor = parents.get(parent) if parent else None
        while ancestor:
            out.add(GRAPHS["inferred"], iri(MKG + cls), _SUBCLASS, iri(MKG + ancestor))
            ancestor = parents.get(ancestor)
    value_sets = (
        ("SpreadKind", (("RegionalSpread", "regional spread"), ("DistantSpread", "distant spread"))),
        ("SpreadRoute", lexicon.ROUTES),
        ("Timing", lexicon.TIMINGS),
    )
    for cls, members in value_sets:
        for name, label in members:
            out.add(g, iri(MKG + name), A, individual)
            out.add(g, iri(MKG + name), A, iri(MKG + cls))
            out.add(g, iri(MKG + name), _LABEL, en(label))
            out.add(g, iri(MKG + name), _DEFINITION, en(f"The {label} member of the {cls} value set."))
    for ro, label in ((OBO + "RO_0004026", "disease has location"), (OBO + "RO_0002607", "is marker for")):
        out.add(g, iri(ro), A, iri(OWL + "ObjectProperty"))
        out.add(g, iri(ro), _LABEL, en(label))
    for name, label, parent, reified in (
        ("spreadsTo", "spreads to", OBO + "RO_0004026", "SpreadAssociation"),
        ("mayBeSignOf", "may be sign of", OBO + "RO_0002607", "CutaneousSignAssociation"),
    ):
        out.add(g, iri(MKG + name), A, iri(OWL + "ObjectProperty"))
        out.add(g, iri(MKG + name), _LABEL, en(label))
        out.add(g, iri(MKG + name), _DEFINITION, en(f"Shortcut relation '{label}', stated by associations."))
        out.add(g, iri(MKG + name), iri(RDFS + "subPropertyOf"), iri(parent))
        out.add(g, iri(MKG + name), iri(MKG + "reifiedAs"), iri(MKG + reified))


def _write_classes(out: _Out, rng: random.Random, nodes: Sequence[Class], kind: str, xrefs: dict[str, str]) -> None:
    g = GRAPHS["ontology"]
    owl_class = iri(OWL + "Class")
    for node in nodes:
        s = iri(node.iri)
        out.add(g, s, A, owl_class)
        out.add(g, s, _LABEL, en(node.label))
        parent_word = "a kind of" if len(node.ancestors) > 1 else "a top-level"
        out.add(g, s, _DEFINITION, en(f"The {node.label}: {parent_word} {kind} of the synthetic benchmark KG."))
        out.add(g, s, _SUBCLASS, iri(node.ancestors[0]))
        for j in range(rng.randint(0, 2)):
            out.add(g, s, iri(OBOINOWL + "hasExactSynonym"), en(f"{node.label} (synonym {j + 1})"))
        xref = xrefs[node.iri]
        out.add(g, s, iri(OBOINOWL + "hasDbXref"), literal(xref))
        out.add(g, s, iri(SKOS + "exactMatch"), iri(OBO + xref.replace(":", "_")))


def _write_closure(out: _Out, nodes: Sequence[Class]) -> None:
    """The inferred subclass closure, reflexive pairs included, as ``kg.reason.infer`` writes it."""
    g = GRAPHS["inferred"]
    for node in nodes:
        out.add(g, iri(node.iri), _SUBCLASS, iri(node.iri))
        for ancestor in node.ancestors[1:]:
            out.add(g, iri(node.iri), _SUBCLASS, iri(ancestor))


def _write_sources(out: _Out, rng: random.Random, count: int, build: str) -> list[str]:
    g = GRAPHS["provenance"]
    b = iri(build)
    out.add(g, b, A, iri(PROV + "Activity"))
    out.add(g, b, _LABEL, en(f"Metastasis KG build {VERSION}"))
    out.add(g, b, iri(PROV + "endedAtTime"), typed(f"{VERSION}T00:00:00Z", XSD + "dateTime"))
    sources = []
    for i in range(count):
        src = f"{MKG}source/bench-{i:05d}"
        title = " ".join(rng.sample(lexicon.TITLE_WORDS, 5))
        s = iri(src)
        out.add(g, s, A, iri(MKG + "SourceDocument"))
        out.add(g, s, A, iri(PROV + "Entity"))
        out.add(g, s, _LABEL, en(title[:1].upper() + title[1:]))
        out.add(g, s, iri(DCTERMS + "title"), en(title[:1].upper() + title[1:]))
        out.add(g, s, iri(DCTERMS + "publisher"), literal(rng.choice(lexicon.PUBLISHERS)))
        out.add(g, s, iri(DCTERMS + "issued"), typed(str(rng.randint(1975, 2024)), XSD + "gYear"))
        out.add(g, s, iri(MKG + "localCopy"), literal(f"bench-{i:05d}.txt"))
        out.add(g, s, iri(MKG + "sha256"), literal(hashlib.sha256(src.encode()).hexdigest()))
        out.add(g, b, iri(PROV + "used"), s)
        sources.append(src)
    return sources


def _params(rng: random.Random, facts: FactWriter, xrefs: dict[str, str]) -> dict[str, object]:
    """Parameter rows whose values are known to occur, written as N-Triples terms ready to substitute."""
    rows = []
    for i in range(_PARAM_ROWS):
        spread = facts.spread_rows[rng.randrange(len(facts.spread_rows))]
        sign = facts.sign_rows[rng.randrange(len(facts.sign_rows))]
        site = spread.site
        # A site near the top of its tree, so "spreads to this region or below" walks a whole subtree.
        subtree = site.ancestors[-2] if len(site.ancestors) >= 2 else site.iri
        rows.append({
            "fact": iri(spread.fact),
            "primary": iri(spread.primary.iri),
            "site": iri(site.iri),
            "site_subtree": iri(subtree),
            "source": iri(spread.source),
            "label": en(spread.primary.label),
            "xref": literal(xrefs[spread.primary.iri]),
            "finding": iri(sign.finding.iri),
            "sign_fact": iri(sign.fact),
            "signed_primary": iri(sign.primary.iri),
            "word": literal(_TEXT_WORDS[i % len(_TEXT_WORDS)]),
        })  # fmt: skip
    return {"rows": rows}


def _class_counts(target: int) -> tuple[int, int, int, int]:
    """Primaries, sites, findings and sources for a size: hierarchies grow with the KG, slower than facts."""
    classes = max(60, target // 100)
    return classes * 4 // 10, classes * 45 // 100, max(12, classes * 15 // 100), max(8, target // 400)


def _write_manifest(folder: Path, out: _Out, seed: int, target: int) -> None:
    nq_sha = sha256_file(folder / "kg.nq")
    manifest = {
        "version": VERSION,
        "base_iri": MKG,
        "graphs": out.by_graph,
        "triples": out.total,
        "files": {"kg.nq": nq_sha, "params.json": sha256_file(folder / "params.json")},
        "fingerprint": nq_sha,
        "synthetic": {"generator": "benchmarks.generate", "seed": seed, "target_triples": target},
    }
    (folder / "release.json").write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")


def generate(folder: Path, target_triples: int, seed: int = 1) -> SyntheticKG:
    """Write a synthetic KG of ``target_triples`` triples (a few more) to ``folder``, replacing it atomically."""
    if target_triples < MIN_TRIPLES:
        raise UserError(f"a synthetic KG needs at least {MIN_TRIPLES} triples, got {target_triples}", field="--sizes")
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
    n_primaries, n_sites, n_findings, n_sources = _class_counts(target_triples)
    names: dict[str, int] = {}
    trees = (
        hierarchy.primaries(rng, n_primaries, names),
        hierarchy.sites(rng, n_sites, names),
        hierarchy.findings(rng, n_findings, names),
    )
    xrefs = {}
    for kind, nodes, base in zip(("primary", "site", "finding"), trees, (1, 200_000, 400_000), strict=True):
        for i, node in enumerate(nodes):
            xrefs[node.iri] = f"{lexicon.XREF_PREFIXES[kind]}:{base + i:07d}"
    build = f"{MKG}build/{VERSION}"

    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    try:
        with (tmp / "kg.nq").open("w", encoding="utf-8", newline="\n") as stream:
            out = _Out(stream)
            _write_vocabulary(out)
            for kind, nodes in zip(("primary", "site", "finding"), trees, strict=True):
                _write_classes(out, rng, nodes, kind, xrefs)
                _write_closure(out, nodes)
            facts = FactWriter(out, rng, trees, _write_sources(out, rng, n_sources, build), build)
            while out.total < target_triples or not (facts.spread_rows and facts.sign_rows):
                facts.add_one()
        params = _params(rng, facts, xrefs)
        (tmp / "params.json").write_text(json.dumps(params, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        _write_manifest(tmp, out, seed, target_triples)
        if folder.is_symlink():
            folder.unlink()  # a link to data generated elsewhere: replace the link, never the folder it names
        elif folder.exists():
            shutil.rmtree(folder)
        tmp.rename(folder)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return SyntheticKG(folder, out.total, dict(out.by_graph), seed)
