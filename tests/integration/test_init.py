"""Setup, unload, reload, first-refresh failures, token persistence, devices, removal; how a
loaded entry takes reauth, reconfigure and options without Home Assistant reporting a break."""

from __future__ import annotations

import logging

from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import device_registry as dr, issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.psa_connected_car import async_remove_config_entry_device
from custom_components.psa_connected_car.api.brands import API_BASE_URL
from custom_components.psa_connected_car.api.exceptions import (
    PSAApiError,
    PSAAuthError,
    PSAConnectionError,
    PSAInvalidClientError,
    PSANoDataError,
    PSARateLimitError,
)
from custom_components.psa_connected_car.const import DOMAIN
from tests.conftest import UsageReports

from .common import (
    NEW_TOKEN,
    PASSWORD,
    TOKEN,
    VIN_1,
    VIN_2,
    VIN_3,
    MockPSA,
    create_entry,
    get_device,
    make_vehicle,
    setup_integration,
)


async def test_setup_and_unload(
    hass: HomeAssistant,
    mock_psa: MockPSA,
    mock_config_entry: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
) -> None:
    await setup_integration(hass, mock_config_entry)
    assert mock_config_entry.state is ConfigEntryState.LOADED
    coordinator = mock_config_entry.runtime_data
    assert set(coordinator.data) == {VIN_1, VIN_2}
    # The stored token and the production endpoints.
    kwargs = mock_psa.auth_cls.call_args.kwargs
    assert kwargs["token"] == TOKEN
    assert kwargs["idp_base_url"] is None
    assert mock_psa.client_cls.call_args.kwargs["api_base_url"] == API_BASE_URL

    devices = dr.async_entries_for_config_entry(device_registry, mock_config_entry.entry_id)
    assert {device.serial_number for device in devices} == {VIN_1, VIN_2}
    device = get_device(hass, VIN_1)
    assert device is not None
    assert device.manufacturer == "Peugeot"
    assert device.model == "Electric"
    assert device.name == "Peugeot Electric"

    assert await hass.config_entries.async_unload(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert mock_config_entry.state is ConfigEntryState.NOT_LOADED


async def test_reload(
    hass: HomeAssistant, mock_psa: MockPSA, mock_config_entry: MockConfigEntry
) -> None:
    await setup_integration(hass, mock_config_entry)
    assert await hass.config_entries.async_reload(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert mock_config_entry.state is ConfigEntryState.LOADED
    assert mock_psa.client.get_vehicles.await_count == 2


@pytest.mark.parametrize(
    ("error", "state"),
    [
        (PSAConnectionError("timeout"), ConfigEntryState.SETUP_RETRY),
        (PSARateLimitError("429", 30), ConfigEntryState.SETUP_RETRY),
        (PSAApiError(500, 50000, "Internal Error"), ConfigEntryState.SETUP_RETRY),
        (PSAInvalidClientError("refused"), ConfigEntryState.SETUP_ERROR),
    ],
)
async def test_vehicle_list_failure_at_setup(
    hass: HomeAssistant,
    mock_psa: MockPSA,
    mock_config_entry: MockConfigEntry,
    error: Exception,
    state: ConfigEntryState,
) -> None:
    mock_psa.client.get_vehicles.side_effect = error
    await setup_integration(hass, mock_config_entry)
    assert mock_config_entry.state is state


async def test_every_status_failing_at_setup_retries(
    hass: HomeAssistant, mock_psa: MockPSA, mock_config_entry: MockConfigEntry
) -> None:
    mock_psa.statuses = {vehicle.id: PSAConnectionError("502") for vehicle in mock_psa.vehicles}
    await setup_integration(hass, mock_config_entry)
    assert mock_config_entry.state is ConfigEntryState.SETUP_RETRY


async def test_refused_login_at_setup_starts_reauth(hass: HomeAssistant, mock_psa: MockPSA) -> None:
    entry = create_entry(auth_method="code", password=None)
    mock_psa.client.get_vehicles.side_effect = PSAAuthError("invalid_grant")
    await setup_integration(hass, entry)
    assert entry.state is ConfigEntryState.SETUP_ERROR
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]
    mock_psa.auth.login_password.assert_not_awaited()  # no password to log in with


async def test_dead_refresh_token_replaced_with_the_stored_password(
    hass: HomeAssistant, mock_psa: MockPSA, mock_config_entry: MockConfigEntry
) -> None:
    mock_psa.client.get_vehicles.side_effect = [PSAAuthError("invalid_grant"), mock_psa.vehicles]
    await setup_integration(hass, mock_config_entry)
    assert mock_config_entry.state is ConfigEntryState.LOADED
    mock_psa.auth.login_password.assert_awaited_once_with(
        mock_config_entry.data["username"], mock_config_entry.data["password"]
    )
    assert not hass.config_entries.flow.async_progress_by_handler(DOMAIN)


async def test_stored_password_refused_starts_reauth(
    hass: HomeAssistant, mock_psa: MockPSA, mock_config_entry: MockConfigEntry
) -> None:
    mock_psa.client.get_vehicles.side_effect = PSAAuthError("invalid_grant")
    mock_psa.login_errors = [PSAAuthError("password changed")]
    await setup_integration(hass, mock_config_entry)
    assert mock_config_entry.state is ConfigEntryState.SETUP_ERROR
    assert hass.config_entries.flow.async_progress_by_handler(DOMAIN)


async def test_refused_client_raises_a_repair_issue(
    hass: HomeAssistant,
    mock_psa: MockPSA,
    mock_config_entry: MockConfigEntry,
    issue_registry: ir.IssueRegistry,
) -> None:
    mock_psa.client.get_vehicles.side_effect = PSAInvalidClientError("refused")
    await setup_integration(hass, mock_config_entry)
    assert mock_config_entry.state is ConfigEntryState.SETUP_ERROR
    issue = issue_registry.async_get_issue(DOMAIN, f"invalid_client_{mock_config_entry.entry_id}")
    assert issue is not None
    assert issue.translation_key == "invalid_client"
    assert issue.translation_placeholders == {"title": mock_config_entry.title}
    # Once the app credentials work again (after reconfigure), the issue goes away.
    mock_psa.client.get_vehicles.side_effect = None
    mock_psa.client.get_vehicles.return_value = mock_psa.vehicles
    assert await hass.config_entries.async_reload(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert mock_config_entry.state is ConfigEntryState.LOADED
    assert not issue_registry.async_get_issue(
        DOMAIN, f"invalid_client_{mock_config_entry.entry_id}"
    )


async def test_rotated_token_is_saved_at_once(
    hass: HomeAssistant, mock_psa: MockPSA, mock_config_entry: MockConfigEntry
) -> None:
    await setup_integration(hass, mock_config_entry)
    await mock_psa.rotate_token(NEW_TOKEN)
    assert mock_config_entry.data["token"] == NEW_TOKEN.as_dict()
    assert mock_config_entry.data["password"] == "correct horse"  # the rest is kept
    await hass.async_block_till_done()
    assert mock_config_entry.state is ConfigEntryState.LOADED
    assert mock_psa.client.get_vehicles.await_count == 1  # no reload for a token


async def test_simulator_url(
    hass: HomeAssistant,
    mock_psa: MockPSA,
    mock_config_entry: MockConfigEntry,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setenv("PSA_SIMULATOR_URL", "http://127.0.0.1:8080/")
    with caplog.at_level(logging.WARNING):
        await setup_integration(hass, mock_config_entry)
    assert mock_psa.auth_cls.call_args.kwargs["idp_base_url"] == "http://127.0.0.1:8080"
    assert (
        mock_psa.client_cls.call_args.kwargs["api_base_url"]
        == "http://127.0.0.1:8080/connectedcar/v4"
    )
    assert "requests go to the simulator at http://127.0.0.1:8080" in caplog.text


async def test_removing_the_entry_revokes_the_token(
    hass: HomeAssistant, mock_psa: MockPSA, mock_config_entry: MockConfigEntry
) -> None:
    await setup_integration(hass, mock_config_entry)
    await hass.config_entries.async_remove(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    mock_psa.auth.revoke.assert_awaited_once()
    # The revoking login is built from the stored token, and saves nothing.
    kwargs = mock_psa.auth_cls.call_args.kwargs
    assert kwargs["token"] == TOKEN
    assert kwargs["on_token_update"] is None


async def test_removing_an_entry_without_token(hass: HomeAssistant, mock_psa: MockPSA) -> None:
    entry = create_entry(token=None)
    entry.add_to_hass(hass)
    await hass.config_entries.async_remove(entry.entry_id)
    mock_psa.auth.revoke.assert_not_awaited()


async def test_stale_devices(
    hass: HomeAssistant,
    mock_psa: MockPSA,
    mock_config_entry: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
) -> None:
    mock_config_entry.add_to_hass(hass)
    # A car that left the account while Home Assistant was off.
    gone = device_registry.async_get_or_create(
        config_entry_id=mock_config_entry.entry_id, identifiers={(DOMAIN, VIN_3)}
    )
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    # It stays, with its repair (tests/integration/test_repairs.py), until the user removes it.
    assert device_registry.async_get(gone.id) is not None
    issue_id = f"vehicle_gone_{mock_config_entry.entry_id}_{VIN_3}"
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is not None

    current = get_device(hass, VIN_1)
    assert current is not None
    assert not await async_remove_config_entry_device(hass, mock_config_entry, current)
    # Deleting the departed car's device by hand is allowed, and its repair goes.
    assert await async_remove_config_entry_device(hass, mock_config_entry, gone)
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None


async def test_device_names(
    hass: HomeAssistant,
    mock_psa: MockPSA,
    mock_config_entry: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
) -> None:
    mock_psa.vehicles = [
        make_vehicle(VIN_1, label="e-208"),
        make_vehicle(VIN_2, brand=None, motorization=None),
        make_vehicle(VIN_3, motorization="Electric"),
        make_vehicle("VR3TESTCAR0000004", motorization="Electric", pictures=()),
        make_vehicle("VXKUKZKXZM0000005", brand="Opel", motorization="Electric"),  # no label
    ]
    mock_psa.statuses = {
        vehicle.id: PSANoDataError(404, 40400, "No status") for vehicle in mock_psa.vehicles
    }
    await setup_integration(hass, mock_config_entry)

    def device(vin: str) -> dr.DeviceEntry:
        entry = get_device(hass, vin)
        assert entry is not None
        return entry

    # The API's model name: "<brand> <model>", the motorization in the model.
    assert (device(VIN_1).name, device(VIN_1).model) == ("Peugeot e-208", "e-208 (Electric)")
    assert (device(VIN_2).name, device(VIN_2).model) == ("Peugeot 000002", None)
    assert device(VIN_2).manufacturer == "Peugeot"  # no brand from the API: the VIN's (VR3)
    # Two unnamed cars of the same kind get their VIN tail.
    assert device(VIN_3).name == "Peugeot Electric 000003"
    assert device("VR3TESTCAR0000004").name == "Peugeot Electric 000004"
    # No label, but a VIN prefix that owners reported: the model from the VIN.
    mokka = device("VXKUKZKXZM0000005")
    assert (mokka.name, mokka.model) == ("Opel Mokka-e", "Mokka-e (Electric)")


async def reconfigure(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """The reconfigure dialog with the stored values: it ends by reloading the entry."""
    result = await entry.start_reconfigure_flow(hass)
    values = {key: entry.data[key] for key in ("country", "client_id", "client_secret")}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**values, "password": PASSWORD}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()


async def test_reconfigure_reloads_a_loaded_entry(
    hass: HomeAssistant, mock_psa: MockPSA, mock_config_entry: MockConfigEntry
) -> None:
    await setup_integration(hass, mock_config_entry)
    before = mock_config_entry.runtime_data
    await reconfigure(hass, mock_config_entry)
    assert mock_config_entry.state is ConfigEntryState.LOADED
    assert mock_config_entry.runtime_data is not before


async def test_reauth_reloads_a_loaded_entry(
    hass: HomeAssistant, mock_psa: MockPSA, mock_config_entry: MockConfigEntry
) -> None:
    await setup_integration(hass, mock_config_entry)
    before = mock_config_entry.runtime_data
    result = await mock_config_entry.start_reauth_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"password": PASSWORD}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    await hass.async_block_till_done()
    assert mock_config_entry.state is ConfigEntryState.LOADED
    assert mock_config_entry.runtime_data is not before


async def test_a_reported_break_fails_the_test(
    hass: HomeAssistant,
    mock_psa: MockPSA,
    mock_config_entry: MockConfigEntry,
    usage_reports: UsageReports,
) -> None:
    """The guard of tests/conftest.py sees what Home Assistant 2026.10 and 2026.11 report for
    the pattern this integration used before: an update listener next to a flow that reloads."""
    await setup_integration(hass, mock_config_entry)

    async def listener(hass: HomeAssistant, entry: MockConfigEntry) -> None:
        """Does nothing; its presence is what Home Assistant reports."""

    mock_config_entry.async_on_unload(mock_config_entry.add_update_listener(listener))
    await reconfigure(hass, mock_config_entry)
    reports = usage_reports.take()
    assert reports
    assert all("custom integration 'psa_connected_car'" in report for report in reports)
    assert "update listener" in reports[0]


@pytest.mark.parametrize(
    ("language", "names", "models"),
    [
        (
            "fr",
            ["Peugeot Électrique", "Peugeot Hybride", "Peugeot Thermique"],
            ["Électrique", "Hybride", "Thermique"],
        ),
        (
            "en",
            ["Peugeot Electric", "Peugeot Hybrid", "Peugeot Combustion engine"],
            ["Electric", "Hybrid", "Combustion engine"],
        ),
    ],
)
async def test_device_motorization_in_the_users_language(
    hass: HomeAssistant,
    mock_psa: MockPSA,
    mock_config_entry: MockConfigEntry,
    language: str,
    names: list[str],
    models: list[str],
) -> None:
    """Without a model name from the API, name and model say the motorization, translated."""
    hass.config.language = language
    mock_psa.vehicles = [
        make_vehicle(VIN_1, motorization="Electric"),
        make_vehicle(VIN_2, motorization="Hybrid"),
        make_vehicle(VIN_3, motorization="Thermic"),
    ]
    mock_psa.statuses = {
        vehicle.id: PSANoDataError(404, 40400, "No status") for vehicle in mock_psa.vehicles
    }
    await setup_integration(hass, mock_config_entry)
    devices = [get_device(hass, vin) for vin in (VIN_1, VIN_2, VIN_3)]
    assert [device.name for device in devices if device] == names
    assert [device.model for device in devices if device] == models
