"""Remote commands in Home Assistant: the manager, its entities and the programs service.

The library's pieces (token manager, MQTT connection, commander) are fakes handed to the
``RemoteManager`` through ``build_remote_parts``, and the store is an in-memory one, so each
test decides what the car answers; the account is the mocked client of common.py.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, time, timedelta
import json
import logging
from pathlib import Path
import ssl
from typing import Any
from unittest.mock import patch

import aiohttp
import certifi
from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_ENTITY_ID, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.psa_connected_car import remote as remote_module
from custom_components.psa_connected_car.api.exceptions import (
    PSACommandError,
    PSAConnectionError,
    PSARateLimitError,
    PSARemoteAuthError,
)
from custom_components.psa_connected_car.api.models import (
    Charging,
    Doors,
    Energy,
    Preconditioning,
    VehicleStatus,
)
from custom_components.psa_connected_car.api.remote.account import PSARemoteApi, async_pair
from custom_components.psa_connected_car.api.remote.models import (
    CommandProgress,
    CommandResult,
    OtpState,
    PreconditioningProgram,
    RemoteToken,
)
from custom_components.psa_connected_car.api.remote.otp import InWeboClient
from custom_components.psa_connected_car.const import DOMAIN
from custom_components.psa_connected_car.remote import (
    COMMAND_REASONS,
    OUTCOMES,
    RemoteManager,
    RemoteParts,
    current_programs,
)
from custom_components.psa_connected_car.remote_store import RemoteStore
from psa_simulator.testing import SimulatorControl, SimulatorHandle

from .common import T0, VIN_1, MockPSA, get_device, make_vehicle, setup_integration
from .entity_helpers import states_by_key
from .simulated import add_with_password

TRANSLATIONS = Path(__file__).parents[2] / "custom_components" / DOMAIN / "translations"
ISSUE_ID = "remote_auth_01TESTENTRY0000000000000001"

PROGRAMS = (
    PreconditioningProgram(
        slot=1, enabled=True, hour=7, minute=10, days=(True,) * 5 + (False,) * 2
    ),
    PreconditioningProgram(slot=2, enabled=False, hour=18, minute=0, days=(False,) * 7),
    PreconditioningProgram(
        slot=3, enabled=True, hour=9, minute=30, days=(False,) * 5 + (True,) * 2
    ),
    PreconditioningProgram(slot=4, enabled=False, hour=0, minute=0),
)


# --- the status --------------------------------------------------------------------------


def preconditioning(
    status: str = "Disabled",
    programs: tuple[PreconditioningProgram, ...] = PROGRAMS,
    at: datetime = T0,
) -> Preconditioning:
    return Preconditioning(updated_at=at, status=status, programs=programs)


def car_status(
    *,
    locked: bool = False,
    charging: str = "Stopped",
    charging_type: str = "Full",
    delayed: timedelta | None = timedelta(hours=22, minutes=30),
    precond: Preconditioning | None = None,
    at: datetime = T0,
) -> VehicleStatus:
    """A plugged-in BEV status: doors, charging and preconditioning, all sent at ``at``."""
    return VehicleStatus(
        updated_at=at,
        electric=Energy(
            type="Electric",
            updated_at=at,
            level=60.0,
            charging=Charging(
                plugged=True, status=charging, type=charging_type, next_delayed_time=delayed
            ),
        ),
        doors=Doors(updated_at=at, locked_states=("Locked",) if locked else ("Unlocked",)),
        preconditioning=precond if precond is not None else preconditioning(at=at),
    )


# --- the fakes -----------------------------------------------------------------------------


@dataclass
class FakePairing:
    customer_id: str = "AP-ACNT200000000042"
    otp: OtpState = field(
        default_factory=lambda: OtpState(device_id="device-1", iwalea="00", pin="1234")
    )
    token: RemoteToken | None = None
    unsupported: dict[str, set[str]] = field(default_factory=dict)
    paired_at: datetime = T0


class FakeStore:
    """Survives reloads (one per test): what ``RemoteStore`` keeps on disk."""

    def __init__(self, paired: bool) -> None:
        self.paired = paired
        self.unsupported: dict[str, set[str]] = {}
        self.saves: list[dict[str, set[str]]] = []

    async def async_load(self) -> FakePairing | None:
        if not self.paired:
            return None
        return FakePairing(unsupported={vin: set(names) for vin, names in self.unsupported.items()})

    async def async_save_otp(self, otp: OtpState) -> None:
        raise AssertionError("the fake token manager saves nothing")

    async def async_save_token(self, token: RemoteToken) -> None:
        raise AssertionError("the fake token manager saves nothing")

    async def async_save_unsupported(self, unsupported: Mapping[str, Collection[str]]) -> None:
        self.unsupported = {vin: set(names) for vin, names in unsupported.items()}
        self.saves.append(self.unsupported)


class FakeTokens:
    def __init__(self) -> None:
        self.error: Exception | None = None

    async def async_get_access_token(self) -> str:
        if self.error is not None:
            raise self.error
        return "mqtt-access"

    async def async_force_refresh(self) -> str:
        return await self.async_get_access_token()


class FakeConnection:
    def __init__(self) -> None:
        self.connected = True
        self.started = 0
        self.stopped = 0
        self.vins: list[list[str]] = []  # each set_vins call, sorted

    async def start(self) -> None:
        self.started += 1

    async def stop(self) -> None:
        self.stopped += 1

    def set_vins(self, vins: Iterable[str]) -> None:
        self.vins.append(sorted(vins))


class FakeCommander:
    """Records each command; answers 0, or ``error``, or waits for ``gate`` first."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, dict[str, Any]]] = []
        self.error: Exception | None = None
        self.gate: asyncio.Event | None = None
        self.messages: list[tuple[str, Any]] = []

    def handle_message(self, topic: str, payload: Any) -> None:
        self.messages.append((topic, payload))

    async def _run(self, command: str, vin: str, **params: Any) -> CommandResult:
        self.calls.append((command, vin, params))
        if self.gate is not None:
            await self.gate.wait()
        if self.error is not None:
            raise self.error
        return CommandResult(vin=vin, service=command, code="0")

    async def lock(self, vin: str, locked: bool) -> CommandResult:
        return await self._run("lock", vin, locked=locked)

    async def precondition(
        self, vin: str, on: bool, programs: tuple[PreconditioningProgram, ...]
    ) -> CommandResult:
        return await self._run("precondition", vin, on=on, programs=programs)

    async def charge(self, vin: str, now: bool, start: time) -> CommandResult:
        return await self._run("charge", vin, now=now, start=start)

    async def charge_limit(self, vin: str, on: bool) -> CommandResult:
        return await self._run("charge_limit", vin, on=on)

    async def wake_up(self, vin: str) -> CommandResult:
        return await self._run("wake_up", vin)

    async def horn(self, vin: str) -> CommandResult:
        return await self._run("horn", vin)

    async def lights(self, vin: str) -> CommandResult:
        return await self._run("lights", vin)


