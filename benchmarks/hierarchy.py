"""Deep class hierarchies for the synthetic KG: primaries, anatomical sites and skin findings.

Researchers' queries walk these trees (``rdfs:subClassOf*``), so their depth and fan-out decide how
expensive the property-path queries are: trees grow breadth-first with 1-3 children per class under a
wide first level, so depth grows with the logarithm of the class count (about 3 at 10k triples, 8 at
1M), as an ontology does when it gains detail.
"""

from __future__ import annotations

import random
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from benchmarks import lexicon
from benchmarks.vocab import MKG

__all__ = ["Class", "findings", "primaries", "sites"]

_LabelMaker = Callable[[random.Random, int, str], str]


@dataclass(frozen=True)
class Class:
    """One generated class: its IRI, label and ancestors (nearest first; the first is the parent)."""

    iri: str
    label: str
    ancestors: tuple[str, ...]


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
) -> list[Class]:
    """Grow ``count`` classes under ``root`` breadth-first.

    Children keep their top-level ancestor's theme word (an organ, a body part, a skin sign), so a text
    search for "breast" finds a subtree, as it would in a curated hierarchy.
    """
    labels: dict[str, int] = {}
    nodes: list[Class] = []
    top = rng.sample(list(themes), min(len(themes), max(2, count // 8)))
    frontier: list[tuple[str, tuple[str, ...], str]] = [(root, (), "")]
    head = 0
    while len(nodes) < count:
        parent, parent_ancestors, theme = frontier[head]
        head += 1
        for i in range(len(top) if parent == root else rng.randint(1, 3)):
            if len(nodes) == count:
                break
            child_theme = theme or top[i]
            label = _unique(make_label(rng, len(parent_ancestors) + 1, child_theme), labels)
            node = Class(MKG + _local_name(label, names), label, (parent, *parent_ancestors))
            nodes.append(node)
            frontier.append((node.iri, node.ancestors, child_theme))
    return nodes


def _primary_label(rng: random.Random, depth: int, organ: str) -> str:
    if depth == 1:
        return f"{organ} cancer"
    histology = rng.choice(lexicon.HISTOLOGIES)
    if depth == 2:
        return f"{organ} {histology}"
    return f"{rng.choice(lexicon.PRIMARY_MODIFIERS)} {organ} {histology}"


def _site_label(rng: random.Random, depth: int, part: str) -> str:
    if depth == 1:
        return part
    if depth == 2:
        return f"{rng.choice(lexicon.SITE_QUALIFIERS)} {part}"
    first, second = rng.sample(lexicon.SITE_QUALIFIERS, 2)
    return f"{first} {second} {part}"


def _finding_label(rng: random.Random, depth: int, head: str) -> str:
    if depth == 1:
        return head
    return f"{rng.choice(lexicon.FINDING_MODIFIERS)} {head}"


def primaries(rng: random.Random, count: int, names: dict[str, int]) -> list[Class]:
    """Primary cancers under ``mkg:MalignantNeoplasm``, one subtree per organ."""
    return _tree(rng, MKG + "MalignantNeoplasm", count, _primary_label, names, lexicon.ORGANS)


def sites(rng: random.Random, count: int, names: dict[str, int]) -> list[Class]:
    """Anatomical sites under ``mkg:AnatomicalSite``, one subtree per body part."""
    return _tree(rng, MKG + "AnatomicalSite", count, _site_label, names, lexicon.SITE_PARTS)


def findings(rng: random.Random, count: int, names: dict[str, int]) -> list[Class]:
    """Skin findings and paraneoplastic syndromes under ``mkg:SkinFinding``."""
    return _tree(rng, MKG + "SkinFinding", count, _finding_label, names, lexicon.FINDING_HEADS)
