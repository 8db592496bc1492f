"""A real Home Assistant process with the integration installed as a user has it, driven through
its HTTP API against the simulator: onboarding, config flow, entities, options, reconfigure,
removal; its log must stay free of tracebacks and of Home Assistant's reports of coming breaks.

Runs twice: with the password grant (the historical world) and with the authorization code only
(the real servers since January 2024: the user signs in on the brand's page and pastes the
redirect address).
"""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import aiohttp
import pytest

from psa_simulator import BEV_VIN
from psa_simulator.const import DEMO_PIN

from .harness import (
    DEMO,
    DOMAIN,
    HassProcess,
    Processes,
    SimulatorProcess,
    create_owner,
    get_json,
    send_json,
    start_hass,
    start_simulator,
    wait_for,
    wait_running,
    websocket_command,
)

pytestmark = pytest.mark.e2e


class FormParser(HTMLParser):
    """The login form of the simulator's authorize page: action and input values."""

    def __init__(self) -> None:
        super().__init__()
        self.action = ""
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {key: value or "" for key, value in attrs}
        if tag == "form":
            self.action = values.get("action", "")
        elif tag == "input" and values.get("name"):
            self.fields[values["name"]] = values.get("value", "")


async def sign_in_on_authorize_page(session: aiohttp.ClientSession, authorize_url: str) -> str:
    """What the user does in a browser; returns the redirect address the browser cannot open."""
    async with session.get(authorize_url) as response:
        assert response.status == 200, await response.text()
        form = FormParser()
        form.feed(await response.text())
    assert form.action, "no login form on the authorize page"
    fields = {**form.fields, "username": DEMO["username"], "password": DEMO["password"]}
    async with session.post(
        urljoin(authorize_url, form.action), data=fields, allow_redirects=False
    ) as response:
        assert response.status == 302, await response.text()
        location = response.headers["Location"]
    assert location.startswith("mymap://oauth2redirect/fr?")
    assert parse_qs(urlsplit(location).query)["code"]
    return location


async def freeze_vehicles(simulator: SimulatorProcess) -> dict[str, dict[str, Any]]:
    """Serve each vehicle's current status verbatim from now on, so values can be compared."""
    statuses = {}
    for vehicle in await simulator.control.vehicles():
        vin = vehicle["vin"]
        status = await simulator.control.status(vin)
        await simulator.control.set_status(vin, status)
        statuses[vin] = status
    assert len(statuses) == 3, "the demo account has three cars"
    return statuses


async def run_config_flow(
    session: aiohttp.ClientSession, hass: HassProcess, *, code_only: bool
) -> dict[str, Any]:
    flows = f"{hass.url}/api/config/config_entries/flow"
    result = await send_json(session, "POST", flows, {"handler": DOMAIN}, headers=hass.headers)
    assert result["type"] == "form", result
    assert result["step_id"] == "user"
    flow = f"{flows}/{result['flow_id']}"
    result = await send_json(session, "POST", flow, {"brand": DEMO["brand"]}, headers=hass.headers)
    assert result["step_id"] == "credentials", result
    credentials = {
        key: DEMO[key] for key in ("country", "username", "password", "client_id", "client_secret")
    }
    result = await send_json(session, "POST", flow, credentials, headers=hass.headers)
    if code_only:
        # The simulator refuses the password grant like the real servers: the code step follows,
        # in its variant that says why.
        assert result["type"] == "form", result
        assert result["step_id"] == "authorization_code_password_refused", result
        authorize_url = result["description_placeholders"]["authorize_url"]
        redirect = await sign_in_on_authorize_page(session, authorize_url)
        result = await send_json(session, "POST", flow, {"code": redirect}, headers=hass.headers)
    assert result["type"] == "create_entry", result
    created: dict[str, Any] = result
    return created


def number(state: dict[str, Any]) -> float:
    return float(state["state"])


def energy(status: dict[str, Any], kind: str) -> dict[str, Any]:
    return next(item for item in status["energies"] if item["type"] == kind)


