"""Benchmarks of the integration against the PSA cloud simulator (run with scripts/benchmark)."""
