"""SPARQL query files, shipped as package data ``kg.queries``; no code lives here."""
