"""Tests for psa_connected_car."""
