"""The coordinator in Home Assistant on a frozen clock: rounds, failures, logins, vehicles."""

from __future__ import annotations

from datetime import timedelta
from unittest.mock import ANY

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er, issue_registry as ir
from homeassistant.helpers.update_coordinator import UpdateFailed
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.psa_connected_car.api.exceptions import (
    PSAAuthError,
    PSAConnectionError,
    PSAInvalidClientError,
    PSANoDataError,
    PSARateLimitError,
)
from custom_components.psa_connected_car.api.models import Alert, VehicleStatus
from custom_components.psa_connected_car.const import (
    CONF_ACTIVE_INTERVAL,
    CONF_PARKED_INTERVAL,
    DOMAIN,
    TICK_INTERVAL,
)

from .common import (
    T0,
    VIN_1,
    VIN_2,
    VIN_3,
    MockPSA,
    create_entry,
    get_device,
    make_status,
    make_vehicle,
    setup_integration,
)


# The coordinator in Home Assistant, on a frozen clock.
@pytest.fixture
async def loaded(
    hass: HomeAssistant, mock_psa: MockPSA, freezer: FrozenDateTimeFactory
) -> MockConfigEntry:
    """The mocked account set up at T0 (two parked cars)."""
    freezer.move_to(T0)
    entry = create_entry()
    await setup_integration(hass, entry)
    assert entry.state is ConfigEntryState.LOADED
    return entry


async def advance(hass: HomeAssistant, freezer: FrozenDateTimeFactory, seconds: float) -> None:
    """Move the clock one tick at a time, letting the coordinator run at each tick."""
    while seconds > 0:
        step = min(seconds, TICK_INTERVAL)
        freezer.tick(timedelta(seconds=step))
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)
        seconds -= step


def vehicle_id(vin: str) -> str:
    return f"id-{vin[-4:]}"


async def test_first_refresh_fetches_everything(
    hass: HomeAssistant, mock_psa: MockPSA, loaded: MockConfigEntry
) -> None:
    coordinator = loaded.runtime_data
    assert mock_psa.client.get_vehicles.await_count == 1
    assert mock_psa.status_calls() == 2
    assert mock_psa.client.get_maintenance.await_count == 2
    assert mock_psa.client.get_alerts.await_count == 2
    data = coordinator.data[VIN_1]
    assert data.status == mock_psa.statuses[vehicle_id(VIN_1)]
    assert data.maintenance == mock_psa.maintenance
    assert data.alerts == []
    assert data.raw["vehicle"]["vin"] == VIN_1
    assert data.raw["status"] == {"createdAt": T0.isoformat(), "energies": [ANY]}
    assert data.raw["maintenance"] == {}


