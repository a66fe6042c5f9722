"""Stage 5, release: the graphs as deterministic files (canonical Turtle, TriG, N-Quads, RDF/XML, JSON-LD, SSSOM).

Takes the checked graphs; gives a release folder written aside, with its manifest, moved into place in one step.
"""
