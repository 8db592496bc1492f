"""The flows end to end against the simulator: real client, real HTTP on 127.0.0.1, no mocks.

Two worlds: the password grant still works, and the code-only world of today's servers.
"""

from __future__ import annotations

from homeassistant.config_entries import (
    SOURCE_REAUTH,
    SOURCE_RECONFIGURE,
    ConfigEntryState,
)
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import device_registry as dr, issue_registry as ir
import pytest

from custom_components.psa_connected_car.const import DOMAIN
from psa_simulator import SimulatorConfig
from psa_simulator.testing import SimulatorHandle
from tests.conftest import SimulatorFactory

from .common import get_device
from .simulated import add_with_password, browser_login, credentials, entry_of, start_flow


@pytest.fixture(autouse=True)
def _no_real_servers(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test sets PSA_SIMULATOR_URL itself; never the real hosts."""
    monkeypatch.delenv("PSA_SIMULATOR_URL", raising=False)


async def test_password_world(
    hass: HomeAssistant, simulator: SimulatorHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PSA_SIMULATOR_URL", simulator.url)
    entry = await add_with_password(hass, simulator)
    assert entry.state is ConfigEntryState.LOADED
    assert entry.unique_id == simulator.state.account.account_id
    assert entry.title == f"Peugeot ({simulator.state.account.username})"
    for vehicle in simulator.state.vehicles:
        device = get_device(hass, vehicle.vin)
        assert device is not None
        assert device.serial_number == vehicle.vin


async def test_rotated_tokens_are_saved(
    hass: HomeAssistant, simulator: SimulatorHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PSA_SIMULATOR_URL", simulator.url)
    entry = await add_with_password(hass, simulator)
    before = dict(entry.data["token"])
    simulator.state.expire_all_access_tokens()
    coordinator = entry.runtime_data
    coordinator.planner.next_vehicles = 0
    await coordinator.async_refresh()
    assert coordinator.last_update_success
    after = entry.data["token"]
    assert after["refresh_token"] != before["refresh_token"]
    assert after["refresh_token"] in simulator.state.refresh_tokens  # the live one is stored


async def test_dead_refresh_token_with_password_is_replaced_silently(
    hass: HomeAssistant, simulator: SimulatorHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PSA_SIMULATOR_URL", simulator.url)
    entry = await add_with_password(hass, simulator)
    simulator.state.revoke_all_refresh_tokens()
    simulator.state.expire_all_access_tokens()
    coordinator = entry.runtime_data
    coordinator.planner.next_vehicles = 0
    await coordinator.async_refresh()
    assert coordinator.last_update_success
    assert entry.data["token"]["refresh_token"] in simulator.state.refresh_tokens
    assert not hass.config_entries.flow.async_progress_by_handler(DOMAIN)


async def test_code_world(
    hass: HomeAssistant, simulator_factory: SimulatorFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The password grant is refused: the flow moves to the browser login by itself."""
    handle = await simulator_factory(SimulatorConfig(password_grant=False))
    monkeypatch.setenv("PSA_SIMULATOR_URL", handle.url)
    result = await start_flow(hass, handle)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], credentials(handle))
    assert result["step_id"] == "authorization_code_password_refused"  # saying why
    placeholders = result["description_placeholders"]
    assert placeholders["redirect_uri"] == handle.state.account.redirect_uri

    # A code from the web portal instead of the app redirect is explained, then the real one.
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"code": "https://www.peugeot.fr/login?code=abc"}
    )
    assert result["errors"] == {"base": "code_wrong_redirect"}
    pasted = await browser_login(handle, placeholders["authorize_url"])
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"code": pasted})
    entry = entry_of(result)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert entry.data["auth_method"] == "code"
    assert "password" not in entry.data

    # The refresh token dies: no password to fall back on, so the user is asked.
    handle.state.revoke_all_refresh_tokens()
    handle.state.expire_all_access_tokens()
    coordinator = entry.runtime_data
    coordinator.planner.next_vehicles = 0
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]

    # Reauth with a new browser login; devices and entities stay.
    entities_before = set(hass.states.async_entity_ids())
    flow_id = flows[0]["flow_id"]
    result = await hass.config_entries.flow.async_configure(flow_id, {})
    assert result["step_id"] == "authorization_code"
    pasted = await browser_login(handle, result["description_placeholders"]["authorize_url"])
    result = await hass.config_entries.flow.async_configure(flow_id, {"code": pasted})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert entry.data["token"]["refresh_token"] in handle.state.refresh_tokens
    assert set(hass.states.async_entity_ids()) >= entities_before


