"""The tree above a term and its direct children, recovered from a subclass closure (server/web/hierarchy.py)."""

from __future__ import annotations

from typing import Any

from server.web.hierarchy import TreeNode, ancestor_tree, direct_children


def _rows(pairs: list[tuple[str, str]]) -> list[dict[str, dict[str, str]]]:
    return [{"node": {"value": n}, "super": {"value": s}} for n, s in pairs]


def _shape(nodes: list[TreeNode]) -> list[tuple[str, list[Any]]]:
    return [(("*" if n.current else "") + n.iri, _shape(n.children)) for n in nodes]


def test_a_closure_is_reduced_to_direct_parents_and_a_diamond_keeps_both_branches() -> None:
    """With the closure stated, D under B and C (both under A) is A > B > D and A > C > D, never A > D."""
    closure = [("D", "B"), ("D", "C"), ("D", "A"), ("B", "A"), ("C", "A")]
    tree = ancestor_tree("D", _rows(closure), str)
    assert _shape(tree) == [("A", [("B", [("*D", [])]), ("C", [("*D", [])])])]


def test_equivalent_classes_are_both_parents_and_a_root_term_has_no_tree() -> None:
    """Classes stated equivalent (each under the other) stay two parents; the recursion stops on the cycle."""
    closure = [("T", "E1"), ("T", "E2"), ("E1", "E2"), ("E2", "E1")]
    assert _shape(ancestor_tree("T", _rows(closure), str)) == [("E1", [("*T", [])]), ("E2", [("*T", [])])]
    assert ancestor_tree("R", [], str) == []


def test_direct_children_are_those_with_nothing_between() -> None:
    """A row with a class between child and term rules the child out; one without keeps it."""
    rows = [
        {"child": {"value": "B"}},
        {"child": {"value": "D"}, "between": {"value": "B"}},
        {"child": {"value": "D"}},
        {"child": {"value": "C"}},
    ]
    assert direct_children(rows) == ["B", "C"]