@dataclass
class Remote:
    """The fakes of one test, and the manager they were given to."""

    store: FakeStore
    tokens: FakeTokens = field(default_factory=FakeTokens)
    connection: FakeConnection = field(default_factory=FakeConnection)
    commander: FakeCommander = field(default_factory=FakeCommander)
    managers: list[RemoteManager] = field(default_factory=list)

    @property
    def manager(self) -> RemoteManager:
        return self.managers[-1]


def _patch_remote(remote: Remote) -> Iterator[Remote]:
    def _build(manager: RemoteManager, ssl_context: Any) -> RemoteParts:
        remote.managers.append(manager)
        return RemoteParts(
            tokens=remote.tokens, connection=remote.connection, commander=remote.commander
        )

    with (
        patch.object(remote_module, "create_store", return_value=remote.store),
        patch.object(remote_module, "build_remote_parts", side_effect=_build),
    ):
        yield remote


@pytest.fixture(name="remote")
def remote_fixture() -> Iterator[Remote]:
    """A paired entry whose car answers every command with 0."""
    yield from _patch_remote(Remote(store=FakeStore(paired=True)))


@pytest.fixture(name="unpaired")
def unpaired_fixture() -> Iterator[Remote]:
    yield from _patch_remote(Remote(store=FakeStore(paired=False)))


async def setup_car(
    hass: HomeAssistant,
    mock_psa: MockPSA,
    entry: MockConfigEntry,
    status: VehicleStatus | None = None,
    *,
    motorization: str = "Electric",
) -> str:
    vehicle = make_vehicle(VIN_1, motorization=motorization)
    mock_psa.vehicles = [vehicle]
    mock_psa.statuses = {vehicle.id: status if status is not None else car_status()}
    await setup_integration(hass, entry)
    return vehicle.vin


def entity_id(hass: HomeAssistant, domain: str, key: str) -> str:
    return states_by_key(hass, VIN_1, domain)[key].entity_id


def state(hass: HomeAssistant, domain: str, key: str) -> str:
    return states_by_key(hass, VIN_1, domain)[key].state


async def act(hass: HomeAssistant, domain: str, service: str, key: str, **data: Any) -> None:
    await hass.services.async_call(
        domain,
        service,
        {ATTR_ENTITY_ID: entity_id(hass, domain, key), **data},
        blocking=True,
    )


async def until(condition: Callable[[], bool]) -> None:
    """Let the event loop run until ``condition`` holds (a few turns, no clock involved)."""
    for _ in range(100):
        if condition():
            return
        await asyncio.sleep(0)
    raise AssertionError("condition never held")


def english(key: str, **placeholders: str) -> str:
    texts = json.loads((TRANSLATIONS / "en.json").read_text(encoding="utf-8"))
    # Home Assistant drops the final full stop of an exception's message.
    return str(texts["exceptions"][key]["message"]).format(**placeholders).rstrip(".")


# --- which entities ----------------------------------------------------------------------

ALL_REMOTE = {
    "lock": {"doors"},
    "switch": {"preconditioning", "charging", "charge_limit"},
    "time": {"charge_start_time"},
    "button": {"wake_up", "horn", "lights"},
}


async def test_not_paired_no_remote_entities(
    hass: HomeAssistant,
    mock_psa: MockPSA,
    mock_config_entry: MockConfigEntry,
    unpaired: Remote,
    issue_registry: ir.IssueRegistry,
) -> None:
    """Without a pairing: no manager, no remote entity, no sensor, and no stale repair."""
    ir.async_create_issue(
        hass, DOMAIN, ISSUE_ID, is_fixable=False, severity=ir.IssueSeverity.ERROR,
        translation_key="remote_auth", translation_placeholders={"title": "x"},
    )  # fmt: skip
    await setup_car(hass, mock_psa, mock_config_entry)
    assert mock_config_entry.runtime_data.remote is None
    assert not unpaired.managers
    for domain in ALL_REMOTE:
        assert states_by_key(hass, VIN_1, domain) == {}, domain
    assert "last_command" not in states_by_key(hass, VIN_1, "sensor")
    assert "battery_level" in states_by_key(hass, VIN_1, "sensor")
    assert issue_registry.async_get_issue(DOMAIN, ISSUE_ID) is None


async def test_paired_electric_car_entities_and_states(
    hass: HomeAssistant, mock_psa: MockPSA, mock_config_entry: MockConfigEntry, remote: Remote
) -> None:
    status = car_status(
        locked=True,
        charging="InProgress",
        charging_type="Partial",
        precond=preconditioning("Enabled"),
    )
    await setup_car(hass, mock_psa, mock_config_entry, status)
    assert remote.connection.started == 1
    for domain, keys in ALL_REMOTE.items():
        assert set(states_by_key(hass, VIN_1, domain)) == keys, domain
    assert state(hass, "lock", "doors") == "locked"
    assert state(hass, "switch", "preconditioning") == "on"
    assert state(hass, "switch", "charging") == "on"
    assert state(hass, "switch", "charge_limit") == "on"
    assert state(hass, "time", "charge_start_time") == "22:30:00"
    assert state(hass, "sensor", "last_command") == "unknown"


