"""Home Assistant custom integrations (the package lets tests import them)."""
