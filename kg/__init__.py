"""Metastasis KG: curated tables plus the ontology, turned into a reasoned, validated RDF release.

The package never imports :mod:`server` or Flask: the flow runs one way, from data to release to server.
"""

__version__ = "0.1.0"