async def test_states_off(
    hass: HomeAssistant, mock_psa: MockPSA, mock_config_entry: MockConfigEntry, remote: Remote
) -> None:
    await setup_car(hass, mock_psa, mock_config_entry, car_status(delayed=None))
    assert state(hass, "lock", "doors") == "unlocked"
    assert state(hass, "switch", "preconditioning") == "off"
    assert state(hass, "switch", "charging") == "off"
    assert state(hass, "switch", "charge_limit") == "off"
    assert state(hass, "time", "charge_start_time") == "unknown"


async def test_thermal_car_has_no_charge_entities(
    hass: HomeAssistant, mock_psa: MockPSA, mock_config_entry: MockConfigEntry, remote: Remote
) -> None:
    status = replace(car_status(), electric=None)
    await setup_car(hass, mock_psa, mock_config_entry, status, motorization="Thermic")
    assert set(states_by_key(hass, VIN_1, "switch")) == {"preconditioning"}
    assert states_by_key(hass, VIN_1, "time") == {}
    assert set(states_by_key(hass, VIN_1, "lock")) == {"doors"}
    assert set(states_by_key(hass, VIN_1, "button")) == {"wake_up", "horn", "lights"}
    manager = remote.manager
    assert not manager.supported(VIN_1, "charge")
    assert not manager.supported(VIN_1, "charge_limit")
    assert manager.supported(VIN_1, "lock")


async def test_thermal_car_reporting_a_battery_still_gets_no_charge_entities(
    hass: HomeAssistant, mock_psa: MockPSA, mock_config_entry: MockConfigEntry, remote: Remote
) -> None:
    """The motorization decides, not a stray electric block."""
    await setup_car(hass, mock_psa, mock_config_entry, motorization="Thermic")
    assert set(states_by_key(hass, VIN_1, "switch")) == {"preconditioning"}
    assert states_by_key(hass, VIN_1, "time") == {}


# --- each action's call --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("domain", "service", "key", "data", "expected"),
    [
        ("lock", "lock", "doors", {}, ("lock", {"locked": True})),
        ("lock", "unlock", "doors", {}, ("lock", {"locked": False})),
        (
            "switch",
            "turn_on",
            "preconditioning",
            {},
            ("precondition", {"on": True, "programs": PROGRAMS}),
        ),
        (
            "switch",
            "turn_off",
            "preconditioning",
            {},
            ("precondition", {"on": False, "programs": PROGRAMS}),
        ),
        ("switch", "turn_on", "charging", {}, ("charge", {"now": True, "start": time(22, 30)})),
        ("switch", "turn_off", "charging", {}, ("charge", {"now": False, "start": time(22, 30)})),
        ("switch", "turn_on", "charge_limit", {}, ("charge_limit", {"on": True})),
        ("switch", "turn_off", "charge_limit", {}, ("charge_limit", {"on": False})),
        (
            "time",
            "set_value",
            "charge_start_time",
            {"time": "06:45:00"},
            ("charge", {"now": False, "start": time(6, 45)}),
        ),
        ("button", "press", "wake_up", {}, ("wake_up", {})),
        ("button", "press", "horn", {}, ("horn", {})),
        ("button", "press", "lights", {}, ("lights", {})),
    ],
)
async def test_action_sends_the_command(
    hass: HomeAssistant,
    mock_psa: MockPSA,
    mock_config_entry: MockConfigEntry,
    remote: Remote,
    domain: str,
    service: str,
    key: str,
    data: dict[str, Any],
    expected: tuple[str, dict[str, Any]],
) -> None:
    await setup_car(hass, mock_psa, mock_config_entry)
    await act(hass, domain, service, key, **data)
    command, params = expected
    assert remote.commander.calls == [(command, VIN_1, params)]
    assert state(hass, "sensor", "last_command") == "done"
    attributes = states_by_key(hass, VIN_1, "sensor")["last_command"].attributes
    assert attributes["command"] == command
    assert attributes["code"] == "0"


async def test_charge_without_a_delayed_start_sends_22h(
    hass: HomeAssistant, mock_psa: MockPSA, mock_config_entry: MockConfigEntry, remote: Remote
) -> None:
    await setup_car(hass, mock_psa, mock_config_entry, car_status(delayed=None))
    await act(hass, "switch", "turn_off", "charging")
    assert remote.commander.calls == [("charge", VIN_1, {"now": False, "start": time(22, 0)})]


async def test_new_start_time_while_charging_keeps_charging(
    hass: HomeAssistant, mock_psa: MockPSA, mock_config_entry: MockConfigEntry, remote: Remote
) -> None:
    await setup_car(hass, mock_psa, mock_config_entry, car_status(charging="InProgress"))
    await act(hass, "time", "set_value", "charge_start_time", time="23:15:00")
    assert remote.commander.calls == [("charge", VIN_1, {"now": True, "start": time(23, 15)})]
    assert state(hass, "time", "charge_start_time") == "23:15:00"  # until the car says so


async def test_precondition_without_programs_sends_none(
    hass: HomeAssistant, mock_psa: MockPSA, mock_config_entry: MockConfigEntry, remote: Remote
) -> None:
    """The car lists no program: nothing to keep, the commander fills in the placeholders."""
    status = car_status(precond=preconditioning(programs=()))
    await setup_car(hass, mock_psa, mock_config_entry, status)
    await act(hass, "switch", "turn_on", "preconditioning")
    assert remote.commander.calls == [("precondition", VIN_1, {"on": True, "programs": ()})]


async def test_final_answer_fetches_the_status_promptly(
    hass: HomeAssistant, mock_psa: MockPSA, mock_config_entry: MockConfigEntry, remote: Remote
) -> None:
    await setup_car(hass, mock_psa, mock_config_entry)
    before = mock_psa.status_calls()
    await act(hass, "button", "press", "wake_up")
    await hass.async_block_till_done()
    assert mock_psa.status_calls() == before + 1


