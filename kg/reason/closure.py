"""Reachability over a relation, shared by the reasoner adapter and the inferred-graph builder."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import TypeVar

__all__ = ["reachable"]

N = TypeVar("N", bound=Hashable)


def reachable(edges: Mapping[N, set[N]]) -> dict[N, set[N]]:
    """Everything reachable from each node along ``edges`` (the node itself only if it lies on a cycle)."""
    reach: dict[N, set[N]] = {}
    for start in edges:
        seen: set[N] = set()
        stack = list(edges[start])
        while stack:
            node = stack.pop()
            if node not in seen:
                seen.add(node)
                stack.extend(edges.get(node, ()))
        reach[start] = seen
    return reach
