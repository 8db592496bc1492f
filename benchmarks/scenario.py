"""A made-up fleet account for the benchmark: N electric cars, all charging (so every car is
due at every cycle: the worst case for an update cycle)."""

from __future__ import annotations

from typing import Any

from .home import Account

FLEET = Account(
    brand="peugeot",
    country="FR",
    username="fleet@example.com",
    password="fleet-password",  # noqa: S106 - the simulator's made-up account
    client_id="fleet-client-id",
    client_secret="fleet-client-secret",  # noqa: S106
)
AT = "2026-01-02T08:00:00Z"


def charging_status() -> dict[str, Any]:
    """A 2025-shaped status of a BEV charging at home."""
    charging = {
        "plugged": True,
        "status": "InProgress",
        "remainingTime": "PT2H10M",
        "chargingRate": 48,
        "chargingMode": "Slow",
    }
    return {
        "createdAt": AT,
        "updatedAt": AT,
        "lastPosition": {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [2.2945, 48.8584, 35.0]},
            "properties": {"createdAt": AT, "heading": 90, "type": "Acquire"},
        },
        "ignition": {"createdAt": AT, "type": "Stop"},
        "battery": {"createdAt": AT, "voltage": 86.0},
        "privacy": {"createdAt": AT, "state": "None"},
        "environment": {"air": {"createdAt": AT, "temp": 11.0}},
        "odometer": {"createdAt": AT, "mileage": 24012.3},
        "kinetic": {"createdAt": AT, "moving": False, "speed": 0.0},
        "doorsState": {"createdAt": AT, "lockedStates": ["Locked"]},
        "energies": [
            {
                "type": "Electric",
                "subType": "ElectricEnergy",
                "createdAt": AT,
                "level": 57.0,
                "autonomy": 190,
                "extension": {"electric": {"charging": charging}},
            }
        ],
        "energy": [
            {
                "type": "Electric",
                "createdAt": AT,
                "updatedAt": AT,
                "level": 57.0,
                "autonomy": 190,
                "charging": charging,
            }
        ],
    }


def fleet(count: int) -> dict[str, Any]:
    """The scenario: ``count`` charging cars with made-up VINs."""
    account = FLEET
    return {
        "account": {
            "brand": account.brand,
            "country": account.country,
            "username": account.username,
            "password": account.password,
            "client_id": account.client_id,
            "client_secret": account.client_secret,
        },
        "vehicles": [
            {
                "vin": f"VR3SIMULATED{number:05d}",
                "brand": "Peugeot",
                "motorization": "Electric",
                "pictures": [],
                "status": charging_status(),
                "maintenance": {"createdAt": AT, "daysBeforeMaintenance": 100},
                "alerts": [],
            }
            for number in range(count)
        ],
    }
