"""The benchmark's query mix (``benchmarks.queries``): a data folder of ``.rq`` files, no code."""
