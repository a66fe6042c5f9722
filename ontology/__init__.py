"""The ontology edit file and its companions, shipped as package data ``kg.ontology``; no code lives here."""