async def check_entities(
    session: aiohttp.ClientSession,
    hass: HassProcess,
    entry_id: str,
    statuses: dict[str, dict[str, Any]],
) -> None:
    """Each simulated car is a device whose entities show the simulator's values."""
    registry: list[dict[str, Any]] = []

    async def entities_created() -> bool:
        entries = await get_json(
            session, f"{hass.url}/api/config/config_entries/entry", headers=hass.headers
        )
        state = next(entry["state"] for entry in entries if entry["entry_id"] == entry_id)
        assert state not in {"setup_error", "migration_error"}, f"entry {state}"
        registry[:] = [
            entity
            for entity in await websocket_command(
                session, hass, {"type": "config/entity_registry/list"}
            )
            if entity["config_entry_id"] == entry_id
        ]
        return all(
            any(entity["unique_id"] == f"{vin}_odometer" for entity in registry) for vin in statuses
        )

    await wait_for("the vehicles' entities", entities_created, hass.process, seconds=60)
    by_unique_id = {entity["unique_id"]: entity["entity_id"] for entity in registry}
    states: dict[str, dict[str, Any]] = {
        state["entity_id"]: state
        for state in await get_json(session, f"{hass.url}/api/states", headers=hass.headers)
    }

    def state_of(vin: str, key: str) -> dict[str, Any]:
        return states[by_unique_id[f"{vin}_{key}"]]

    devices = await websocket_command(session, hass, {"type": "config/device_registry/list"})
    identifiers = {tuple(identifier) for device in devices for identifier in device["identifiers"]}
    for vin, status in statuses.items():
        assert (DOMAIN, vin) in identifiers
        assert number(state_of(vin, "odometer")) == pytest.approx(
            status["odometer"]["mileage"], abs=0.5
        )
        motorization = {item["type"] for item in status["energies"] if "level" in item}
        if "Electric" in motorization:
            assert number(state_of(vin, "battery_level")) == pytest.approx(
                energy(status, "Electric")["level"]
            )
        if "Fuel" in motorization:
            assert number(state_of(vin, "fuel_level")) == pytest.approx(
                energy(status, "Fuel")["level"]
            )
        tracker = state_of(vin, "location")["attributes"]
        longitude, latitude = status["lastPosition"]["geometry"]["coordinates"][:2]
        assert tracker["latitude"] == pytest.approx(latitude, abs=1e-4)
        assert tracker["longitude"] == pytest.approx(longitude, abs=1e-4)


async def change_options(session: aiohttp.ClientSession, hass: HassProcess, entry_id: str) -> None:
    """The options dialog: new intervals are saved and the entry comes back loaded."""
    flows = f"{hass.url}/api/config/config_entries/options/flow"
    result = await send_json(session, "POST", flows, {"handler": entry_id}, headers=hass.headers)
    assert result["type"] == "menu", result
    assert result["step_id"] == "init", result
    result = await send_json(
        session,
        "POST",
        f"{flows}/{result['flow_id']}",
        {"next_step_id": "polling"},
        headers=hass.headers,
    )
    assert result["step_id"] == "polling", result
    options = {"active_interval": 120, "parked_interval": 900}
    result = await send_json(
        session, "POST", f"{flows}/{result['flow_id']}", options, headers=hass.headers
    )
    assert result["type"] == "create_entry", result
    await wait_loaded(session, hass, entry_id)


