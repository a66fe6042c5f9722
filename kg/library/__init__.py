"""The stored query library: ``queries/*.rq`` with their ``#+`` headers and parameters, run on a release.

Takes query files and SPARQL text; gives bound queries, one-line syntax errors and answers as tables, CSV, TSV, JSON.
"""
