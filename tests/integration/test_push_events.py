"""Push events in Home Assistant: from the broker message to the entities, and the push state.

The remote-commands fakes of test_remote_entities.py stand in for the library's connection and
commander; the account is the mocked client of common.py, on a frozen clock. The wiring tests
use a tiny fake of ``api.remote.events`` (a payload carries ``date``, ``locked`` and ``soc``),
so that each test decides what an event changes; the tests of each real field run against the
library's module (skipped until it is there).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
import logging
from types import ModuleType
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.psa_connected_car import (
    coordinator as coordinator_module,
    remote as remote_module_for_events,
)
from custom_components.psa_connected_car.api.exceptions import PSACommandError
from custom_components.psa_connected_car.api.models import (
    AuxBattery,
    Doors,
    Preconditioning,
    VehicleStatus,
)
from custom_components.psa_connected_car.const import (
    AUX_BATTERY_LOW,
    CONF_CHARGE_WAKE,
    CONF_CHARGE_WAKE_INTERVAL,
    DEFAULT_PARKED_INTERVAL,
    EVENT_FETCH_DELAY,
    PUSH_PARKED_INTERVAL,
    TICK_INTERVAL,
)
from custom_components.psa_connected_car.coordinator import PSADataUpdateCoordinator
from custom_components.psa_connected_car.diagnostics import async_get_config_entry_diagnostics
from custom_components.psa_connected_car.polling import PollPlanner

from .common import (
    T0,
    VIN_1,
    VIN_2,
    VIN_3,
    MockPSA,
    create_entry,
    make_status,
    make_vehicle,
    setup_integration,
)
from .entity_helpers import states_by_key
from .test_remote_entities import FakeStore, Remote, _patch_remote

EVENTS_MODULE = "custom_components.psa_connected_car.api.remote.events"
PREFIX = "psa/RemoteServices/events/MPHRTServices/"
REPLY_TOPIC = "psa/RemoteServices/to/cid/AP-ACNT200000000042"
ISSUE_ID = "push_down_01TESTENTRY0000000000000001"
SHORT_LIMIT = 2 * 3600  # the day of PUSH_QUIET_LIMIT and PUSH_DOWN_ISSUE_AFTER, in the tests


# --- a tiny stand-in for api.remote.events ----------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class FakeEvent:
    vin: str
    at: datetime | None
    locked: bool | None
    soc: float | None


@dataclass(frozen=True, kw_only=True)
class FakeOutcome:
    status: VehicleStatus | None
    changed: bool
    fetch: bool


def _fake_event_vin(topic: str) -> str | None:
    return topic.removeprefix(PREFIX) if topic.startswith(PREFIX) else None


def _fake_parse_event(payload: Any) -> FakeEvent | None:
    if not isinstance(payload, dict) or "vin" not in payload:
        return None
    return FakeEvent(
        vin=payload["vin"],
        at=datetime.fromisoformat(payload["date"]),
        locked=payload.get("locked"),
        soc=payload.get("soc"),
    )


def _fake_apply_event(status: VehicleStatus | None, event: FakeEvent) -> FakeOutcome:
    """Writes the lock state when the event is newer than the doors block; a SoC that
    differs from the status asks for a fetch (never for a stale event)."""
    doors = status.doors if status is not None else None
    if (
        status is None
        or doors is None
        or doors.updated_at is None
        or event.at is None
        or event.at <= doors.updated_at
    ):
        return FakeOutcome(status=status, changed=False, fetch=False)
    level = status.electric.level if status.electric is not None else None
    fetch = event.soc is not None and event.soc != level
    if event.locked is None or doors.locked is event.locked:
        return FakeOutcome(status=status, changed=False, fetch=fetch)
    locked_states = ("Locked",) if event.locked else ("Unlocked",)
    new = replace(status, doors=Doors(updated_at=event.at, locked_states=locked_states))
    return FakeOutcome(status=new, changed=True, fetch=fetch)


def _fake_module() -> ModuleType:
    module = ModuleType(EVENTS_MODULE)
    module.EVENTS_TOPIC_PREFIX = PREFIX  # type: ignore[attr-defined]
    module.event_vin = _fake_event_vin  # type: ignore[attr-defined]
    module.parse_event = _fake_parse_event  # type: ignore[attr-defined]
    module.apply_event = _fake_apply_event  # type: ignore[attr-defined]
    return module


@pytest.fixture(name="fake_events")
def fake_events_fixture(monkeypatch: pytest.MonkeyPatch) -> None:
    """The events functions the coordinator and the manager call are the fake's."""
    fake = _fake_module()
    monkeypatch.setattr(coordinator_module, "parse_event", fake.parse_event)
    monkeypatch.setattr(coordinator_module, "apply_event", fake.apply_event)
    monkeypatch.setattr(remote_module_for_events, "event_vin", fake.event_vin)


