"""Service actions: what an entity cannot express (the preconditioning programs)."""

from __future__ import annotations

from dataclasses import replace
from datetime import time
from typing import TYPE_CHECKING, Final

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_DEVICE_ID
from homeassistant.core import HomeAssistant, ServiceCall, callback
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv, device_registry as dr

if TYPE_CHECKING:  # Home Assistant 2026.9+ types its schemas with probatio (aliased at runtime)
    import probatio as vol
else:  # the oldest supported versions only have voluptuous
    import voluptuous as vol

from .api.remote.models import PreconditioningProgram
from .const import DOMAIN
from .coordinator import PSAConfigEntry
from .remote import RemoteManager, current_programs

SERVICE_SET_PRECONDITIONING_PROGRAM: Final = "set_preconditioning_program"
ATTR_SLOT: Final = "slot"
ATTR_ENABLED: Final = "enabled"
ATTR_TIME: Final = "time"
ATTR_DAYS: Final = "days"
DAYS: Final = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # the API's order, Monday first
SLOTS: Final = (1, 2, 3, 4)

SET_PROGRAM_SCHEMA: Final = vol.Schema(
    {
        vol.Required(ATTR_DEVICE_ID): cv.string,
        vol.Required(ATTR_SLOT): vol.All(vol.Coerce(int), vol.In(SLOTS)),
        vol.Required(ATTR_ENABLED): cv.boolean,
        vol.Optional(ATTR_TIME): cv.time,
        vol.Optional(ATTR_DAYS): vol.All(cv.ensure_list, [vol.In(DAYS)]),
    }
)


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the integration's service actions (once, whatever the entries)."""
    hass.services.async_register(
        DOMAIN,
        SERVICE_SET_PRECONDITIONING_PROGRAM,
        _async_set_preconditioning_program,
        schema=SET_PROGRAM_SCHEMA,
    )


def updated_programs(
    programs: tuple[PreconditioningProgram, ...],
    slot: int,
    *,
    enabled: bool,
    at: time | None,
    days: list[str] | None,
) -> tuple[PreconditioningProgram, ...]:
    """The car's slots with ``slot`` changed (what was not given stays), the others as they are.

    Slots the car did not list stay out: the command sends them as the unset placeholder the
    car itself reports for them (remote-commands.md §7). A new slot starts at midnight.
    """
    by_slot = {program.slot: program for program in programs}
    program = by_slot.get(slot) or PreconditioningProgram(
        slot=slot, enabled=False, hour=0, minute=0
    )
    program = replace(program, enabled=enabled)
    if at is not None:
        program = replace(program, hour=at.hour, minute=at.minute)
    if days is not None:
        program = replace(program, days=tuple(day in days for day in DAYS))
    by_slot[slot] = program
    return tuple(by_slot[number] for number in SLOTS if number in by_slot)


async def _async_set_preconditioning_program(call: ServiceCall) -> None:
    """Change one slot; the car gets all four back, the untouched ones as they were."""
    entry, vin = _vehicle(call.hass, call.data[ATTR_DEVICE_ID])
    remote = _remote(entry)
    data = (entry.runtime_data.data or {}).get(vin)
    programs = current_programs(data)
    if programs is None:
        raise ServiceValidationError(translation_domain=DOMAIN, translation_key="programs_unknown")
    block = data.status.preconditioning if data is not None and data.status else None
    running = block is not None and block.status == "Enabled"
    new = updated_programs(
        programs,
        call.data[ATTR_SLOT],
        enabled=call.data[ATTR_ENABLED],
        at=call.data.get(ATTR_TIME),
        days=call.data.get(ATTR_DAYS),
    )
    # `on` keeps what runs now: the programs change, a running preconditioning goes on.
    await remote.async_command(vin, "precondition", on=running, programs=new)


def _vehicle(hass: HomeAssistant, device_id: str) -> tuple[PSAConfigEntry, str]:
    """The loaded entry that holds the car of this device, and its VIN."""
    device = dr.async_get(hass).async_get(device_id)
    vins = [key for domain, key in device.identifiers if domain == DOMAIN] if device else []
    if not vins:
        raise ServiceValidationError(translation_domain=DOMAIN, translation_key="not_a_vehicle")
    # Found by VIN among our entries: how a device names its entry differs across versions.
    entries: list[PSAConfigEntry] = hass.config_entries.async_entries(DOMAIN)
    for entry in entries:
        if entry.state is ConfigEntryState.LOADED and vins[0] in (entry.runtime_data.data or {}):
            return entry, vins[0]
    raise ServiceValidationError(translation_domain=DOMAIN, translation_key="entry_not_loaded")


def _remote(entry: PSAConfigEntry) -> RemoteManager:
    remote = entry.runtime_data.remote
    if remote is None:
        raise ServiceValidationError(translation_domain=DOMAIN, translation_key="not_paired")
    return remote
