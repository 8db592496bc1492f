"""Deleting an entry's repair issues: by kind or all of them, never another entry's."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir

from custom_components.psa_connected_car.const import DOMAIN
from custom_components.psa_connected_car.issues import async_delete_issues

ENTRY = "01TESTENTRY0000000000000001"
OTHER = "01TESTENTRY0000000000000002"
IDS = [
    f"invalid_client_{ENTRY}",
    f"vehicle_gone_{ENTRY}_VIN1",
    f"vehicle_gone_{ENTRY}_VIN2",
    f"vehicle_alert_{ENTRY}_VIN1_low_battery",
    f"invalid_client_{OTHER}",
    f"vehicle_gone_{OTHER}_VIN1",
    f"vehicle_gone_{ENTRY}X_VIN1",  # an entry id that merely starts with ours
]


def create(hass: HomeAssistant) -> None:
    for issue_id in IDS:
        ir.async_create_issue(
            hass, DOMAIN, issue_id, is_fixable=False, severity=ir.IssueSeverity.WARNING,
            translation_key="invalid_client",
        )  # fmt: skip
    ir.async_create_issue(
        hass, "other_domain", f"invalid_client_{ENTRY}", is_fixable=False,
        severity=ir.IssueSeverity.WARNING, translation_key="x",
    )  # fmt: skip


def left(hass: HomeAssistant) -> list[str]:
    registry = ir.async_get(hass)
    return [issue_id for issue_id in IDS if registry.async_get_issue(DOMAIN, issue_id)]


async def test_one_kind_but_those_kept(hass: HomeAssistant) -> None:
    create(hass)
    async_delete_issues(hass, ENTRY, "vehicle_gone", keep={f"vehicle_gone_{ENTRY}_VIN2"})
    assert left(hass) == [id_ for id_ in IDS if id_ != f"vehicle_gone_{ENTRY}_VIN1"]


async def test_a_kind_is_matched_whole(hass: HomeAssistant) -> None:
    create(hass)
    async_delete_issues(hass, ENTRY, "gone")
    async_delete_issues(hass, ENTRY, "vehicle")
    assert left(hass) == IDS


async def test_every_kind_of_the_entry(hass: HomeAssistant) -> None:
    create(hass)
    async_delete_issues(hass, ENTRY)
    assert left(hass) == IDS[4:]
    assert ir.async_get(hass).async_get_issue("other_domain", f"invalid_client_{ENTRY}")
