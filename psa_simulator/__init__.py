"""A simulator of the PSA/Stellantis cloud: identity server, Connected Car API v4, control API.

An independent server-side implementation (nothing is imported from the integration), used as
the measuring instrument of the client and integration tests and as a demo for people.
"""

from __future__ import annotations

from .app import create_app
from .config import FaultConfig, PasswordRefusal, SimulatorConfig
from .const import (
    DEFAULT_HOST,
    DEFAULT_PORT,
    DEMO_BRAND,
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    DEMO_COUNTRY,
    DEMO_PASSWORD,
    DEMO_USERNAME,
)
from .demo import BEV_VIN, PHEV_VIN, THERMIC_VIN
from .state import STATE, SimulatorState
from .vehicles import ScenarioError, SimVehicle

__all__ = [
    "BEV_VIN",
    "DEFAULT_HOST",
    "DEFAULT_PORT",
    "DEMO_BRAND",
    "DEMO_CLIENT_ID",
    "DEMO_CLIENT_SECRET",
    "DEMO_COUNTRY",
    "DEMO_PASSWORD",
    "DEMO_USERNAME",
    "PHEV_VIN",
    "STATE",
    "THERMIC_VIN",
    "FaultConfig",
    "PasswordRefusal",
    "ScenarioError",
    "SimVehicle",
    "SimulatorConfig",
    "SimulatorState",
    "create_app",
]
