"""Benchmark query mix, shipped as ``kg.queries.bench``: a data folder of ``.rq`` files, no code."""
