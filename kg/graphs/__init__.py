"""Stage 2, graphs: the records as RDF, one named graph per kind (asserted, provenance, quote selectors).

Takes the typed records of :mod:`kg.inputs`; gives rdflib graphs, group statements carried to members, restrictions.
"""