async def test_empty_password_in_the_password_world(
    hass: HomeAssistant, simulator: SimulatorHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PSA_SIMULATOR_URL", simulator.url)
    result = await start_flow(hass, simulator)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], credentials(simulator, password="")
    )
    assert result["step_id"] == "authorization_code"
    pasted = await browser_login(simulator, result["description_placeholders"]["authorize_url"])
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"code": pasted})
    assert entry_of(result).data["auth_method"] == "code"


async def test_wrong_password_then_right_one(
    hass: HomeAssistant, simulator: SimulatorHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PSA_SIMULATOR_URL", simulator.url)
    result = await start_flow(hass, simulator)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], credentials(simulator, password="wrong")
    )
    assert result["errors"] == {"base": "invalid_auth"}
    bad_client = {**credentials(simulator), "client_secret": "not-the-secret"}
    result = await hass.config_entries.flow.async_configure(result["flow_id"], bad_client)
    assert result["errors"] == {"base": "invalid_client"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], credentials(simulator)
    )
    entry_of(result)


async def test_same_account_twice(
    hass: HomeAssistant, simulator: SimulatorHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PSA_SIMULATOR_URL", simulator.url)
    await add_with_password(hass, simulator)
    live = len(simulator.state.refresh_tokens)
    result = await start_flow(hass, simulator)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], credentials(simulator)
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert len(simulator.state.refresh_tokens) == live  # the extra login was revoked


async def test_vehicles_come_and_go(
    hass: HomeAssistant,
    simulator: SimulatorHandle,
    monkeypatch: pytest.MonkeyPatch,
    device_registry: dr.DeviceRegistry,
) -> None:
    monkeypatch.setenv("PSA_SIMULATOR_URL", simulator.url)
    entry = await add_with_password(hass, simulator)
    coordinator = entry.runtime_data
    leaving = simulator.state.vehicles[-1]
    simulator.state.remove_vehicle(leaving.vin)
    coordinator.planner.next_vehicles = 0
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert leaving.vin not in coordinator.data
    assert get_device(hass, leaving.vin) is not None  # kept, with a repair (test_repairs.py)
    issue_id = f"vehicle_gone_{entry.entry_id}_{leaving.vin}"
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is not None

    simulator.state.add_vehicle(leaving)
    coordinator.planner.next_vehicles = 0
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    device = get_device(hass, leaving.vin)
    assert device is not None
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None
    assert [
        state.entity_id
        for state in hass.states.async_all()
        if state.attributes.get("friendly_name", "").startswith(device.name or "?")
        and state.state != STATE_UNAVAILABLE
    ]


async def test_reconfigure(
    hass: HomeAssistant, simulator: SimulatorHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PSA_SIMULATOR_URL", simulator.url)
    entry = await add_with_password(hass, simulator)
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_RECONFIGURE, "entry_id": entry.entry_id}
    )
    account = simulator.state.account
    values = {
        "country": account.country,
        "client_id": account.client_id,
        "client_secret": "changed-by-mistake",
        "password": account.password,
    }
    result = await hass.config_entries.flow.async_configure(result["flow_id"], values)
    assert result["errors"] == {"base": "invalid_client"}
    values["client_secret"] = account.client_secret
    result = await hass.config_entries.flow.async_configure(result["flow_id"], values)
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED


async def test_removal_revokes_the_refresh_token(
    hass: HomeAssistant, simulator: SimulatorHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PSA_SIMULATOR_URL", simulator.url)
    entry = await add_with_password(hass, simulator)
    refresh_token = entry.data["token"]["refresh_token"]
    assert refresh_token in simulator.state.refresh_tokens
    await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()
    assert refresh_token not in simulator.state.refresh_tokens
