"""A term's place in the class hierarchy, as OLS shows it: the tree from the root(s) down to it, and its children.

The inferred graph states the subclass closure as direct ``rdfs:subClassOf`` triples, so "direct parent"
and "direct child" are recovered here by transitive reduction of the rows of ``ld-ancestors.rq`` and
``ld-children.rq``: a superclass is a direct parent when it is a superclass of no other superclass (classes
stated equivalent, each a superclass of the other, are both kept). This gives defined classes whose place
only the reasoner found (``ParotidLymphNodeMetastasis`` under ``LymphNodeMetastasis``) the same tree as
asserted ones. Two classes each under the other (stated equivalent) are not each other's parent: both
keep their own parents, so neither hides the other and the recursion has no cycle to follow.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

__all__ = ["TreeNode", "ancestor_tree", "direct_children"]

Row = Mapping[str, Mapping[str, str]]
_MAX_DEPTH = 40  # far deeper than the ontology; stops a cycle of stated equivalences from recursing forever


@dataclass
class TreeNode:
    """One class in the tree above a term; ``current`` marks the term itself (a leaf of the tree)."""

    iri: str
    label: str
    current: bool = False
    children: list[TreeNode] = field(default_factory=list)


def _direct_parents(supers: Mapping[str, set[str]]) -> dict[str, set[str]]:
    parents: dict[str, set[str]] = {}
    for node, above in supers.items():
        kept = set()
        for candidate in above:
            if node in supers.get(candidate, ()):
                continue  # stated equivalent to the node: a sibling in the tree, not a parent
            below_other = any(
                candidate in supers.get(other, ()) and other not in supers.get(candidate, ())
                for other in above
                if other != candidate
            )
            if not below_other:
                kept.add(candidate)
        parents[node] = kept
    return parents


def ancestor_tree(term: str, rows: Iterable[Row], label: Callable[[str], str]) -> list[TreeNode]:
    """The roots above ``term``, each with the branches that lead down to it; empty for a root term."""
    supers: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        supers[row["node"]["value"]].add(row["super"]["value"])
    supers.setdefault(term, set())
    for node, above in supers.items():
        above.discard(node)
    if not supers[term]:
        return []
    parents = _direct_parents(supers)
    nodes = {term} | supers[term]
    children: dict[str, list[str]] = defaultdict(list)
    for node in nodes:
        for parent in parents.get(node, ()):
            if parent in nodes:
                children[parent].append(node)
    roots = [n for n in nodes if not parents.get(n, set()) & nodes]

    def grow(iri: str, path: frozenset[str]) -> TreeNode:
        node = TreeNode(iri, label(iri), current=iri == term)
        if len(path) < _MAX_DEPTH:
            below = sorted(children.get(iri, ()), key=lambda c: (label(c).casefold(), c))
            node.children = [grow(child, path | {child}) for child in below if child not in path]
        return node

    return [grow(root, frozenset({root})) for root in sorted(roots, key=lambda r: (label(r).casefold(), r))]


def direct_children(rows: Iterable[Row]) -> list[str]:
    """The subclasses from ``ld-children.rq`` rows that have no class between them and the term."""
    between: dict[str, bool] = {}
    for row in rows:
        child = row["child"]["value"]
        between[child] = between.get(child, False) or "between" in row
    return [child for child, has in between.items() if not has]