async def test_parked_cars_are_polled_every_ten_minutes(
    hass: HomeAssistant, mock_psa: MockPSA, loaded: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    await advance(hass, freezer, 540)
    assert mock_psa.status_calls() == 2  # nine ticks, nothing due
    await advance(hass, freezer, 60)
    assert mock_psa.status_calls() == 4
    assert mock_psa.client.get_vehicles.await_count == 1


async def test_charging_car_is_polled_every_minute(
    hass: HomeAssistant, mock_psa: MockPSA, freezer: FrozenDateTimeFactory
) -> None:
    freezer.move_to(T0)
    mock_psa.statuses[vehicle_id(VIN_1)] = make_status(charging="InProgress")
    await setup_integration(hass, create_entry())
    await advance(hass, freezer, 300)
    assert mock_psa.status_calls(vehicle_id(VIN_1)) == 6
    assert mock_psa.status_calls(vehicle_id(VIN_2)) == 1


async def test_one_failing_car_keeps_its_data(
    hass: HomeAssistant, mock_psa: MockPSA, loaded: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    coordinator = loaded.runtime_data
    before = coordinator.data[VIN_1].status
    mock_psa.statuses[vehicle_id(VIN_1)] = PSAConnectionError("502")
    mock_psa.statuses[vehicle_id(VIN_2)] = make_status(level=42, at=T0 + timedelta(minutes=5))
    await advance(hass, freezer, 600)
    assert coordinator.last_update_success
    assert coordinator.data[VIN_1].status == before
    assert coordinator.data[VIN_2].status is not None
    assert coordinator.data[VIN_2].status.electric is not None
    assert coordinator.data[VIN_2].status.electric.level == 42
    # The failing car is retried after a minute, not after the parked interval.
    mock_psa.statuses[vehicle_id(VIN_1)] = make_status(level=70, at=T0 + timedelta(minutes=9))
    await advance(hass, freezer, 60)
    assert coordinator.data[VIN_1].status.electric.level == 70  # type: ignore[union-attr]


async def test_every_car_failing_fails_the_update(
    hass: HomeAssistant, mock_psa: MockPSA, loaded: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    coordinator = loaded.runtime_data
    good = dict(mock_psa.statuses)
    mock_psa.statuses = {key: PSAConnectionError("502") for key in good}
    await advance(hass, freezer, 600)
    assert not coordinator.last_update_success
    assert isinstance(coordinator.last_exception, UpdateFailed)
    assert coordinator.last_exception.translation_key == "update_failed"
    # The next tick with nothing due still reports the failure (no flapping).
    await advance(hass, freezer, 30)
    assert not coordinator.last_update_success
    mock_psa.statuses = good
    await advance(hass, freezer, 120)
    assert coordinator.last_update_success


async def test_car_without_data(hass: HomeAssistant, mock_psa: MockPSA) -> None:
    mock_psa.statuses[vehicle_id(VIN_1)] = PSANoDataError(404, 40400, "No status")
    entry = create_entry()
    await setup_integration(hass, entry)
    assert entry.state is ConfigEntryState.LOADED
    coordinator = entry.runtime_data
    assert coordinator.data[VIN_1].status is None
    assert coordinator.data[VIN_1].raw["status"] is None
    assert coordinator.data[VIN_2].status is not None


async def test_no_data_later_keeps_the_last_status(
    hass: HomeAssistant, mock_psa: MockPSA, loaded: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    coordinator = loaded.runtime_data
    before = coordinator.data[VIN_1].status
    mock_psa.statuses[vehicle_id(VIN_1)] = PSANoDataError(404, 40400, "No status")
    await advance(hass, freezer, 600)
    assert coordinator.data[VIN_1].status == before


async def test_stale_status_never_moves_values_back(
    hass: HomeAssistant, mock_psa: MockPSA, loaded: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    coordinator = loaded.runtime_data
    mock_psa.statuses[vehicle_id(VIN_1)] = make_status(level=20, at=T0 - timedelta(hours=2))
    await advance(hass, freezer, 600)
    status = coordinator.data[VIN_1].status
    assert status is not None
    assert status.electric is not None
    assert status.electric.level == 80
    # The raw payload shows what actually came.
    assert coordinator.data[VIN_1].raw["status"]["energies"][0]["level"] == 20


async def test_rate_limit_stops_every_request_until_the_deadline(
    hass: HomeAssistant, mock_psa: MockPSA, loaded: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    coordinator = loaded.runtime_data
    good = dict(mock_psa.statuses)
    mock_psa.statuses = {key: PSARateLimitError("429", 1800) for key in good}
    await advance(hass, freezer, 600)
    assert not coordinator.last_update_success
    assert coordinator.last_exception.translation_key == "rate_limited"  # type: ignore[union-attr]
    calls = mock_psa.client.mock_calls.copy()
    mock_psa.statuses = good
    await advance(hass, freezer, 1740)
    assert mock_psa.client.mock_calls == calls  # not a single request, vehicle list included
    statuses = mock_psa.status_calls()
    await advance(hass, freezer, 120)
    assert coordinator.last_update_success
    assert mock_psa.status_calls() == statuses + 2


async def test_refused_token_with_password_logs_in_again(
    hass: HomeAssistant, mock_psa: MockPSA, loaded: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    coordinator = loaded.runtime_data
    fresh = make_status(level=55, at=T0 + timedelta(minutes=8))

    def status(vehicle: str) -> VehicleStatus:
        if not mock_psa.auth.login_password.await_count:
            raise PSAAuthError("invalid_grant")
        return fresh

    mock_psa.client.get_status.side_effect = status
    await advance(hass, freezer, 600)
    mock_psa.auth.login_password.assert_awaited_once()
    assert coordinator.last_update_success
    assert coordinator.data[VIN_1].status == fresh
    assert coordinator.data[VIN_2].status == fresh
    assert not hass.config_entries.flow.async_progress_by_handler(DOMAIN)


async def test_partial_round_survives_a_new_login(
    hass: HomeAssistant, mock_psa: MockPSA, loaded: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    """One car answered before the other hit the dead token: its data is not lost."""
    coordinator = loaded.runtime_data
    fresh = make_status(level=33, at=T0 + timedelta(minutes=8))

    def status(vehicle: str) -> VehicleStatus:
        if vehicle == vehicle_id(VIN_2) and not mock_psa.auth.login_password.await_count:
            raise PSAAuthError("invalid_grant")
        return fresh

    mock_psa.client.get_status.side_effect = status
    await advance(hass, freezer, 600)
    assert mock_psa.status_calls(vehicle_id(VIN_1)) == 2  # not fetched twice
    assert coordinator.data[VIN_1].status == fresh
    assert coordinator.data[VIN_2].status == fresh


async def test_refused_token_without_password_starts_reauth(
    hass: HomeAssistant, mock_psa: MockPSA, freezer: FrozenDateTimeFactory
) -> None:
    freezer.move_to(T0)
    entry = create_entry(auth_method="code", password=None)
    await setup_integration(hass, entry)
    mock_psa.statuses = {key: PSAAuthError("invalid_grant") for key in mock_psa.statuses}
    await advance(hass, freezer, 600)
    assert not entry.runtime_data.last_update_success
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]
    mock_psa.auth.login_password.assert_not_awaited()


async def test_refused_client_at_runtime_raises_an_issue(
    hass: HomeAssistant,
    mock_psa: MockPSA,
    loaded: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    issue_registry: ir.IssueRegistry,
) -> None:
    mock_psa.statuses = {key: PSAInvalidClientError("refused") for key in mock_psa.statuses}
    await advance(hass, freezer, 600)
    assert not loaded.runtime_data.last_update_success
    assert issue_registry.async_get_issue(DOMAIN, f"invalid_client_{loaded.entry_id}")
    mock_psa.auth.login_password.assert_not_awaited()  # a password cannot fix the app id


async def test_relogin_connection_trouble_is_transient(
    hass: HomeAssistant, mock_psa: MockPSA, loaded: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    mock_psa.statuses = {key: PSAAuthError("invalid_grant") for key in mock_psa.statuses}
    mock_psa.login_errors = [PSAConnectionError("timeout")]
    await advance(hass, freezer, 600)
    coordinator = loaded.runtime_data
    assert not coordinator.last_update_success
    assert coordinator.last_exception.translation_key == "cannot_connect"  # type: ignore[union-attr]
    assert not hass.config_entries.flow.async_progress_by_handler(DOMAIN)


async def test_vehicles_come_and_go(
    hass: HomeAssistant,
    mock_psa: MockPSA,
    loaded: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    entity_registry: er.EntityRegistry,
) -> None:
    coordinator = loaded.runtime_data
    picture = f"{VIN_3}_picture"
    new = make_vehicle(VIN_3, motorization="Thermic")
    mock_psa.vehicles.append(new)
    mock_psa.statuses[new.id] = make_status()
    await advance(hass, freezer, 3600)
    assert VIN_3 in coordinator.data
    assert get_device(hass, VIN_3) is not None
    assert entity_registry.async_get_entity_id("image", DOMAIN, picture)
    assert mock_psa.status_calls(new.id) == 1

    entity_id = entity_registry.async_get_entity_id("image", DOMAIN, picture)
    assert entity_id is not None

    # It leaves: its data goes, its device and entities stay (unavailable), with a repair.
    mock_psa.vehicles.remove(new)
    await advance(hass, freezer, 3600)
    assert VIN_3 not in coordinator.data
    assert get_device(hass, VIN_3) is not None
    assert entity_registry.async_get_entity_id("image", DOMAIN, picture) == entity_id
    assert (state := hass.states.get(entity_id)) is not None
    assert state.state == STATE_UNAVAILABLE
    issue_id = f"vehicle_gone_{loaded.entry_id}_{VIN_3}"
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is not None

    # It comes back: the same entities work again, the repair goes.
    mock_psa.vehicles.append(new)
    await advance(hass, freezer, 3600)
    assert (state := hass.states.get(entity_id)) is not None
    assert state.state != STATE_UNAVAILABLE
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None


async def test_vehicle_id_change_is_followed(
    hass: HomeAssistant, mock_psa: MockPSA, loaded: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    moved = make_vehicle(VIN_1, id="id-new")
    mock_psa.vehicles[0] = moved
    mock_psa.statuses["id-new"] = make_status(level=61, at=T0 + timedelta(minutes=30))
    await advance(hass, freezer, 3600)
    assert mock_psa.status_calls("id-new") >= 1
    assert loaded.runtime_data.data[VIN_1].vehicle.id == "id-new"


async def test_vehicle_list_failure_keeps_the_cars(
    hass: HomeAssistant, mock_psa: MockPSA, loaded: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    coordinator = loaded.runtime_data
    mock_psa.client.get_vehicles.side_effect = PSAConnectionError("500")
    await advance(hass, freezer, 3600)
    assert set(coordinator.data) == {VIN_1, VIN_2}
    assert coordinator.last_update_success
    calls = mock_psa.client.get_vehicles.await_count
    await advance(hass, freezer, 900)  # retried after 15 minutes, not an hour
    assert mock_psa.client.get_vehicles.await_count == calls + 1


async def test_vehicle_list_rate_limited(
    hass: HomeAssistant, mock_psa: MockPSA, loaded: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    mock_psa.client.get_vehicles.side_effect = PSARateLimitError("429", 600)
    await advance(hass, freezer, 3600)
    assert loaded.runtime_data.planner.blocked(loaded.runtime_data.now())


async def test_maintenance_and_alerts_failures_keep_the_last_values(
    hass: HomeAssistant, mock_psa: MockPSA, loaded: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    coordinator = loaded.runtime_data
    maintenance = coordinator.data[VIN_1].maintenance
    alerts = [Alert(id="1", type="AdBlueFault", severity="Warning", active=True)]
    mock_psa.alerts = alerts
    mock_psa.maintenance = PSAConnectionError("500")
    await advance(hass, freezer, 3600)
    assert coordinator.data[VIN_1].alerts == alerts
    mock_psa.alerts = PSARateLimitError("429", 120)
    await advance(hass, freezer, 5 * 3600 + 300)  # the 429 delays the second car a little
    assert coordinator.data[VIN_1].alerts == alerts
    assert coordinator.data[VIN_1].maintenance == maintenance
    assert coordinator.last_update_success
    # Two cars, at 0 and at 6 h (failed): a failure waits for the next period.
    assert mock_psa.client.get_maintenance.await_count == 4


async def test_options_reload_the_entry_with_the_new_intervals(
    hass: HomeAssistant, mock_psa: MockPSA, loaded: MockConfigEntry
) -> None:
    before = loaded.runtime_data
    result = await hass.config_entries.options.async_init(loaded.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "polling"}
    )
    await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_ACTIVE_INTERVAL: 30, CONF_PARKED_INTERVAL: 120}
    )
    await hass.async_block_till_done()
    assert loaded.state is ConfigEntryState.LOADED
    coordinator = loaded.runtime_data
    assert coordinator is not before  # reloaded by Home Assistant's options flow manager
    assert coordinator.update_interval == timedelta(seconds=30)
    assert (coordinator.planner.active_interval, coordinator.planner.parked_interval) == (30, 120)


async def test_relogin_refused_client_raises_an_issue(
    hass: HomeAssistant,
    mock_psa: MockPSA,
    loaded: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    issue_registry: ir.IssueRegistry,
) -> None:
    mock_psa.statuses = {key: PSAAuthError("invalid_grant") for key in mock_psa.statuses}
    mock_psa.login_errors = [PSAInvalidClientError("refused")]
    await advance(hass, freezer, 600)
    assert issue_registry.async_get_issue(DOMAIN, f"invalid_client_{loaded.entry_id}")
    assert not hass.config_entries.flow.async_progress_by_handler(DOMAIN)


async def test_vehicle_list_refused_token_logs_in_again(
    hass: HomeAssistant, mock_psa: MockPSA, loaded: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    mock_psa.client.get_vehicles.side_effect = [PSAAuthError("invalid_grant"), mock_psa.vehicles]
    await advance(hass, freezer, 3600)
    mock_psa.auth.login_password.assert_awaited_once()
    assert loaded.runtime_data.last_update_success


async def test_a_bug_is_not_taken_for_a_car_failure(
    hass: HomeAssistant, mock_psa: MockPSA, loaded: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    mock_psa.statuses[vehicle_id(VIN_1)] = ValueError("bug")
    await advance(hass, freezer, 600)
    coordinator = loaded.runtime_data
    assert not coordinator.last_update_success
    assert isinstance(coordinator.last_exception, ValueError)
