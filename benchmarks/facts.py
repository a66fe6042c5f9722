"""Curated facts for the synthetic KG, written the way the build writes them for real rows.

One association row of the curated tables becomes, in a release: the association node and its statistic
in the asserted graph (``kg.graphs.assemble``), three provenance triples per record in the provenance graph,
and in the inferred graph its inferred types, its RDF reification and its shortcut triple repeated for
each super-property (``kg.reason.infer``). The writer emits all of it per drawn row, so the KG stops growing at
exactly the size asked for, whatever mix of rows was drawn.

Subjects, objects and sources are drawn with a long-tailed (Zipf-like) popularity, as real literature
has many more facts about breast cancer than about rare tumours.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate
from typing import Protocol

from benchmarks import lexicon
from benchmarks.hierarchy import Class
from benchmarks.ntriples import XSD, iri, literal, typed
from benchmarks.vocab import DCTERMS, GRAPHS, MKG, OBO, PROV, RDF, RDFS, UNIT_PERCENT, A, en

__all__ = ["FactWriter", "SignRow", "SpreadRow"]

_SIGN_SHARE = 0.15
_SUPER_PROPERTY = {"spreadsTo": OBO + "RO_0004026", "mayBeSignOf": OBO + "RO_0002607"}


class _Sink(Protocol):
    def add(self, graph: str, s: str, p: str, o: str) -> None: ...


@dataclass(frozen=True)
class SpreadRow:
    """A drawn spread association (for parameter rows)."""

    fact: str
    primary: Class
    site: Class
    source: str


@dataclass(frozen=True)
class SignRow:
    """A drawn cutaneous-sign association (for parameter rows)."""

    fact: str
    finding: Class
    primary: Class


def _weights(n: int, rng: random.Random) -> list[float]:
    """Cumulative weights giving a few popular items and a long tail, in random positions."""
    ranks = list(range(n))
    rng.shuffle(ranks)
    return list(accumulate(1.0 / (r + 1) ** 0.8 for r in ranks))


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


class FactWriter:
    """Draws association rows and writes every triple a release holds for each."""

    def __init__(
        self,
        out: _Sink,
        rng: random.Random,
        trees: tuple[Sequence[Class], Sequence[Class], Sequence[Class]],
        sources: Sequence[str],
        build: str,
    ) -> None:
        self.out, self.rng, self.build = out, rng, build
        self.primaries, self.sites, self.findings = trees
        self.sources = sources
        self._w_primary = _weights(len(self.primaries), rng)
        self._w_site = _weights(len(self.sites), rng)
        self._w_finding = _weights(len(self.findings), rng)
        self._w_source = _weights(len(sources), rng)
        self._shortcuts: dict[tuple[str, str, str], None] = {}
        self._facts = 0
        self._statistics = 0
        self.spread_rows: list[SpreadRow] = []
        self.sign_rows: list[SignRow] = []

    def add_one(self) -> None:
        """Draw one curated row and write it."""
        if self.rng.random() < _SIGN_SHARE:
            self._sign()
        else:
            self._spread()

    def _pick(self, items: Sequence[Class], weights: list[float]) -> Class:
        return self.rng.choices(items, cum_weights=weights)[0]

    def _provenance(self, node: str, table: str, line: int, source: str) -> None:
        g, n = GRAPHS["provenance"], iri(node)
        self.out.add(g, n, iri(MKG + "curatedFrom"), literal(f"kg/tables/{table}.tsv:{line}"))
        self.out.add(g, n, iri(PROV + "wasDerivedFrom"), iri(source))
        self.out.add(g, n, iri(PROV + "wasGeneratedBy"), iri(self.build))

    def _association(self, kind: str, subject: Class, predicate: str, obj: Class, label: str) -> tuple[str, str]:
        fact = f"{MKG}fact/F{self._facts:08d}"
        self._facts += 1
        g, f, rng = GRAPHS["asserted"], iri(fact), self.rng
        self.out.add(g, f, A, iri(MKG + kind))
        self.out.add(g, f, iri(RDFS + "label"), en(label))
        self.out.add(g, f, iri(MKG + "subject"), iri(subject.iri))
        self.out.add(g, f, iri(MKG + "predicate"), iri(MKG + predicate))
        self.out.add(g, f, iri(MKG + "object"), iri(obj.iri))
        source = rng.choices(self.sources, cum_weights=self._w_source)[0]
        self.out.add(g, f, iri(DCTERMS + "source"), iri(source))
        if rng.random() < 0.7:
            self.out.add(g, f, iri(MKG + "frequency"), en(rng.choice(lexicon.FREQUENCIES)))
        self._provenance(fact, "associations", self._facts + 1, source)
        inferred = GRAPHS["inferred"]
        self.out.add(inferred, f, A, iri(MKG + "Association"))
        self.out.add(inferred, f, A, iri(RDF + "Statement"))
        self.out.add(inferred, f, iri(RDF + "subject"), iri(subject.iri))
        self.out.add(inferred, f, iri(RDF + "predicate"), iri(MKG + predicate))
        self.out.add(inferred, f, iri(RDF + "object"), iri(obj.iri))
        for prop in (MKG + predicate, _SUPER_PROPERTY[predicate]):
            key = (subject.iri, prop, obj.iri)
            if key not in self._shortcuts:
                self._shortcuts[key] = None
                self.out.add(inferred, iri(subject.iri), iri(prop), iri(obj.iri))
        return fact, source

    def _spread(self) -> None:
        primary = self._pick(self.primaries, self._w_primary)
        site = self._pick(self.sites, self._w_site)
        fact, source = self._association(
            "SpreadAssociation", primary, "spreadsTo", site, f"{primary.label} spreads to {site.label}"
        )
        g, f, rng = GRAPHS["asserted"], iri(fact), self.rng
        regional = ("lymph node" in site.label) != (rng.random() < 0.1)
        kind = "Regional" if regional else "Distant"
        self.out.add(g, f, iri(MKG + "spreadKind"), iri(f"{MKG}{kind}Spread"))
        self.out.add(GRAPHS["inferred"], f, A, iri(f"{MKG}{kind}SpreadAssociation"))
        route_label = rng.choice(lexicon.ROUTE_WORDS)
        if route_label == "lymphatic spread":
            self.out.add(g, f, iri(MKG + "route"), iri(MKG + lexicon.ROUTES[0][0]))
        if rng.random() < 0.5:
            value = f"{rng.randint(5, 950) / 10:.1f}"
            patients = rng.randint(10, 2000)
            quote = (
                f"{_capital(primary.label)} metastasized to the {site.label} in {value}% of "
                f"{patients} patients, mostly by {route_label}."
            )
            self._statistic(fact, value, patients, primary, source, quote)
        else:
            quote = f"Involvement of the {site.label} is reported in {primary.label} ({route_label})."
        self.out.add(g, f, iri(MKG + "quote"), en(quote))
        self.spread_rows.append(SpreadRow(fact, primary, site, source))

    def _statistic(self, fact: str, value: str, patients: int, primary: Class, source: str, quote: str) -> None:
        stat = f"{MKG}statistic/{fact.rsplit('/', 1)[1]}"
        self._statistics += 1
        g, s = GRAPHS["asserted"], iri(stat)
        stated = f"{value}% of {patients} patients"
        self.out.add(g, iri(fact), iri(MKG + "hasStatistic"), s)
        self.out.add(g, s, A, iri(MKG + "Statistic"))
        self.out.add(g, s, iri(RDFS + "label"), en(stated))
        self.out.add(g, s, iri(MKG + "value"), typed(value, XSD + "decimal"))
        self.out.add(g, s, iri(MKG + "unit"), iri(UNIT_PERCENT))
        self.out.add(g, s, iri(MKG + "approximate"), typed("false", XSD + "boolean"))
        self.out.add(g, s, iri(MKG + "statedAs"), en(stated))
        self.out.add(g, s, iri(MKG + "denominator"), en(f"{patients} patients with {primary.label}"))
        self.out.add(g, s, iri(DCTERMS + "source"), iri(source))
        self.out.add(g, s, iri(MKG + "quote"), en(quote))
        self._provenance(stat, "statistics", self._statistics + 1, source)

    def _sign(self) -> None:
        finding = self._pick(self.findings, self._w_finding)
        primary = self._pick(self.primaries, self._w_primary)
        fact, _ = self._association(
            "CutaneousSignAssociation",
            finding,
            "mayBeSignOf",
            primary,
            f"{finding.label} may be sign of {primary.label}",
        )
        g, f = GRAPHS["asserted"], iri(fact)
        if self.rng.random() < 0.6:
            self.out.add(g, f, iri(MKG + "timing"), iri(MKG + self.rng.choice(lexicon.TIMINGS)[0]))
        quote = f"{_capital(finding.label)} may herald an underlying {primary.label}."
        self.out.add(g, f, iri(MKG + "quote"), en(quote))
        self.sign_rows.append(SignRow(fact, finding, primary))
