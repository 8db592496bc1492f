"""Tests of the HA-independent API client."""
