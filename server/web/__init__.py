"""The web: the Flask app factory and one blueprint per route family (SPARQL, linked data, REST API, pages).

Takes HTTP requests, gives responses; every query goes through the shared executor in ``server.engine``.
A new route family is a module with a ``blueprint`` and one line in ``app.py``.
"""
