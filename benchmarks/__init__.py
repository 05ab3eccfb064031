"""Benchmarks: each `bench_*.py` module measures one stage against the naive way, in the same run."""
