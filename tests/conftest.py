"""Fixtures shared across the suite: the packaged ontology, and one real release built per session."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph

from kg.resources import ontology_edit_file

RELEASE_VERSION = "2026-01-01"


@pytest.fixture(scope="session")
def release_version() -> str:
    """The release date every test build is stamped with, so builds compare byte for byte."""
    return RELEASE_VERSION


@pytest.fixture(scope="session")
def ontology_graph() -> Graph:
    """The ontology edit file, parsed once."""
    return Graph().parse(ontology_edit_file(), format="turtle")


@pytest.fixture(scope="session")
def release_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A release built from the packaged data (reasoning included), shared by every test that reads one."""
    from kg.build import build_release

    return build_release(tmp_path_factory.mktemp("release") / "release", version=RELEASE_VERSION)
