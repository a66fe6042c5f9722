"""The SPARQL 1.1 Protocol as codecs: request envelope, query guard, formats, conneg, service description.

Takes raw request parts and query text, gives checked values or a 4xx; knows nothing of Flask routes or engines.
A new result format is one row in ``formats.py``.
"""
