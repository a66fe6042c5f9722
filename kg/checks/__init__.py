"""Stage 4, checks: SHACL on the graphs, QC queries and OWL 2 DL rules on the ontology, the OWL API's view of it.

Takes graphs or the edit file; gives violations with file:line or focus node (``mkg validate``, ``mkg check-ontology``).
"""
