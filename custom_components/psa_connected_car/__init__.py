"""The PSA Connected Car integration: Peugeot, Citroën, DS, Opel and Vauxhall cars."""

from __future__ import annotations

from homeassistant.const import (
    CONF_CLIENT_ID,
    CONF_CLIENT_SECRET,
    CONF_COUNTRY,
    CONF_TOKEN,
    Platform,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers import (
    config_validation as cv,
    device_registry as dr,
    issue_registry as ir,
)
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.typing import ConfigType

from .alert_issues import ISSUE_VEHICLE_ALERT
from .api.auth import PSAAuth
from .api.brands import BRANDS
from .api.client import PSAClient
from .api.models import TokenSet
from .charge_history import STORE_NAME as CHARGE_STORE
from .compat import OPTIONS_NEED_LISTENER
from .const import CONF_BRAND, DOMAIN, ENV_SIMULATOR_URL, LOGGER, get_endpoints
from .coordinator import PSAConfigEntry, PSADataUpdateCoordinator
from .devices import device_vins, gone_issue_id
from .history_store import async_remove_store
from .issues import async_delete_issues
from .remote import async_setup_remote
from .remote_store import RemoteStore
from .services import async_setup_services
from .trip_history import STORE_NAME as TRIP_STORE

PLATFORMS: list[Platform] = [
    Platform.BINARY_SENSOR,
    Platform.BUTTON,
    Platform.DEVICE_TRACKER,
    Platform.EVENT,
    Platform.IMAGE,
    Platform.LOCK,
    Platform.SENSOR,
    Platform.SWITCH,
    Platform.TIME,
]

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the service actions: they exist even while no entry is loaded."""
    async_setup_services(hass)
    return True


def _create_auth(hass: HomeAssistant, entry: PSAConfigEntry, *, save: bool = True) -> PSAAuth:
    """The account's login; with ``save``, every rotated token goes into the entry at once."""

    async def _save_token(token: TokenSet) -> None:
        hass.config_entries.async_update_entry(
            entry, data={**entry.data, CONF_TOKEN: token.as_dict()}
        )

    data = entry.data
    return PSAAuth(
        async_get_clientsession(hass),
        BRANDS[data[CONF_BRAND]],
        data[CONF_COUNTRY],
        data[CONF_CLIENT_ID],
        data[CONF_CLIENT_SECRET],
        token=TokenSet.from_dict(data[CONF_TOKEN]),
        on_token_update=_save_token if save else None,
        idp_base_url=get_endpoints().idp_base_url,
    )


async def async_setup_entry(hass: HomeAssistant, entry: PSAConfigEntry) -> bool:
    """Log in with the stored tokens, read the vehicles, then set up the platforms."""
    endpoints = get_endpoints()
    if endpoints.simulator:
        LOGGER.warning(
            "%s is set: requests go to the simulator at %s, not to the real servers",
            ENV_SIMULATOR_URL,
            endpoints.idp_base_url,
        )
    auth = _create_auth(hass, entry)
    client = PSAClient(async_get_clientsession(hass), auth, api_base_url=endpoints.api_base_url)
    coordinator = PSADataUpdateCoordinator(hass, entry, auth, client)
    await coordinator.async_config_entry_first_refresh()
    entry.runtime_data = coordinator
    # Remote commands, when the entry is paired (options): before the platforms, which
    # add the remote entities only with a manager.
    coordinator.remote = await async_setup_remote(hass, entry, coordinator)
    if coordinator.remote is not None:
        entry.async_on_unload(coordinator.remote.async_stop)
    if OPTIONS_NEED_LISTENER:  # Home Assistant < 2025.8 only: newer ones reload after options
        entry.async_on_unload(entry.add_update_listener(_async_options_updated))
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    coordinator.events.start()  # the event entities now listen: fire what the first round saw
    return True


async def _async_options_updated(hass: HomeAssistant, entry: PSAConfigEntry) -> None:
    """Home Assistant < 2025.8: every entry change (token rotation too) re-reads the intervals."""
    entry.runtime_data.apply_options()


async def async_unload_entry(hass: HomeAssistant, entry: PSAConfigEntry) -> bool:
    """Unload the platforms; the coordinator stops with them, its alert issues go.

    A departed car's issue stays: its device stays too, and the fix works unloaded. The
    next setup compares the devices with the vehicle list again (devices.py).
    """
    unloaded = await hass.config_entries.async_unload_platforms(entry, PLATFORMS)
    if unloaded:
        # Nothing would clear them until the entry is loaded again (which raises them anew).
        async_delete_issues(hass, entry.entry_id, ISSUE_VEHICLE_ALERT)
    return unloaded


async def async_remove_entry(hass: HomeAssistant, entry: PSAConfigEntry) -> None:
    """The integration is removed: its stores and repair issues go, its token is revoked.

    The pairing holds the brand app's PIN; the revocation is best effort and never raises.
    """
    await RemoteStore(hass, entry.entry_id).async_remove()
    for name in (CHARGE_STORE, TRIP_STORE):
        await async_remove_store(hass, entry.entry_id, name)
    # No issue outlives its entry: refused app credentials, a lost pairing, a departed car.
    async_delete_issues(hass, entry.entry_id)
    if not entry.data.get(CONF_TOKEN):
        return
    await _create_auth(hass, entry, save=False).revoke()


async def async_remove_config_entry_device(
    hass: HomeAssistant, entry: PSAConfigEntry, device: dr.DeviceEntry
) -> bool:
    """Allow deleting a vehicle's device by hand only once it left the account.

    Its repair issue (the other way to remove it) goes with it.
    """
    vins = device_vins(device)
    data = getattr(entry, "runtime_data", None)
    current = data.data if data is not None and data.data else {}
    if vins & current.keys():
        return False
    for vin in vins:
        ir.async_delete_issue(hass, DOMAIN, gone_issue_id(entry.entry_id, vin))
    return True
