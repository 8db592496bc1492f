"""Alerts that need action raise a repair issue per vehicle and type, which clears itself."""

from __future__ import annotations

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.psa_connected_car.api.models import Alert
from custom_components.psa_connected_car.const import DOMAIN

from .common import VIN_1, VIN_2, MockPSA, setup_integration
from .entity_helpers import refresh, states_by_key

OIL = Alert(id="a1", type="OilLevelLow", severity="Warning", active=True)
LAMP = Alert(id="a2", type="HeadlightsFault", severity="Information", active=True)


def alert_issues(issue_registry: ir.IssueRegistry) -> dict[str, ir.IssueEntry]:
    return {
        issue_id: issue
        for (domain, issue_id), issue in issue_registry.issues.items()
        if domain == DOMAIN and issue_id.startswith("vehicle_alert_")
    }


async def test_issue_raised_translated_and_cleared(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    issue_registry: ir.IssueRegistry,
    mock_psa: MockPSA,
    mock_config_entry: MockConfigEntry,
) -> None:
    hass.config.language = "fr"
    mock_psa.alerts = [OIL, LAMP]
    await setup_integration(hass, mock_config_entry)

    issues = alert_issues(issue_registry)
    # Both cars of the account report the alert: one issue each; the lamp fault raises none.
    assert sorted(issues) == sorted(
        f"vehicle_alert_{mock_config_entry.entry_id}_{vin}_oil_level_low" for vin in (VIN_1, VIN_2)
    )
    issue = issues[f"vehicle_alert_{mock_config_entry.entry_id}_{VIN_1}_oil_level_low"]
    assert issue.translation_key == "vehicle_alert"
    assert issue.severity is ir.IssueSeverity.WARNING
    assert not issue.is_fixable
    # The alert's name in the user's language (placeholders are not translated by HA).
    assert issue.translation_placeholders == {
        "vehicle": "Peugeot Électrique",
        "alert": "Niveau d'huile bas",
    }
    assert states_by_key(hass, VIN_1, "sensor")["main_alert"].state == "oil_level_low"

    mock_psa.alerts = [LAMP]
    await refresh(hass, freezer, mock_config_entry)
    assert alert_issues(issue_registry) == {}
    assert states_by_key(hass, VIN_1, "sensor")["main_alert"].state == "other"

    mock_psa.alerts = []
    await refresh(hass, freezer, mock_config_entry)
    assert states_by_key(hass, VIN_1, "sensor")["main_alert"].state == "none"


async def test_issue_cleared_when_the_vehicle_leaves_or_the_entry_unloads(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    issue_registry: ir.IssueRegistry,
    mock_psa: MockPSA,
    mock_config_entry: MockConfigEntry,
) -> None:
    mock_psa.alerts = [OIL]
    await setup_integration(hass, mock_config_entry)
    assert len(alert_issues(issue_registry)) == 2

    mock_psa.vehicles = [vehicle for vehicle in mock_psa.vehicles if vehicle.vin != VIN_2]
    await refresh(hass, freezer, mock_config_entry)
    assert [issue_id.rsplit("_", 4)[1] for issue_id in alert_issues(issue_registry)] == [VIN_1]

    assert await hass.config_entries.async_unload(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert alert_issues(issue_registry) == {}
