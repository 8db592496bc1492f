"""The picture of each vehicle, as the brand's configurator renders it."""

from __future__ import annotations

from dataclasses import dataclass

from homeassistant.components.image import ImageEntity, ImageEntityDescription
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.util import dt as dt_util

from .api.models import VehicleData
from .coordinator import PSAConfigEntry, PSADataUpdateCoordinator
from .entity import PSAEntity, PSAEntityDescription, async_add_vehicle_entities

PARALLEL_UPDATES = 0  # reads the coordinator's data, never the API


@dataclass(frozen=True, kw_only=True)
class PSAImageEntityDescription(PSAEntityDescription, ImageEntityDescription):
    """The picture's description.

    Our own subclass: a plain ImageEntityDescription(...) is not an EntityDescription instance
    on every Home Assistant version (frozen-dataclass compatibility shim).
    """


PICTURE = PSAImageEntityDescription(
    key="picture",
    translation_key="picture",
    exists_fn=lambda data: bool(data.vehicle.pictures),  # a vehicle that has a picture
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: PSAConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """One picture entity per vehicle that has a picture."""
    async_add_vehicle_entities(entry, async_add_entities, (PICTURE,), PSAPictureEntity)


class PSAPictureEntity(PSAEntity, ImageEntity):
    """The first picture the API lists for the vehicle; fetched by Home Assistant on demand."""

    _attr_image_url: str | None = None

    def __init__(
        self,
        coordinator: PSADataUpdateCoordinator,
        vin: str,
        description: PSAImageEntityDescription,
    ) -> None:
        """Both bases: the vehicle's entity, and an image fetched with Home Assistant's client."""
        PSAEntity.__init__(self, coordinator, vin, description)
        ImageEntity.__init__(self, coordinator.hass)

    def _picture_url(self) -> str | None:
        """The vehicle's first picture, None once it left the account."""
        data = self.vehicle_data
        return data.vehicle.pictures[0] if data is not None and data.vehicle.pictures else None

    def _update_state(self, data: VehicleData | None) -> None:
        """A new picture address is a new image (the cached one is dropped)."""
        url = self._picture_url()
        if url is not None and url != self._attr_image_url:
            self._attr_image_url = url
            self._attr_image_last_updated = dt_util.utcnow()
            self._cached_image = None
