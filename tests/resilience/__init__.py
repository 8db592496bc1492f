"""Resilience: faults, a soak, security and bad input, against the simulator."""