@pytest.fixture(name="remote")
def remote_fixture() -> Iterator[Remote]:
    yield from _patch_remote(Remote(store=FakeStore(paired=True)))


# --- the account -------------------------------------------------------------------------------


def parked(at: datetime = T0, *, locked: bool = False, level: float = 80.0) -> VehicleStatus:
    status = make_status(at=at, level=level)
    return replace(
        status, doors=Doors(updated_at=at, locked_states=("Locked",) if locked else ("Unlocked",))
    )


@pytest.fixture(name="loaded")
async def loaded_fixture(
    hass: HomeAssistant,
    mock_psa: MockPSA,
    remote: Remote,
    fake_events: None,
    freezer: FrozenDateTimeFactory,
) -> MockConfigEntry:
    """Two parked cars, paired, set up at T0 (the connection not yet reported up)."""
    freezer.move_to(T0)
    mock_psa.statuses = {vehicle.id: parked() for vehicle in mock_psa.vehicles}
    entry = create_entry()
    await setup_integration(hass, entry)
    assert entry.runtime_data.remote is remote.manager
    # A day is long for a test: two hours stand for it.
    entry.runtime_data.push_issue_after = SHORT_LIMIT
    remote.manager.quiet_limit = SHORT_LIMIT
    return entry


def coordinator_of(entry: MockConfigEntry) -> PSADataUpdateCoordinator:
    coordinator: PSADataUpdateCoordinator = entry.runtime_data
    return coordinator


def send(remote: Remote, vin: str, at: datetime, **fields: Any) -> None:
    """The broker delivers one event of ``vin`` (dated ``at``)."""
    remote.manager.handle_message(f"{PREFIX}{vin}", {"vin": vin, "date": at.isoformat(), **fields})


def lock_state(hass: HomeAssistant, vin: str = VIN_1) -> str:
    """The lock binary sensor: on = unlocked."""
    return states_by_key(hass, vin, "binary_sensor")["lock"].state


async def step(hass: HomeAssistant, freezer: FrozenDateTimeFactory, seconds: float) -> None:
    freezer.tick(timedelta(seconds=seconds))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)  # scheduled rounds run there


async def advance(hass: HomeAssistant, freezer: FrozenDateTimeFactory, seconds: float) -> None:
    """Tick by tick, the coordinator running at each."""
    while seconds > 0:
        await step(hass, freezer, min(seconds, TICK_INTERVAL))
        seconds -= TICK_INTERVAL


def status_calls(mock_psa: MockPSA, vin: str = VIN_1) -> int:
    return mock_psa.status_calls(f"id-{vin[-4:]}")


def alive(planner: PollPlanner) -> bool:
    """The planner's push state (a call, so that the type checker does not narrow it)."""
    return planner.push_alive


def push_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [rec.getMessage() for rec in caplog.records if rec.getMessage().startswith("Push ")]


# --- routing and the entities ----------------------------------------------------------------


async def test_an_event_updates_the_entity_at_once_without_a_request(
    hass: HomeAssistant, mock_psa: MockPSA, remote: Remote, loaded: MockConfigEntry
) -> None:
    assert lock_state(hass) == "on"
    requests = mock_psa.client.get_status.await_count
    send(remote, VIN_1, T0 + timedelta(seconds=5), locked=True)
    await hass.async_block_till_done()
    assert lock_state(hass) == "off"
    assert lock_state(hass, VIN_2) == "on"
    assert mock_psa.client.get_status.await_count == requests
    assert remote.commander.messages == []  # events are not the commander's
    assert coordinator_of(loaded).data[VIN_1].raw["event"]["locked"] is True


async def test_replies_still_go_to_the_commander(
    hass: HomeAssistant, remote: Remote, loaded: MockConfigEntry
) -> None:
    remote.manager.handle_message(REPLY_TOPIC, {"return_code": "0"})
    assert remote.commander.messages == [(REPLY_TOPIC, {"return_code": "0"})]


