"""Diagnostics: a snapshot, and no secret or personal value anywhere in it."""

from __future__ import annotations

import json

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion
from syrupy.filters import props

from custom_components.psa_connected_car.api.models import Alert

from .common import (
    ACCOUNT_ID,
    CLIENT_SECRET,
    PASSWORD,
    T0,
    TOKEN,
    USERNAME,
    VIN_1,
    VIN_2,
    MockPSA,
    create_entry,
    make_status,
    setup_integration,
)


async def test_diagnostics(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    mock_psa: MockPSA,
    freezer: FrozenDateTimeFactory,
    snapshot: SnapshotAssertion,
) -> None:
    # The clock stays frozen (planner times are exact); not moved back to T0, which would
    # make the test client's access token issued "in the future".
    status = make_status()
    mock_psa.statuses["id-0001"] = type(status)(
        **{
            **{field: getattr(status, field) for field in status.__dataclass_fields__},
            "raw": {
                "createdAt": T0.isoformat(),
                "lastPosition": {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": [2.35, 48.85, 35.0]},
                    "properties": {"createdAt": T0.isoformat(), "heading": 90},
                },
                "_links": {"self": {"href": "https://api.example.com/user/vehicles/id-0001"}},
            },
        }
    )
    mock_psa.alerts = [
        Alert(id="alert-1", type="AdBlueFault", severity="Warning", active=True, started_at=T0)
    ]
    entry = create_entry()
    await setup_integration(hass, entry)

    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    # seen_until is the real time the trip history was created (this clock is not T0).
    assert diagnostics == snapshot(exclude=props("seen_until"))
    text = json.dumps(diagnostics)
    for secret in (
        TOKEN.access_token,
        TOKEN.refresh_token,
        TOKEN.id_token,
        PASSWORD,
        CLIENT_SECRET,
        USERNAME,
        ACCOUNT_ID,
        VIN_1,
        VIN_2,
        "48.85",
        "id-0001",
    ):
        assert secret not in text