async def test_failed_command_fetches_nothing(
    hass: HomeAssistant, mock_psa: MockPSA, mock_config_entry: MockConfigEntry, remote: Remote
) -> None:
    await setup_car(hass, mock_psa, mock_config_entry)
    before = mock_psa.status_calls()
    remote.commander.error = PSACommandError("failed", "500")
    with pytest.raises(HomeAssistantError):
        await act(hass, "button", "press", "horn")
    await hass.async_block_till_done()
    assert mock_psa.status_calls() == before


async def test_prompt_fetch_waits_out_a_rate_limit(
    hass: HomeAssistant,
    mock_psa: MockPSA,
    mock_config_entry: MockConfigEntry,
    remote: Remote,
    freezer: FrozenDateTimeFactory,
) -> None:
    """After a command the car's status is due at once, but never before a rate limit ends."""
    await setup_car(hass, mock_psa, mock_config_entry)
    coordinator = mock_config_entry.runtime_data
    before = mock_psa.status_calls()
    coordinator.planner.block(coordinator.now(), 60)
    await coordinator.async_request_vehicle_refresh(VIN_1)
    await hass.async_block_till_done()
    assert mock_psa.status_calls() == before
    await coordinator.async_request_vehicle_refresh("VR3NOTINTHEACCOUNT")  # ignored
    # Past the limit, well before the parked car's own turn (10 min): the asked-for fetch.
    freezer.tick(timedelta(seconds=61))
    await coordinator.async_refresh()
    assert mock_psa.status_calls() == before + 1
    freezer.tick(timedelta(seconds=61))
    await coordinator.async_refresh()
    assert mock_psa.status_calls() == before + 1  # asked once, fetched once


# --- optimistic, then the car's data ---------------------------------------------------------


async def test_lock_is_optimistic_until_the_car_confirms(
    hass: HomeAssistant,
    mock_psa: MockPSA,
    mock_config_entry: MockConfigEntry,
    remote: Remote,
    freezer: FrozenDateTimeFactory,
) -> None:
    freezer.move_to(T0 + timedelta(minutes=1))
    await setup_car(hass, mock_psa, mock_config_entry)
    assert state(hass, "lock", "doors") == "unlocked"
    remote.commander.gate = asyncio.Event()
    task = hass.async_create_task(act(hass, "lock", "lock", "doors"))
    await until(lambda: bool(remote.commander.calls))
    # Sent, no answer yet: locking, and the last command is pending.
    assert state(hass, "lock", "doors") == "locking"
    assert state(hass, "sensor", "last_command") == "pending"
    assert remote.manager.pending(VIN_1, "lock")
    # Progress replies show their code.
    remote.manager.handle_progress(
        CommandProgress(vin=VIN_1, service="/Doors", correlation_id="c", code="903", final=False)
    )
    sensor = states_by_key(hass, VIN_1, "sensor")["last_command"]
    assert (sensor.state, sensor.attributes["code"]) == ("pending", "903")
    # The car answers 0; the status fetched at once is still the old one (the car has not
    # uploaded yet, its block is older than the answer): the lock stays as asked.
    remote.commander.gate.set()
    await task
    await hass.async_block_till_done()
    assert not remote.manager.pending(VIN_1, "lock")
    assert state(hass, "lock", "doors") == "locked"
    # The car's data shows it: from now on the data decides again.
    mock_psa.statuses["id-0001"] = car_status(locked=True, at=T0 + timedelta(minutes=5))
    freezer.tick(timedelta(hours=7))
    await mock_config_entry.runtime_data.async_refresh()
    await hass.async_block_till_done()
    assert state(hass, "lock", "doors") == "locked"
    mock_psa.statuses["id-0001"] = car_status(locked=False, at=T0 + timedelta(hours=8))
    freezer.tick(timedelta(hours=7))
    await mock_config_entry.runtime_data.async_refresh()
    await hass.async_block_till_done()
    assert state(hass, "lock", "doors") == "unlocked"


