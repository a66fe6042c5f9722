"""Quality-control SPARQL queries (zero rows means pass), shipped as ``kg.queries.qc``; no code lives here."""
