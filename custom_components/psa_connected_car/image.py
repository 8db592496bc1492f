"""The picture of each vehicle, as the brand's configurator renders it."""

from __future__ import annotations

from dataclasses import dataclass

from homeassistant.components.image import ImageEntity, ImageEntityDescription
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.util import dt as dt_util

from .coordinator import PSAConfigEntry, PSADataUpdateCoordinator
from .entity import PSAEntity, async_add_vehicle_entities

PARALLEL_UPDATES = 0  # reads the coordinator's data, never the API


@dataclass(frozen=True, kw_only=True)
class PSAImageEntityDescription(ImageEntityDescription):
    """Our own subclass: a plain ImageEntityDescription(...) is not an EntityDescription instance
    on every Home Assistant version (frozen-dataclass compatibility shim)."""


PICTURE = PSAImageEntityDescription(key="picture", translation_key="picture")


async def async_setup_entry(
    hass: HomeAssistant,
    entry: PSAConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """One picture entity per vehicle that has a picture."""
    coordinator = entry.runtime_data

    def build(vin: str) -> list[PSAPictureEntity]:
        if not coordinator.data[vin].vehicle.pictures:
            return []
        return [PSAPictureEntity(hass, coordinator, vin)]

    async_add_vehicle_entities(coordinator, entry, async_add_entities, build)


class PSAPictureEntity(PSAEntity, ImageEntity):
    """The first picture the API lists for the vehicle; fetched by Home Assistant on demand."""

    def __init__(
        self, hass: HomeAssistant, coordinator: PSADataUpdateCoordinator, vin: str
    ) -> None:
        PSAEntity.__init__(self, coordinator, vin, PICTURE)
        ImageEntity.__init__(self, hass)
        self._attr_image_url = self._picture_url()
        self._attr_image_last_updated = dt_util.utcnow()

    def _picture_url(self) -> str | None:
        data = self.vehicle_data
        if data is None or not data.vehicle.pictures:
            return None
        return data.vehicle.pictures[0]

    @callback
    def _handle_coordinator_update(self) -> None:
        url = self._picture_url()
        if url is not None and url != self._attr_image_url:
            self._attr_image_url = url
            self._attr_image_last_updated = dt_util.utcnow()
            self._cached_image = None
        super()._handle_coordinator_update()