async def test_odd_events_are_ignored(
    hass: HomeAssistant, mock_psa: MockPSA, remote: Remote, loaded: MockConfigEntry
) -> None:
    data = coordinator_of(loaded).data
    remote.manager.handle_message(f"{PREFIX}{VIN_1}", "not a snapshot")
    send(remote, VIN_3, T0 + timedelta(seconds=5), locked=True)  # not a car of this account
    await hass.async_block_till_done()
    assert coordinator_of(loaded).data is data
    assert remote.commander.messages == []


async def test_late_and_out_of_order_events_never_move_a_value_back(
    hass: HomeAssistant, remote: Remote, loaded: MockConfigEntry
) -> None:
    # Older than the polled doors block (T0, unlocked): ignored.
    send(remote, VIN_1, T0 - timedelta(minutes=5), locked=True)
    await hass.async_block_till_done()
    assert lock_state(hass) == "on"
    # Out of order: the snapshot of 08:00:20 arrives before the one of 08:00:10.
    send(remote, VIN_1, T0 + timedelta(seconds=20), locked=True)
    send(remote, VIN_1, T0 + timedelta(seconds=10), locked=False)
    await hass.async_block_till_done()
    assert lock_state(hass) == "off"


async def test_a_poll_older_than_the_event_keeps_the_event(
    hass: HomeAssistant,
    mock_psa: MockPSA,
    remote: Remote,
    loaded: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    send(remote, VIN_1, T0 + timedelta(seconds=30), locked=True)
    await hass.async_block_till_done()
    # The servers still have the doors of T0 when the next poll comes.
    await advance(hass, freezer, DEFAULT_PARKED_INTERVAL)
    assert status_calls(mock_psa) == 2
    assert lock_state(hass) == "off"


async def test_an_event_during_a_round_is_not_lost(
    hass: HomeAssistant, mock_psa: MockPSA, remote: Remote, loaded: MockConfigEntry
) -> None:
    gate = asyncio.Event()
    asked = asyncio.Event()
    answer = mock_psa.client.get_status.side_effect

    async def slow_status(vehicle_id: str) -> VehicleStatus:
        asked.set()
        await gate.wait()
        result: VehicleStatus = answer(vehicle_id)
        return result

    mock_psa.client.get_status.side_effect = slow_status
    coordinator = coordinator_of(loaded)
    refresh = hass.async_create_task(coordinator.async_request_vehicle_refresh(VIN_1))
    await asked.wait()
    send(remote, VIN_1, T0 + timedelta(seconds=5), locked=True)
    gate.set()
    await refresh
    await hass.async_block_till_done()
    status = coordinator.data[VIN_1].status
    assert status is not None
    assert status.doors is not None
    assert status.doors.locked is True
    assert lock_state(hass) == "off"


async def test_events_do_not_hold_the_polls_back(
    hass: HomeAssistant,
    mock_psa: MockPSA,
    remote: Remote,
    loaded: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """An event every half minute: the ticks still come, the parked poll is on time."""
    for index in range(1, DEFAULT_PARKED_INTERVAL // 30 + 1):
        send(remote, VIN_1, T0 + timedelta(seconds=30 * index), locked=index % 2 == 1)
        await step(hass, freezer, 30)
    assert status_calls(mock_psa) == 2


async def test_a_burst_of_events_costs_one_fetch(
    hass: HomeAssistant,
    mock_psa: MockPSA,
    remote: Remote,
    loaded: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    coordinator = coordinator_of(loaded)
    refresh = coordinator.async_request_vehicle_refresh
    asked: list[str] = []

    async def counting_refresh(vin: str) -> None:
        asked.append(vin)
        await refresh(vin)

    coordinator.async_request_vehicle_refresh = counting_refresh  # type: ignore[method-assign]
    for index in range(5):
        send(remote, VIN_1, T0 + timedelta(seconds=index + 1), soc=81.0 + index)
        await step(hass, freezer, 1)
    assert status_calls(mock_psa) == 1  # not yet: the servers need a moment
    await step(hass, freezer, EVENT_FETCH_DELAY)
    await hass.async_block_till_done()
    assert status_calls(mock_psa) == 2
    assert status_calls(mock_psa, VIN_2) == 1
    assert asked == [VIN_1]
    await step(hass, freezer, EVENT_FETCH_DELAY)
    assert status_calls(mock_psa) == 2


async def test_a_poll_before_the_fetch_makes_it_needless(
    hass: HomeAssistant,
    mock_psa: MockPSA,
    remote: Remote,
    loaded: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    await advance(hass, freezer, DEFAULT_PARKED_INTERVAL - TICK_INTERVAL)
    send(remote, VIN_1, T0 + timedelta(seconds=DEFAULT_PARKED_INTERVAL - 50), soc=70.0)
    await advance(hass, freezer, TICK_INTERVAL)  # the planned poll
    assert status_calls(mock_psa) == 2
    await advance(hass, freezer, 2 * EVENT_FETCH_DELAY)
    assert status_calls(mock_psa) == 2


async def test_unloading_cancels_a_planned_fetch(
    hass: HomeAssistant,
    mock_psa: MockPSA,
    remote: Remote,
    loaded: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    send(remote, VIN_1, T0 + timedelta(seconds=1), soc=70.0)
    assert await hass.config_entries.async_unload(loaded.entry_id)
    await step(hass, freezer, 2 * EVENT_FETCH_DELAY)
    assert status_calls(mock_psa) == 1


# --- the push state ------------------------------------------------------------------------


async def test_push_down_and_back(
    hass: HomeAssistant,
    mock_psa: MockPSA,
    remote: Remote,
    loaded: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    planner = coordinator_of(loaded).planner
    remote.manager.handle_connection(True)
    await advance(hass, freezer, TICK_INTERVAL)
    assert alive(planner)
    # The poll planned before push came up, then one an hour.
    await advance(hass, freezer, DEFAULT_PARKED_INTERVAL)
    assert status_calls(mock_psa) == 2
    await advance(hass, freezer, PUSH_PARKED_INTERVAL - 2 * TICK_INTERVAL)
    assert status_calls(mock_psa) == 2
    await advance(hass, freezer, 2 * TICK_INTERVAL)
    assert status_calls(mock_psa) == 3
    assert push_lines(caplog) == []

    # Down, with reconnection attempts that fail: one line, the parked interval at once.
    remote.manager.handle_connection(False)
    await advance(hass, freezer, TICK_INTERVAL)
    for _ in range(3):
        remote.manager.handle_connection(True)
        remote.manager.handle_connection(False)
        await advance(hass, freezer, TICK_INTERVAL)
    assert not alive(planner)
    assert push_lines(caplog) == [
        "Push events from the cars stopped: back to the usual polling intervals"
    ]
    await advance(hass, freezer, DEFAULT_PARKED_INTERVAL)
    assert status_calls(mock_psa) == 4
    assert ir.async_get(hass).async_get_issue("psa_connected_car", ISSUE_ID) is None

    # Down for long: the repair issue.
    await advance(hass, freezer, SHORT_LIMIT)
    issue = ir.async_get(hass).async_get_issue("psa_connected_car", ISSUE_ID)
    assert issue is not None
    assert issue.translation_key == "push_down"
    assert issue.translation_placeholders == {"title": loaded.title, "hours": "2"}

    # Back: the issue goes, one line, the relaxed interval again.
    remote.manager.handle_connection(True)
    await advance(hass, freezer, TICK_INTERVAL)
    assert alive(planner)
    assert ir.async_get(hass).async_get_issue("psa_connected_car", ISSUE_ID) is None
    assert push_lines(caplog)[1:] == [
        "Push events from the cars are back: parked cars are polled less often"
    ]


async def test_no_push_issue_over_the_pairing_issue(
    hass: HomeAssistant,
    remote: Remote,
    loaded: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    remote.manager.async_raise_auth_issue()
    await advance(hass, freezer, SHORT_LIMIT + 2 * TICK_INTERVAL)
    assert ir.async_get(hass).async_get_issue("psa_connected_car", ISSUE_ID) is None


async def test_unloading_removes_the_push_issue(
    hass: HomeAssistant,
    loaded: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    await advance(hass, freezer, SHORT_LIMIT + 2 * TICK_INTERVAL)  # the connection never came
    assert ir.async_get(hass).async_get_issue("psa_connected_car", ISSUE_ID) is not None
    assert await hass.config_entries.async_unload(loaded.entry_id)
    assert ir.async_get(hass).async_get_issue("psa_connected_car", ISSUE_ID) is None


async def test_a_silent_connection_is_no_push(
    hass: HomeAssistant,
    mock_psa: MockPSA,
    remote: Remote,
    loaded: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Up, but no event for a day (the cars stopped sending): polling as without push."""
    caplog.set_level(logging.INFO)
    planner = coordinator_of(loaded).planner
    remote.manager.handle_connection(True)
    await advance(hass, freezer, TICK_INTERVAL)
    assert alive(planner)
    await advance(hass, freezer, SHORT_LIMIT)
    assert not alive(planner)
    assert planner.effective_parked_interval == DEFAULT_PARKED_INTERVAL
    assert len(push_lines(caplog)) == 1
    # One event and push is alive again.
    send(remote, VIN_1, T0 + timedelta(hours=3), locked=True)
    await advance(hass, freezer, TICK_INTERVAL)
    assert alive(planner)
    assert len(push_lines(caplog)) == 2


async def test_a_car_without_events_is_still_polled(
    hass: HomeAssistant,
    mock_psa: MockPSA,
    remote: Remote,
    loaded: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The first car sends events, the second never does: its data still comes by polling."""
    remote.manager.handle_connection(True)
    send(remote, VIN_1, T0 + timedelta(seconds=5), locked=True)
    later = T0 + timedelta(minutes=30)
    mock_psa.statuses["id-0002"] = parked(later, level=55.0)
    await advance(hass, freezer, DEFAULT_PARKED_INTERVAL + TICK_INTERVAL)
    battery = states_by_key(hass, VIN_2, "sensor")["battery_level"]
    assert float(battery.state) == 55.0
    assert lock_state(hass) == "off"


async def test_a_car_added_later_is_subscribed_without_a_reload(
    hass: HomeAssistant,
    mock_psa: MockPSA,
    remote: Remote,
    loaded: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A third car in the vehicle list is subscribed to; the car that left is dropped."""
    third = make_vehicle(VIN_3, motorization="Electric")
    mock_psa.vehicles.append(third)
    mock_psa.statuses[third.id] = parked()
    await advance(hass, freezer, 3600)
    assert remote.connection.vins[-1] == sorted([VIN_1, VIN_2, VIN_3])
    mock_psa.vehicles.remove(third)
    await advance(hass, freezer, 3600)
    assert remote.connection.vins[-1] == sorted([VIN_1, VIN_2])


async def test_push_in_the_diagnostics(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    remote: Remote,
    loaded: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    remote.manager.handle_connection(True)
    await step(hass, freezer, 30)
    send(remote, VIN_1, T0 + timedelta(seconds=30), locked=True)
    await advance(hass, freezer, TICK_INTERVAL)
    # Called directly: the test client's token would be issued after the frozen T0.
    diagnostics = await async_get_config_entry_diagnostics(hass, loaded)
    assert diagnostics["coordinator"]["planner"]["push_alive"] is True
    push = diagnostics["remote"]
    assert push["push_alive"] is True
    assert push["connected_since"] == T0.isoformat()
    assert push["last_event_at"] == (T0 + timedelta(seconds=30)).isoformat()
    assert push["last_message_at"] == push["last_event_at"]
    assert [car["last_event_at"] for car in push["vehicles"]] == [push["last_event_at"], None]
    assert diagnostics["vehicles"][0]["raw"]["event"]["vin"] == "**REDACTED**"


# --- the library's own fields, to the entities -------------------------------------------------


EVENT_AT = T0 + timedelta(minutes=5)


def snapshot_payload(**changes: Any) -> dict[str, Any]:
    """A parked, unplugged, locked-off car's snapshot (remote-commands.md §9), dated EVENT_AT."""
    payload: dict[str, Any] = {
        "vin": VIN_1,
        "date": EVENT_AT.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "obj_counter": 2,
        "reason": 5,
        "sev_state": 0,
        "charging_state": {
            "cable_detected": 1,
            "hmi_state": 0,
            "remaining_time": 635,
            "rate": 0,
            "soc_batt": 80,
            "autonomy_zev": 240,
            "program": {"hour": 22, "minute": 30},
        },
        "precond_state": {"status": 0},
        "doors_state": {"doors_locking_state": 3},
    }
    for path, value in changes.items():
        block, _, key = path.partition("__")
        if key:
            payload[block] = {**payload[block], key: value}
        else:
            payload[block] = value
    return payload


@pytest.fixture(name="library")
async def library_fixture(
    hass: HomeAssistant,
    mock_psa: MockPSA,
    remote: Remote,
    freezer: FrozenDateTimeFactory,
) -> MockConfigEntry:
    """The library's own module; the car parked, unplugged, unlocked, preconditioning off."""
    freezer.move_to(T0)
    base = parked()
    mock_psa.statuses = {
        vehicle.id: replace(base, preconditioning=Preconditioning(updated_at=T0, status="Disabled"))
        for vehicle in mock_psa.vehicles
    }
    entry = create_entry()
    await setup_integration(hass, entry)
    return entry


def entity_state(hass: HomeAssistant, domain: str, key: str) -> str:
    return states_by_key(hass, VIN_1, domain)[key].state


@pytest.mark.parametrize(
    ("changes", "domain", "key", "before", "after"),
    [
        ({"doors_state__doors_locking_state": 1}, "binary_sensor", "lock", "on", "off"),
        ({"doors_state__doors_locking_state": 7}, "binary_sensor", "lock", "on", "off"),
        ({"charging_state__cable_detected": 0}, "binary_sensor", "plugged_in", "off", "on"),
        (
            {"charging_state__cable_detected": 0, "charging_state__hmi_state": 1},
            "sensor",
            "charging_status",
            "disconnected",
            "in_progress",
        ),
        (
            {
                "charging_state__cable_detected": 0,
                "charging_state__hmi_state": 1,
                "charging_state__rate": 30,
            },
            "sensor",
            "charging_rate",
            "unknown",
            "30.0",
        ),
        (
            {
                "charging_state__cable_detected": 0,
                "charging_state__hmi_state": 1,
                "charging_state__remaining_time": 120,
            },
            "sensor",
            "charging_end_time",
            "unknown",
            (EVENT_AT + timedelta(minutes=120)).isoformat(),
        ),
        ({"precond_state__status": 1}, "sensor", "preconditioning_status", "disabled", "enabled"),
        ({"sev_state": 1}, "sensor", "ignition", "stop", "start"),
    ],
)
async def test_each_event_field_to_its_entity(
    hass: HomeAssistant,
    remote: Remote,
    library: MockConfigEntry,
    changes: dict[str, Any],
    domain: str,
    key: str,
    before: str,
    after: str,
) -> None:
    assert entity_state(hass, domain, key) == before
    remote.manager.handle_message(f"{PREFIX}{VIN_1}", snapshot_payload(**changes))
    await hass.async_block_till_done()
    assert entity_state(hass, domain, key) == after


async def test_the_idle_quirks_change_nothing(
    hass: HomeAssistant,
    mock_psa: MockPSA,
    remote: Remote,
    library: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """635 minutes while idle, hmi_state 0, the unplugged flag 1: still an unplugged car."""
    remote.manager.handle_message(f"{PREFIX}{VIN_1}", snapshot_payload())
    await hass.async_block_till_done()
    assert entity_state(hass, "sensor", "charging_status") == "disconnected"
    assert entity_state(hass, "binary_sensor", "plugged_in") == "off"
    assert entity_state(hass, "sensor", "charging_end_time") == "unknown"
    await step(hass, freezer, EVENT_FETCH_DELAY + 1)
    assert mock_psa.status_calls() == 2  # and no fetch asked: nothing moved


async def test_an_event_soc_is_never_written_but_fetched(
    hass: HomeAssistant,
    mock_psa: MockPSA,
    remote: Remote,
    library: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    remote.manager.handle_message(f"{PREFIX}{VIN_1}", snapshot_payload(charging_state__soc_batt=65))
    await hass.async_block_till_done()
    assert entity_state(hass, "sensor", "battery_level") == "80.0"
    mock_psa.statuses["id-0001"] = parked(EVENT_AT, level=66.0)
    await step(hass, freezer, EVENT_FETCH_DELAY + 1)
    assert status_calls(mock_psa) == 2
    assert entity_state(hass, "sensor", "battery_level") == "66.0"


async def test_a_late_snapshot_after_a_newer_one_changes_nothing(
    hass: HomeAssistant, remote: Remote, library: MockConfigEntry
) -> None:
    newer = snapshot_payload(doors_state__doors_locking_state=1)
    older = snapshot_payload(doors_state__doors_locking_state=3)
    older["date"] = (EVENT_AT - timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    remote.manager.handle_message(f"{PREFIX}{VIN_1}", newer)
    remote.manager.handle_message(f"{PREFIX}{VIN_1}", older)
    await hass.async_block_till_done()
    assert entity_state(hass, "binary_sensor", "lock") == "off"


# --- the option "keep the battery level fresh while charging" ---------------------------------

WAKE_MINUTES = 15


def wake_calls(remote: Remote) -> int:
    return sum(1 for command, _vin, _params in remote.commander.calls if command == "wake_up")


async def setup_charging(
    hass: HomeAssistant,
    mock_psa: MockPSA,
    freezer: FrozenDateTimeFactory,
    *,
    wake: bool = True,
    aux: float | None = None,
) -> MockConfigEntry:
    """One BEV charging, its battery level sent at T0 and never again (asleep)."""
    freezer.move_to(T0)
    mock_psa.vehicles = mock_psa.vehicles[:1]
    status = make_status(charging="InProgress")
    if aux is not None:
        status = replace(status, battery=AuxBattery(updated_at=T0, state=aux))
    mock_psa.statuses = {"id-0001": status}
    template = create_entry()
    entry = MockConfigEntry(
        domain=template.domain,
        title=template.title,
        unique_id=template.unique_id,
        data=dict(template.data),
        entry_id=template.entry_id,
        options={CONF_CHARGE_WAKE: wake, CONF_CHARGE_WAKE_INTERVAL: WAKE_MINUTES},
    )
    await setup_integration(hass, entry)
    return entry


async def test_a_charging_car_with_old_data_is_woken_once_an_interval(
    hass: HomeAssistant, mock_psa: MockPSA, remote: Remote, freezer: FrozenDateTimeFactory
) -> None:
    await setup_charging(hass, mock_psa, freezer)
    await advance(hass, freezer, WAKE_MINUTES * 60 - TICK_INTERVAL)
    assert wake_calls(remote) == 0  # the level is not that old yet
    await advance(hass, freezer, TICK_INTERVAL)
    assert wake_calls(remote) == 1
    await advance(hass, freezer, WAKE_MINUTES * 60 - TICK_INTERVAL)
    assert wake_calls(remote) == 1
    await advance(hass, freezer, TICK_INTERVAL)
    assert wake_calls(remote) == 2


async def test_no_wake_up_when_the_option_is_off(
    hass: HomeAssistant, mock_psa: MockPSA, remote: Remote, freezer: FrozenDateTimeFactory
) -> None:
    await setup_charging(hass, mock_psa, freezer, wake=False)
    await advance(hass, freezer, 2 * WAKE_MINUTES * 60)
    assert wake_calls(remote) == 0


async def test_no_wake_up_with_a_low_12v_battery(
    hass: HomeAssistant, mock_psa: MockPSA, remote: Remote, freezer: FrozenDateTimeFactory
) -> None:
    await setup_charging(hass, mock_psa, freezer, aux=AUX_BATTERY_LOW - 10)
    await advance(hass, freezer, 2 * WAKE_MINUTES * 60)
    assert wake_calls(remote) == 0


async def test_no_wake_up_right_after_the_car_was_unreachable(
    hass: HomeAssistant, mock_psa: MockPSA, remote: Remote, freezer: FrozenDateTimeFactory
) -> None:
    entry = await setup_charging(hass, mock_psa, freezer)
    await advance(hass, freezer, (WAKE_MINUTES - 2) * 60)
    # The owner honks; the car does not answer (300).
    remote.commander.error = PSACommandError("asleep", "300")
    manager = entry.runtime_data.remote
    assert manager is not None
    with pytest.raises(HomeAssistantError):
        await manager.async_command(VIN_1, "horn")
    remote.commander.error = None
    await advance(hass, freezer, WAKE_MINUTES * 60 - TICK_INTERVAL)
    assert wake_calls(remote) == 0  # the level is old, but the car just did not answer
    await advance(hass, freezer, 2 * TICK_INTERVAL)
    assert wake_calls(remote) == 1


async def test_no_wake_up_while_disconnected(
    hass: HomeAssistant, mock_psa: MockPSA, remote: Remote, freezer: FrozenDateTimeFactory
) -> None:
    await setup_charging(hass, mock_psa, freezer)
    remote.connection.connected = False
    await advance(hass, freezer, 2 * WAKE_MINUTES * 60)
    assert wake_calls(remote) == 0