async def reconfigure(
    session: aiohttp.ClientSession, hass: HassProcess, entry_id: str, *, code_only: bool
) -> None:
    """The reconfigure dialog, as the frontend starts it: the entry reloads with the change."""
    flows = f"{hass.url}/api/config/config_entries/flow"
    result = await send_json(
        session, "POST", flows, {"handler": DOMAIN, "entry_id": entry_id}, headers=hass.headers
    )
    assert result["step_id"] == "reconfigure", result
    # The frontend gets no secret to pre-fill: the secret and password fields come empty.
    fields = {field["name"]: field for field in result["data_schema"]}
    assert fields["client_id"]["description"]["suggested_value"] == DEMO["client_id"]
    for secret in ("client_secret", "password"):
        assert "suggested_value" not in (fields[secret].get("description") or {}), fields[secret]
        assert fields[secret]["optional"], fields[secret]
    assert DEMO["client_secret"] not in str(result)  # (the demo password, "demo", is everywhere)
    flow = f"{flows}/{result['flow_id']}"
    # Left empty, as a user who only changes the country: the stored secret (and password,
    # with the password grant) are kept.
    app = {key: DEMO[key] for key in ("country", "client_id")}
    result = await send_json(session, "POST", flow, app, headers=hass.headers)
    if code_only:
        assert result["step_id"] == "authorization_code", result
        redirect = await sign_in_on_authorize_page(
            session, result["description_placeholders"]["authorize_url"]
        )
        result = await send_json(session, "POST", flow, {"code": redirect}, headers=hass.headers)
    assert result["type"] == "abort", result
    assert result["reason"] == "reconfigure_successful", result
    await wait_loaded(session, hass, entry_id)


async def wait_loaded(session: aiohttp.ClientSession, hass: HassProcess, entry_id: str) -> None:
    async def loaded() -> bool:
        entries = await get_json(
            session, f"{hass.url}/api/config/config_entries/entry", headers=hass.headers
        )
        return any(e["entry_id"] == entry_id and e["state"] == "loaded" for e in entries)

    await wait_for("the entry to be loaded", loaded, hass.process, seconds=60)


async def entity_ids(
    session: aiohttp.ClientSession, hass: HassProcess, entry_id: str, unique_ids: list[str]
) -> dict[str, str]:
    """Unique id -> entity id, once every one of ``unique_ids`` exists."""
    found: dict[str, str] = {}

    async def created() -> bool:
        registry = await websocket_command(session, hass, {"type": "config/entity_registry/list"})
        found.update(
            {
                entity["unique_id"]: entity["entity_id"]
                for entity in registry
                if entity["config_entry_id"] == entry_id
            }
        )
        return all(unique_id in found for unique_id in unique_ids)

    await wait_for("the remote entities", created, hass.process, seconds=60)
    return found


async def pair_remote_commands(
    session: aiohttp.ClientSession, hass: HassProcess, simulator: SimulatorProcess, entry_id: str
) -> None:
    """Options > Remote commands: the SMS is sent, its code and the app PIN pair the account."""
    flows = f"{hass.url}/api/config/config_entries/options/flow"
    result = await send_json(session, "POST", flows, {"handler": entry_id}, headers=hass.headers)
    flow = f"{flows}/{result['flow_id']}"
    result = await send_json(
        session, "POST", flow, {"next_step_id": "remote"}, headers=hass.headers
    )
    assert result["step_id"] == "remote", result
    result = await send_json(session, "POST", flow, {}, headers=hass.headers)
    assert result["step_id"] == "remote_sms", result
    sms = await simulator.control.last_sms()
    pairing = {"sms_code": sms["code"], "pin": DEMO_PIN}
    result = await send_json(session, "POST", flow, pairing, headers=hass.headers)
    assert result["type"] == "abort", result
    assert result["reason"] == "remote_paired", result
    assert DEMO_PIN not in str(result)
    assert sms["code"] not in str(result)


async def call_service(
    session: aiohttp.ClientSession, hass: HassProcess, service: str, entity_id: str
) -> None:
    """A service call as a dashboard button makes it (it returns once the car answered)."""
    domain, name = service.split(".")
    await send_json(
        session,
        "POST",
        f"{hass.url}/api/services/{domain}/{name}",
        {"entity_id": entity_id},
        headers=hass.headers,
    )


async def wait_state(
    session: aiohttp.ClientSession, hass: HassProcess, entity_id: str, expected: str
) -> None:
    """Until the entity shows ``expected`` (``available``: anything but unavailable)."""

    async def reached() -> bool:
        state = await get_json(session, f"{hass.url}/api/states/{entity_id}", headers=hass.headers)
        if expected == "available":
            return bool(state["state"] != "unavailable")
        return bool(state["state"] == expected)

    await wait_for(f"{entity_id} to be {expected}", reached, hass.process, seconds=30)


