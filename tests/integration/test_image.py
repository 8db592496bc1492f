"""The picture entity: one per vehicle with a picture, following the picture URL."""

from __future__ import annotations

from datetime import timedelta
from http import HTTPStatus
from unittest.mock import AsyncMock, patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import httpx
import pytest
from pytest_homeassistant_custom_component.common import async_fire_time_changed
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.psa_connected_car import image
from custom_components.psa_connected_car.const import DOMAIN

from .common import T0, VIN_1, VIN_2, MockPSA, create_entry, make_vehicle, setup_integration

ENTITY_ID = "image.peugeot_electric_picture"


@pytest.fixture(autouse=True)
def only_images() -> object:
    with patch("custom_components.psa_connected_car.PLATFORMS", [Platform.IMAGE]):
        yield


def url(hass: HomeAssistant) -> str:
    """The image URL with the entity's own access token (as the frontend uses it)."""
    state = hass.states.get(ENTITY_ID)
    assert state is not None
    return f"/api/image_proxy/{ENTITY_ID}?token={state.attributes['access_token']}"


def png(marker: bytes) -> httpx.Response:
    return httpx.Response(200, content=b"\x89PNG" + marker, headers={"content-type": "image/png"})


async def test_picture_entity(
    hass: HomeAssistant,
    mock_psa: MockPSA,
    freezer: FrozenDateTimeFactory,
    entity_registry: er.EntityRegistry,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    freezer.move_to(T0)
    mock_psa.vehicles[1] = make_vehicle(VIN_2, motorization="Hybrid", pictures=())
    entry = create_entry()
    await setup_integration(hass, entry)
    assert image.PARALLEL_UPDATES == 0

    entities = er.async_entries_for_config_entry(entity_registry, entry.entry_id)
    assert [(e.entity_id, e.unique_id, e.translation_key) for e in entities] == [
        (ENTITY_ID, f"{VIN_1}_picture", "picture")
    ]
    state = hass.states.get(ENTITY_ID)
    assert state is not None
    assert state.state == T0.isoformat()
    assert state.attributes["friendly_name"] == "Peugeot Electric Picture"

    fetch = AsyncMock(return_value=png(b"one"))
    with patch.object(image.PSAPictureEntity, "_fetch_url", fetch):
        client = await hass_client_no_auth()
        response = await client.get(url(hass))
        assert response.status == HTTPStatus.OK
        assert await response.read() == b"\x89PNGone"
        fetch.assert_awaited_once_with("https://pictures.example.com/0001/001.png")

        # A new picture URL (from the hourly vehicle list) is a new image.
        mock_psa.vehicles[0] = make_vehicle(
            VIN_1, pictures=("https://pictures.example.com/0001/new.png",)
        )
        fetch.return_value = png(b"two")
        for _ in range(60):
            freezer.tick(timedelta(minutes=1))
            async_fire_time_changed(hass)
            await hass.async_block_till_done(wait_background_tasks=True)
        state = hass.states.get(ENTITY_ID)
        assert state is not None
        assert state.state != T0.isoformat()
        response = await client.get(url(hass))
        assert await response.read() == b"\x89PNGtwo"
        assert fetch.await_args is not None
        assert fetch.await_args.args == ("https://pictures.example.com/0001/new.png",)


async def test_picture_of_a_departed_car(
    hass: HomeAssistant, mock_psa: MockPSA, freezer: FrozenDateTimeFactory
) -> None:
    """Until its device is removed, the entity of a car no longer listed has no picture."""
    freezer.move_to(T0)
    entry = create_entry()
    await setup_integration(hass, entry)
    coordinator = entry.runtime_data
    entity = image.PSAPictureEntity(coordinator, VIN_1, image.PICTURE)
    assert entity.image_url == "https://pictures.example.com/0001/001.png"
    coordinator.data.pop(VIN_1)
    assert entity._picture_url() is None
    late = image.PSAPictureEntity(coordinator, VIN_1, image.PICTURE)
    assert late.image_url is None
    assert late.device_info == {"identifiers": {(DOMAIN, VIN_1)}}
