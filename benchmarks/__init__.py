"""Benchmarks: a seeded synthetic-KG generator, a query mix, an HTTP load driver and reference servers."""
