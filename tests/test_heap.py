"""frozen_heap keeps existing objects out of the collector's passes for one block, and only for that block."""

from __future__ import annotations

import gc

import pytest

from kg.heap import frozen_heap


def test_objects_are_frozen_inside_the_block_and_back_after() -> None:
    """Inside, what existed before is frozen; after the block, even one that raised, nothing is."""
    assert gc.get_freeze_count() == 0
    with frozen_heap():
        assert gc.get_freeze_count() > 0
    assert gc.get_freeze_count() == 0
    with pytest.raises(RuntimeError), frozen_heap():
        raise RuntimeError("a failed step")
    assert gc.get_freeze_count() == 0


def test_a_freeze_already_in_place_is_left_to_its_owner() -> None:
    """Nested in another freeze, the block neither freezes more nor unfreezes the owner's objects."""
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        with frozen_heap():
            assert gc.get_freeze_count() == frozen
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()


def test_cycles_made_inside_the_block_are_still_collected() -> None:
    """Only what existed before is frozen: garbage cycles the step makes are collected as usual."""

    class Node:
        other: object = None

    with frozen_heap():
        gc.collect()
        a, b = Node(), Node()
        a.other, b.other = b, a
        del a, b
        assert gc.collect() >= 2
