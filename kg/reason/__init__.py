"""Stage 3, reasoning: HermiT on the ontology plus a compact A-box, and the inferred graph built from its answer.

Takes the ontology and asserted graphs; gives the proof of consistency, the class hierarchy and ``…/graph/inferred``.
"""
