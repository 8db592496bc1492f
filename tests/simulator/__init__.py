"""Tests of the PSA cloud simulator."""
