"""Tests of the benchmark's own set-up (benchmarks/), not of its figures."""