async def test_a_newer_report_wins_over_the_asked_state(
    hass: HomeAssistant,
    mock_psa: MockPSA,
    mock_config_entry: MockConfigEntry,
    remote: Remote,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The car reported after its answer and charges not: what it says is the truth."""
    freezer.move_to(T0 + timedelta(minutes=1))
    await setup_car(hass, mock_psa, mock_config_entry)
    await act(hass, "switch", "turn_on", "charging")
    await hass.async_block_till_done()
    assert state(hass, "switch", "charging") == "on"
    mock_psa.statuses["id-0001"] = car_status(at=T0 + timedelta(minutes=3))
    freezer.tick(timedelta(hours=7))
    await mock_config_entry.runtime_data.async_refresh()
    await hass.async_block_till_done()
    assert state(hass, "switch", "charging") == "off"


async def test_failure_returns_to_the_car_state(
    hass: HomeAssistant, mock_psa: MockPSA, mock_config_entry: MockConfigEntry, remote: Remote
) -> None:
    await setup_car(hass, mock_psa, mock_config_entry)
    remote.commander.error = PSACommandError("asleep", "300")
    with pytest.raises(HomeAssistantError):
        await act(hass, "switch", "turn_on", "charge_limit")
    assert state(hass, "switch", "charge_limit") == "off"
    assert state(hass, "sensor", "last_command") == "asleep"


# --- failures ---------------------------------------------------------------------------------


@pytest.mark.parametrize("reason", COMMAND_REASONS)
async def test_each_failure_reason_is_a_translated_error(
    hass: HomeAssistant,
    mock_psa: MockPSA,
    mock_config_entry: MockConfigEntry,
    remote: Remote,
    reason: str,
) -> None:
    await setup_car(hass, mock_psa, mock_config_entry)
    remote.commander.error = PSACommandError(reason, "113", "detail")
    with pytest.raises(HomeAssistantError) as caught:
        await act(hass, "button", "press", "lights")
    assert caught.value.translation_key == f"command_{reason}"
    placeholders = caught.value.translation_placeholders or {}
    assert str(caught.value) == english(f"command_{reason}", **placeholders)
    # Busy: another command of the car is pending, and the sensor keeps showing that one.
    expected = "unknown" if reason == "busy" else reason
    assert state(hass, "sensor", "last_command") == expected
    assert reason in OUTCOMES


async def test_unknown_reason_reads_as_failed(
    hass: HomeAssistant, mock_psa: MockPSA, mock_config_entry: MockConfigEntry, remote: Remote
) -> None:
    await setup_car(hass, mock_psa, mock_config_entry)
    remote.commander.error = PSACommandError("something_new", "777")
    with pytest.raises(HomeAssistantError) as caught:
        await act(hass, "button", "press", "horn")
    assert caught.value.translation_key == "command_failed"
    assert str(caught.value) == english("command_failed", code="777")
    assert state(hass, "sensor", "last_command") == "failed"


async def test_not_supported_is_persisted_and_the_entity_unavailable(
    hass: HomeAssistant, mock_psa: MockPSA, mock_config_entry: MockConfigEntry, remote: Remote
) -> None:
    await setup_car(hass, mock_psa, mock_config_entry)
    remote.commander.error = PSACommandError("not_supported", "400")
    with pytest.raises(HomeAssistantError) as caught:
        await act(hass, "lock", "lock", "doors")
    assert str(caught.value) == english("command_not_supported")
    assert remote.store.saves == [{VIN_1: {"lock"}}]
    assert state(hass, "lock", "doors") == STATE_UNAVAILABLE
    assert state(hass, "button", "horn") != STATE_UNAVAILABLE
    # After a restart the refusal still holds, the other commands are there.
    assert await hass.config_entries.async_reload(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert len(remote.managers) == 2
    assert not remote.manager.supported(VIN_1, "lock")
    assert state(hass, "lock", "doors") == STATE_UNAVAILABLE
    assert state(hass, "switch", "charging") == "off"


async def test_rate_limit_names_the_wait(
    hass: HomeAssistant, mock_psa: MockPSA, mock_config_entry: MockConfigEntry, remote: Remote
) -> None:
    await setup_car(hass, mock_psa, mock_config_entry)
    remote.commander.error = PSARateLimitError("wake-up budget", retry_after=118.6)
    with pytest.raises(HomeAssistantError) as caught:
        await act(hass, "button", "press", "wake_up")
    assert caught.value.translation_key == "command_rate_limited"
    assert str(caught.value) == english("command_rate_limited", seconds="119")
    assert state(hass, "sensor", "last_command") == "rate_limited"


async def test_unreachable_token_servers(
    hass: HomeAssistant, mock_psa: MockPSA, mock_config_entry: MockConfigEntry, remote: Remote
) -> None:
    await setup_car(hass, mock_psa, mock_config_entry)
    remote.commander.error = PSAConnectionError("HTTP 503")
    with pytest.raises(HomeAssistantError) as caught:
        await act(hass, "button", "press", "wake_up")
    assert str(caught.value) == english("command_unreachable", error="HTTP 503")


async def test_lost_pairing_raises_the_repair_issue_and_reconnecting_clears_it(
    hass: HomeAssistant,
    mock_psa: MockPSA,
    mock_config_entry: MockConfigEntry,
    remote: Remote,
    issue_registry: ir.IssueRegistry,
) -> None:
    await setup_car(hass, mock_psa, mock_config_entry)
    remote.commander.error = PSARemoteAuthError("refresh token refused")
    with pytest.raises(HomeAssistantError) as caught:
        await act(hass, "button", "press", "horn")
    assert str(caught.value) == english("remote_auth_failed")
    issue = issue_registry.async_get_issue(DOMAIN, ISSUE_ID)
    assert issue is not None
    assert issue.translation_key == "remote_auth"
    assert not issue.is_fixable
    assert issue.translation_placeholders == {"title": mock_config_entry.title}
    assert state(hass, "sensor", "last_command") == "auth_failed"
    # Not a reauth of the account: its own login is fine.
    assert not hass.config_entries.flow.async_progress()
    # Paired again (or the token works again): the broker lets us in, the issue goes.
    remote.manager.handle_connection(True)
    assert issue_registry.async_get_issue(DOMAIN, ISSUE_ID) is None


async def test_background_token_failure_raises_the_repair_issue(
    hass: HomeAssistant,
    mock_psa: MockPSA,
    mock_config_entry: MockConfigEntry,
    remote: Remote,
    issue_registry: ir.IssueRegistry,
) -> None:
    """The connection's token refresh fails on its own: the same issue, and no reauth."""
    await setup_car(hass, mock_psa, mock_config_entry)
    assert await remote.manager.async_get_token() == "mqtt-access"
    remote.tokens.error = PSARemoteAuthError("OTP refused")
    with pytest.raises(PSARemoteAuthError):
        await remote.manager.async_force_refresh()
    assert issue_registry.async_get_issue(DOMAIN, ISSUE_ID) is not None
    assert not hass.config_entries.flow.async_progress()
    assert mock_config_entry.state is ConfigEntryState.LOADED


async def test_unavailable_while_disconnected(
    hass: HomeAssistant, mock_psa: MockPSA, mock_config_entry: MockConfigEntry, remote: Remote
) -> None:
    await setup_car(hass, mock_psa, mock_config_entry)
    remote.connection.connected = False
    remote.manager.handle_connection(False)
    await hass.async_block_till_done()
    for domain, keys in ALL_REMOTE.items():
        for key in keys:
            assert state(hass, domain, key) == STATE_UNAVAILABLE, key
    # The diagnostic sensor stays: it tells why a command did not go.
    assert state(hass, "sensor", "last_command") != STATE_UNAVAILABLE
    with pytest.raises(HomeAssistantError) as caught:
        await remote.manager.async_command(VIN_1, "horn")
    assert caught.value.translation_key == "command_not_connected"
    assert remote.commander.calls == []
    remote.connection.connected = True
    remote.manager.handle_connection(True)
    await hass.async_block_till_done()
    assert state(hass, "lock", "doors") == "unlocked"


async def test_messages_go_to_the_commander_and_unload_stops(
    hass: HomeAssistant, mock_psa: MockPSA, mock_config_entry: MockConfigEntry, remote: Remote
) -> None:
    await setup_car(hass, mock_psa, mock_config_entry)
    remote.manager.handle_message("psa/RemoteServices/to/cid/x/Doors", {"return_code": "0"})
    assert remote.commander.messages == [
        ("psa/RemoteServices/to/cid/x/Doors", {"return_code": "0"})
    ]
    assert await hass.config_entries.async_unload(mock_config_entry.entry_id)
    assert remote.connection.stopped == 1


# --- the preconditioning programs service ------------------------------------------------------


async def call_set_program(hass: HomeAssistant, **data: Any) -> None:
    device = get_device(hass, VIN_1)
    assert device is not None
    await hass.services.async_call(
        DOMAIN,
        "set_preconditioning_program",
        {"device_id": device.id, **data},
        blocking=True,
    )


async def test_set_program_keeps_the_untouched_slots(
    hass: HomeAssistant, mock_psa: MockPSA, mock_config_entry: MockConfigEntry, remote: Remote
) -> None:
    await setup_car(hass, mock_psa, mock_config_entry)
    await call_set_program(hass, slot=2, enabled=True, time="06:50:00", days=["mon", "wed"])
    [(command, vin, params)] = remote.commander.calls
    assert (command, vin, params["on"]) == ("precondition", VIN_1, False)
    programs = params["programs"]
    assert [program.slot for program in programs] == [1, 2, 3, 4]
    assert programs[0] == PROGRAMS[0]
    assert programs[2:] == PROGRAMS[2:]
    assert programs[1] == PreconditioningProgram(
        slot=2,
        enabled=True,
        hour=6,
        minute=50,
        days=(True, False, True, False, False, False, False),
    )


async def test_set_program_changes_only_what_is_given(
    hass: HomeAssistant, mock_psa: MockPSA, mock_config_entry: MockConfigEntry, remote: Remote
) -> None:
    """Only ``enabled``: the slot keeps its time and days; a running one keeps running."""
    two = (PROGRAMS[0],)  # the car listed one slot: the others are unset ones
    status = car_status(precond=preconditioning("Enabled", programs=two))
    await setup_car(hass, mock_psa, mock_config_entry, status)
    await call_set_program(hass, slot=1, enabled=False)
    [(_, _, params)] = remote.commander.calls
    assert params["on"] is True
    assert params["programs"][0] == replace(PROGRAMS[0], enabled=False)
    # The slots the car did not list are left to the command, which sends them as unset.
    assert [program.slot for program in params["programs"]] == [1]


async def test_set_program_refuses_unknown_programs(
    hass: HomeAssistant, mock_psa: MockPSA, mock_config_entry: MockConfigEntry, remote: Remote
) -> None:
    """No preconditioning block yet: sending four placeholders could erase saved programs."""
    await setup_car(hass, mock_psa, mock_config_entry, replace(car_status(), preconditioning=None))
    with pytest.raises(ServiceValidationError) as caught:
        await call_set_program(hass, slot=1, enabled=True)
    assert caught.value.translation_key == "programs_unknown"
    assert str(caught.value) == english("programs_unknown")
    assert remote.commander.calls == []


async def test_set_program_needs_a_pairing(
    hass: HomeAssistant, mock_psa: MockPSA, mock_config_entry: MockConfigEntry, unpaired: Remote
) -> None:
    await setup_car(hass, mock_psa, mock_config_entry)
    with pytest.raises(ServiceValidationError) as caught:
        await call_set_program(hass, slot=1, enabled=True)
    assert caught.value.translation_key == "not_paired"
    assert str(caught.value) == english("not_paired")


async def test_set_program_command_errors_are_translated(
    hass: HomeAssistant, mock_psa: MockPSA, mock_config_entry: MockConfigEntry, remote: Remote
) -> None:
    await setup_car(hass, mock_psa, mock_config_entry)
    remote.commander.error = PSACommandError("timeout")
    with pytest.raises(HomeAssistantError) as caught:
        await call_set_program(hass, slot=3, enabled=False)
    assert caught.value.translation_key == "command_timeout"


async def test_set_program_rejects_a_foreign_device(
    hass: HomeAssistant, mock_psa: MockPSA, mock_config_entry: MockConfigEntry, remote: Remote
) -> None:
    await setup_car(hass, mock_psa, mock_config_entry)
    with pytest.raises(ServiceValidationError) as caught:
        await hass.services.async_call(
            DOMAIN,
            "set_preconditioning_program",
            {"device_id": "no-such-device", "slot": 1, "enabled": True},
            blocking=True,
        )
    assert caught.value.translation_key == "not_a_vehicle"


@pytest.mark.parametrize("slot", [0, 5])
async def test_set_program_slot_range(
    hass: HomeAssistant,
    mock_psa: MockPSA,
    mock_config_entry: MockConfigEntry,
    remote: Remote,
    slot: int,
) -> None:
    await setup_car(hass, mock_psa, mock_config_entry)
    with pytest.raises(Exception, match="slot"):
        await call_set_program(hass, slot=slot, enabled=True)
    assert remote.commander.calls == []


def test_every_outcome_has_a_text() -> None:
    texts = json.loads((TRANSLATIONS / "en.json").read_text(encoding="utf-8"))
    assert set(texts["entity"]["sensor"]["last_command"]["state"]) == set(OUTCOMES)
    for reason in COMMAND_REASONS:
        assert f"command_{reason}" in texts["exceptions"]


async def test_a_second_command_while_one_is_pending_is_busy(
    hass: HomeAssistant, mock_psa: MockPSA, mock_config_entry: MockConfigEntry, remote: Remote
) -> None:
    """The charging switch and the start time share a command: the second is not sent."""
    await setup_car(hass, mock_psa, mock_config_entry)
    remote.commander.gate = asyncio.Event()
    task = hass.async_create_task(act(hass, "switch", "turn_on", "charging"))
    await until(lambda: bool(remote.commander.calls))
    with pytest.raises(HomeAssistantError) as caught:
        await act(hass, "time", "set_value", "charge_start_time", time="05:00:00")
    assert caught.value.translation_key == "command_busy"
    assert len(remote.commander.calls) == 1
    # The time shows the car's value again; the switch and the sensor the pending command.
    assert state(hass, "time", "charge_start_time") == "22:30:00"
    assert state(hass, "switch", "charging") == "on"
    sensor = states_by_key(hass, VIN_1, "sensor")["last_command"]
    assert (sensor.state, sensor.attributes["command"]) == ("pending", "charge")
    remote.commander.gate.set()
    await task
    assert state(hass, "sensor", "last_command") == "done"


async def test_busy_from_the_commander_keeps_the_pending_record(
    hass: HomeAssistant, mock_psa: MockPSA, mock_config_entry: MockConfigEntry, remote: Remote
) -> None:
    """Another command of this car is pending in the commander (one at a time per car)."""
    await setup_car(hass, mock_psa, mock_config_entry)
    await act(hass, "button", "press", "horn")
    remote.commander.error = PSACommandError("busy")
    with pytest.raises(HomeAssistantError):
        await act(hass, "button", "press", "lights")
    sensor = states_by_key(hass, VIN_1, "sensor")["last_command"]
    assert (sensor.state, sensor.attributes["command"]) == ("done", "horn")


async def test_a_refused_command_is_not_sent_again(
    hass: HomeAssistant, mock_psa: MockPSA, mock_config_entry: MockConfigEntry, remote: Remote
) -> None:
    """The service path has no entity availability to stop it: the manager does."""
    remote.store.unsupported = {VIN_1: {"precondition"}}
    await setup_car(hass, mock_psa, mock_config_entry)
    assert state(hass, "switch", "preconditioning") == STATE_UNAVAILABLE
    with pytest.raises(HomeAssistantError) as caught:
        await call_set_program(hass, slot=1, enabled=True)
    assert caught.value.translation_key == "command_not_supported"
    assert remote.commander.calls == []


# --- the wiring of the library's pieces ---------------------------------------------------------

LIBRARY = "custom_components.psa_connected_car.api.remote"


class Recorded:
    """A stand-in for one library class: it keeps the arguments it was built with."""

    built: dict[str, Recorded]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.args = args
        self.kwargs = kwargs
        self.built[type(self).__name__] = self
        self.started = False

    @property
    def connected(self) -> bool:
        return True

    async def start(self) -> None:
        self.started = True

    async def stop(self) -> None:
        self.started = False


def fake_library(monkeypatch: pytest.MonkeyPatch) -> dict[str, Recorded]:
    """The library's classes, as remote.py names them, replaced by recorders."""
    built: dict[str, Recorded] = {}
    for class_name in (
        "PSARemoteApi",
        "InWeboClient",
        "RemoteTokenManager",
        "RemoteConnection",
        "RemoteCommander",
    ):
        fake = type(class_name, (Recorded,), {"built": built})
        monkeypatch.setattr(remote_module, class_name, fake)
    return built


async def test_the_library_pieces_are_wired(
    hass: HomeAssistant,
    mock_psa: MockPSA,
    mock_config_entry: MockConfigEntry,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Hosts from the endpoints, a verifying TLS context with the CA file, the callbacks."""
    built = fake_library(monkeypatch)
    monkeypatch.setenv("PSA_SIMULATOR_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("PSA_SIMULATOR_MQTT", "127.0.0.1:18885")
    monkeypatch.setenv("PSA_SIMULATOR_CA_FILE", certifi.where())
    store = FakeStore(paired=True)
    with patch.object(remote_module, "create_store", return_value=store):
        await setup_car(hass, mock_psa, mock_config_entry)
    manager = mock_config_entry.runtime_data.remote
    assert manager is not None
    api, inwebo = built["PSARemoteApi"], built["InWeboClient"]
    assert api.args[1] is mock_config_entry.runtime_data.auth
    assert api.kwargs == {"base_url": "http://127.0.0.1:9", "locale": "en-FR"}
    assert inwebo.kwargs == {"url": "http://127.0.0.1:9/iwws/MAC"}
    tokens = built["RemoteTokenManager"]
    assert tokens.args[:2] == (api, inwebo)
    assert tokens.args[2] == manager.pairing.otp
    assert tokens.kwargs["on_otp_update"] == store.async_save_otp
    assert tokens.kwargs["on_token_update"] == store.async_save_token
    connection = built["RemoteConnection"]
    kwargs = connection.kwargs
    assert (kwargs["host"], kwargs["port"]) == ("127.0.0.1", 18885)
    assert kwargs["customer_id"] == "AP-ACNT200000000042"
    assert kwargs["vins"] == [VIN_1]
    context = kwargs["ssl_context"]
    assert context.verify_mode is ssl.CERT_REQUIRED
    assert context.check_hostname
    assert kwargs["get_token"] == manager.async_get_token
    assert kwargs["force_refresh"] == manager.async_force_refresh
    assert kwargs["on_message"] == manager.handle_message
    assert kwargs["on_connection"] == manager.handle_connection
    commander = built["RemoteCommander"]
    assert commander.args == (connection, tokens, "AP-ACNT200000000042")
    assert commander.kwargs == {"on_progress": manager.handle_progress}
    assert connection.started
    assert manager.connected
    assert await hass.config_entries.async_unload(mock_config_entry.entry_id)
    assert not connection.started


async def test_an_unreadable_ca_file_leaves_the_rest_working(
    hass: HomeAssistant,
    mock_psa: MockPSA,
    mock_config_entry: MockConfigEntry,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    built = fake_library(monkeypatch)
    monkeypatch.setenv("PSA_SIMULATOR_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("PSA_SIMULATOR_CA_FILE", str(tmp_path / "missing.pem"))
    with patch.object(remote_module, "create_store", return_value=FakeStore(paired=True)):
        await setup_car(hass, mock_psa, mock_config_entry)
    assert mock_config_entry.state is ConfigEntryState.LOADED
    assert mock_config_entry.runtime_data.remote is None
    assert built == {}
    assert states_by_key(hass, VIN_1, "lock") == {}
    assert "Remote commands not started" in caplog.text


# --- the whole chain against the simulator -------------------------------------------------------

BEV = "VR3SIMULATEDBEV01"


async def test_commands_against_the_simulator(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    simulator: SimulatorHandle,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Paired over the simulator's SMS and inWebo server, its broker and cars answer; the car's
    own status, fetched after each final answer, confirms every command. No secret of the
    pairing reaches the log or the diagnostics."""
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("PSA_SIMULATOR_URL", simulator.url)
    monkeypatch.setenv("PSA_SIMULATOR_MQTT", f"127.0.0.1:{simulator.mqtt_port}")
    monkeypatch.setenv("PSA_SIMULATOR_CA_FILE", str(simulator.ca_file))
    entry = await add_with_password(hass, simulator)
    # Paired as the options flow does it: the SMS code (read from the simulator) and the PIN.
    session = async_get_clientsession(hass)
    api = PSARemoteApi(session, entry.runtime_data.auth, base_url=simulator.url)
    inwebo = InWeboClient(session, url=f"{simulator.url}/iwws/MAC")
    await api.request_sms_code()
    async with aiohttp.ClientSession() as plain:
        sms = await SimulatorControl(plain, simulator.url).last_sms()
    pin = simulator.state.account.pin
    paired = await async_pair(api, inwebo, sms["code"], pin, "trial-device-01")
    await RemoteStore(hass, entry.entry_id).async_save_pairing(*paired)
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    remote = entry.runtime_data.remote
    assert remote is not None
    connected = asyncio.Event()
    remote.async_add_listener(lambda: connected.set() if remote.connected else None)
    if not remote.connected:
        await asyncio.wait_for(connected.wait(), 30)
    await hass.async_block_till_done()

    def status() -> VehicleStatus:
        found = entry.runtime_data.data[BEV].status
        assert found is not None
        return found

    async def settle() -> None:
        # A status request within 10 s of the previous one waits out the debouncer.
        await hass.async_block_till_done()
        async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=11))
        await hass.async_block_till_done()

    async def call(domain: str, service: str, key: str, **data: Any) -> None:
        target = states_by_key(hass, BEV, domain)[key].entity_id
        await hass.services.async_call(
            domain, service, {ATTR_ENTITY_ID: target, **data}, blocking=True
        )
        await settle()

    # The broker restarts (the real one does, or drops us): the connection comes back alone.
    connected.clear()
    await simulator.restart_broker()
    await asyncio.wait_for(connected.wait(), 30)
    await call("lock", "lock", "doors")
    assert status().doors is not None
    assert status().doors.locked is True
    assert states_by_key(hass, BEV, "lock")["doors"].state == "locked"
    await call("lock", "unlock", "doors")
    assert status().doors is not None
    assert status().doors.locked is False
    await call("switch", "turn_off", "charging")
    assert states_by_key(hass, BEV, "switch")["charging"].state == "off"
    await call("time", "set_value", "charge_start_time", time="01:30:00")
    assert status().electric is not None
    assert status().electric.charging is not None
    assert status().electric.charging.next_delayed_time == timedelta(hours=1, minutes=30)
    await call("switch", "turn_on", "preconditioning")
    assert status().preconditioning is not None
    assert status().preconditioning.status == "Enabled"
    # The programs action: slot 2 changes, the others come back as they were.
    before = current_programs(entry.runtime_data.data[BEV])
    device = get_device(hass, BEV)
    assert before is not None
    assert device is not None
    await hass.services.async_call(
        DOMAIN,
        "set_preconditioning_program",
        {"device_id": device.id, "slot": 2, "enabled": True, "time": "18:15:00", "days": ["sat"]},
        blocking=True,
    )
    await settle()
    after = current_programs(entry.runtime_data.data[BEV])
    assert after is not None
    assert after[0] == before[0]
    assert after[2:] == before[2:]
    assert (after[1].enabled, after[1].hour, after[1].minute) == (True, 18, 15)
    assert after[1].days == (False,) * 5 + (True, False)
    assert states_by_key(hass, BEV, "sensor")["last_command"].state == "done"

    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    assert diagnostics["remote"]["connected"] is True
    assert diagnostics["remote"]["vehicles"][0]["vin"] == "**REDACTED**"
    stored = await RemoteStore(hass, entry.entry_id).async_load()
    assert stored is not None
    assert stored.token is not None
    otp_state = stored.otp
    secrets = {
        "PIN": pin,
        "SMS code": sms["code"],
        "K0": otp_state.k0,
        "K1": otp_state.k1,
        "secval": otp_state.secval,
        "MQTT access token": stored.token.access_token,
        "MQTT refresh token": str(stored.token.refresh_token),
    }
    # Every log line but the test harness's (its mock storage prints what is saved) and the
    # simulator's (its broker, and the simulated phone's SMS line, are the other side).
    others = ("pytest_homeassistant_custom_component", "psa_simulator", "amqtt", "transitions")
    others += ("aiohttp.access",)  # the in-process simulator server's access log
    lines = [record.getMessage() for record in caplog.records if not record.name.startswith(others)]
    seen = "\n".join(lines) + json.dumps(diagnostics, default=str)
    for name, value in secrets.items():
        assert len(value) >= 4, name
        assert value not in seen, f"the {name} leaked"
    assert await hass.config_entries.async_unload(entry.entry_id)
