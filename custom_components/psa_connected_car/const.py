"""Constants of the PSA Connected Car integration."""

from __future__ import annotations

import logging
from typing import Final

DOMAIN: Final = "psa_connected_car"
LOGGER = logging.getLogger(__package__)
