"""Stage 1, inputs: the curated tables, the cited source texts, the ontology's declarations and users' RDF files.

Takes files (``kg/tables/*.tsv``, ``kg/sources/``, the edit file, RDF a user hands in); gives checked, typed records.
"""
