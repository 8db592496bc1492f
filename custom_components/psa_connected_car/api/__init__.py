"""Async client of the PSA / Stellantis Connected Car B2C API v4 (no Home Assistant import)."""