async def command_the_car(
    session: aiohttp.ClientSession, hass: HassProcess, simulator: SimulatorProcess, entry_id: str
) -> None:
    """Unlock, lock, start and stop charging and preconditioning: each reaches the car, each
    entity follows what the car then reports."""
    status = await simulator.control.status(BEV_VIN)
    # Plugged in, not charging: in both the legacy `energy` list and the newer `energies`.
    blocks = [item.get("charging") for item in status.get("energy", [])]
    blocks += [
        item.get("extension", {}).get("electric", {}).get("charging")
        for item in status.get("energies", [])
    ]
    for charging in blocks:
        if isinstance(charging, dict):
            charging.update(plugged=True, status="Stopped")
    await simulator.control.set_status(BEV_VIN, status)
    keys = ("doors", "charging", "preconditioning")
    ids = await entity_ids(session, hass, entry_id, [f"{BEV_VIN}_{key}" for key in keys])
    lock, charge, climate = (ids[f"{BEV_VIN}_{key}"] for key in keys)
    for entity_id in (lock, charge, climate):
        await wait_state(session, hass, entity_id, "available")  # connected to the broker
    steps = [
        ("lock.unlock", lock, "unlocked"),
        ("lock.lock", lock, "locked"),
        ("switch.turn_on", charge, "on"),
        ("switch.turn_off", charge, "off"),
        ("switch.turn_on", climate, "on"),
        ("switch.turn_off", climate, "off"),
    ]
    for service, entity_id, expected in steps:
        await call_service(session, hass, service, entity_id)
        await wait_state(session, hass, entity_id, expected)
    commands = await simulator.control.remote_commands(BEV_VIN)
    assert [command["code"] for command in commands] == ["0"] * len(steps), commands


async def remove_entry(
    session: aiohttp.ClientSession, hass: HassProcess, simulator: SimulatorProcess, entry_id: str
) -> None:
    """Deleting the entry revokes its refresh token at the identity server."""
    before = await simulator.control.state()
    assert before["live_refresh_tokens"] == 1
    await send_json(
        session,
        "DELETE",
        f"{hass.url}/api/config/config_entries/entry/{entry_id}",
        headers=hass.headers,
    )
    after = await simulator.control.state()
    assert after["live_refresh_tokens"] == 0
    stats = await simulator.control.stats()
    assert any("revoke" in path and count for path, count in stats["requests"].items()), stats
    entries = await get_json(
        session, f"{hass.url}/api/config/config_entries/entry", headers=hass.headers
    )
    assert all(entry["domain"] != DOMAIN for entry in entries)


@pytest.mark.parametrize("code_only", [False, True], ids=["password_grant", "code_only"])
async def test_real_hass(
    code_only: bool, processes: Processes, http: aiohttp.ClientSession, tmp_path: Path
) -> None:
    simulator = await start_simulator(
        processes, http, code_only=code_only, tls_dir=tmp_path / "tls"
    )
    statuses = await freeze_vehicles(simulator)
    hass = await start_hass(processes, http, tmp_path / "config", simulator)
    await create_owner(http, hass)
    await wait_running(http, hass)

    result = await run_config_flow(http, hass, code_only=code_only)
    entry = result["result"]
    assert entry["domain"] == DOMAIN
    assert entry["title"] == "Peugeot (demo@example.com)"
    assert entry["state"] in {"loaded", "not_loaded", "setup_in_progress"}

    await check_entities(http, hass, entry["entry_id"], statuses)
    await change_options(http, hass, entry["entry_id"])
    await reconfigure(http, hass, entry["entry_id"], code_only=code_only)
    await check_entities(http, hass, entry["entry_id"], statuses)
    await pair_remote_commands(http, hass, simulator, entry["entry_id"])
    await command_the_car(http, hass, simulator, entry["entry_id"])
    await remove_entry(http, hass, simulator, entry["entry_id"])
    for process in (hass.process, simulator.process):
        assert process.running(), f"{process.name} died:\n{process.log_tail()}"
    assert not hass.process.log_problems(), "\n".join(hass.process.log_problems())
