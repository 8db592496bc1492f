"""Real processes for the end-to-end tests: the simulator and Home Assistant, on loopback.

Each process runs in its own session (process group) and is stopped by its id when the test
ends, whatever the outcome. Logs go to artifacts/e2e/<test>/ (ignored by git, kept by CI).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
import contextlib
from dataclasses import dataclass, field
import json
import os
from pathlib import Path
import shutil
import signal
import subprocess
import sys
import time
from typing import Any

import aiohttp
from homeassistant.components.http import config as http_config

from psa_simulator.testing import SimulatorControl, free_port

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = "psa_connected_car"
ARTIFACTS = ROOT / "artifacts" / "e2e"
BIN = Path(sys.executable).parent
HASS = BIN / "hass"
# A test-only custom integration, copied into the e2e configuration only (never shipped).
STATISTICS_HELPER = "e2e_statistics"

# The simulator's demo account (docs/ARCHITECTURE.md).
DEMO = {
    "brand": "peugeot",
    "country": "FR",
    "username": "demo@example.com",
    "password": "demo",
    "client_id": "demo-client-id",
    "client_secret": "demo-client-secret",
}
OWNER = {"name": "Owner", "username": "owner", "password": "e2e-owner-password"}

# Onboarding steps marked done before the first start, so that creating the owner through the
# API finishes the onboarding (scripts/develop leaves "integration" to the UI's last page).
# Finishing the "core_config" step through the API would start the met, radio_browser,
# google_translate and shopping_list flows, which need the internet.
PRE_DONE_ONBOARDING = ["core_config", "analytics", "integration"]


@dataclass
class ManagedProcess:
    """A child process in its own process group, with its output in a log file."""

    name: str
    popen: subprocess.Popen[bytes]
    log_path: Path

    def running(self) -> bool:
        return self.popen.poll() is None

    def stop(self) -> None:
        if self.running():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout=20)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait(timeout=10)

    def log_problems(self) -> list[str]:
        """The log lines that fail a test: tracebacks, Home Assistant's announcements of coming
        breaks for a custom integration, and Python warnings that name our code."""
        text = self.log_path.read_text(encoding="utf-8", errors="replace")
        return [
            line
            for line in text.splitlines()
            if "Traceback" in line
            or "Detected that custom integration" in line
            or ("Warning" in line and f"custom_components/{DOMAIN}" in line)
        ]

    def log_tail(self, lines: int = 80) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


@dataclass
class Processes:
    """Everything a test started; `stop_all` is called at teardown."""

    log_dir: Path
    started: list[ManagedProcess] = field(default_factory=list)

    def start(
        self, name: str, args: list[str], env: dict[str, str] | None = None
    ) -> ManagedProcess:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log_path = self.log_dir / f"{name}.log"
        with log_path.open("wb") as log:
            popen = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
                args,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env={**os.environ, **(env or {})},
                cwd=ROOT,
                start_new_session=True,
            )
        process = ManagedProcess(name, popen, log_path)
        self.started.append(process)
        return process

    def stop_all(self) -> None:
        for process in reversed(self.started):
            process.stop()


async def wait_for(
    what: str,
    check: Callable[[], Awaitable[bool]],
    process: ManagedProcess,
    seconds: float,
) -> None:
    """Poll `check` until it is true; fail with the process's log if it dies or times out."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not process.running():
            raise AssertionError(
                f"{process.name} exited while waiting for {what}:\n{process.log_tail()}"
            )
        with contextlib.suppress(aiohttp.ClientError, OSError, asyncio.TimeoutError):
            if await check():
                return
        await asyncio.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}:\n{process.log_tail()}")


async def get_json(session: aiohttp.ClientSession, url: str, **kwargs: Any) -> Any:
    async with session.get(url, **kwargs) as response:
        assert response.status == 200, f"GET {url}: {response.status} {await response.text()}"
        return await response.json()


async def send_json(
    session: aiohttp.ClientSession, method: str, url: str, body: Any = None, **kwargs: Any
) -> Any:
    async with session.request(method, url, json=body, **kwargs) as response:
        text = await response.text()
        assert response.status == 200, f"{method} {url}: {response.status} {text}"
        return json.loads(text) if text else None


@dataclass
class SimulatorProcess:
    """The simulator in its own process, and its control API."""

    url: str
    process: ManagedProcess
    control: SimulatorControl
    mqtt_port: int
    ca_file: Path

    @property
    def hass_env(self) -> dict[str, str]:
        """What points Home Assistant at this simulator, its broker and the broker's CA."""
        return {
            "PSA_SIMULATOR_URL": self.url,
            "PSA_SIMULATOR_MQTT": f"127.0.0.1:{self.mqtt_port}",
            "PSA_SIMULATOR_CA_FILE": str(self.ca_file),
        }


async def start_simulator(
    processes: Processes,
    session: aiohttp.ClientSession,
    *,
    code_only: bool,
    tls_dir: Path,
) -> SimulatorProcess:
    port, mqtt_port = free_port(), free_port()
    args = [sys.executable, "-m", "psa_simulator", "--host", "127.0.0.1", "--port", str(port)]
    # Replies within a second, so commands in the e2e run do not wait the demo's 4 s.
    args += [
        "--mqtt-port",
        str(mqtt_port),
        "--tls-dir",
        str(tls_dir),
        "--reply-delays",
        "0.05,0.1,0.2,2",
    ]
    if code_only:
        args.append("--no-password-grant")
    process = processes.start("simulator", args)
    url = f"http://127.0.0.1:{port}"
    simulator = SimulatorProcess(
        url, process, SimulatorControl(session, url), mqtt_port, tls_dir / "ca.pem"
    )
    await wait_for("the simulator", simulator.control.responding, process, seconds=30)
    return simulator


def write_config(config_dir: Path, port: int, *, frontend: bool, energy: bool = False) -> None:
    """A small configuration: what the tests use, nothing that needs the internet.

    ``energy``: the recorder, the Energy dashboard's backend and the test-only service that
    compiles statistics now (`e2e_statistics`, see `install_statistics_helper`).
    """
    components = ["api:", "config:", "onboarding:"]
    if frontend:
        components += ["frontend:", "history:", "logbook:"]
    if energy:
        components += ["recorder:", "energy:", f"{STATISTICS_HELPER}:"]
    lines = [
        "homeassistant:",
        "  name: End-to-end",
        "  unit_system: metric",
        "  time_zone: Europe/Paris",
        "  country: FR",
        "  currency: EUR",
        "  latitude: 48.8566",
        "  longitude: 2.3522",
        "  elevation: 35",
        *components,
        "logger:",
        "  default: warning",
        "  logs:",
        f"    custom_components.{DOMAIN}: debug",
    ]
    config_dir.mkdir(parents=True, exist_ok=True)
    (config_dir / "configuration.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    storage = config_dir / ".storage"
    storage.mkdir(exist_ok=True)
    onboarding = {
        "version": 4,
        "minor_version": 1,
        "key": "onboarding",
        "data": {"done": PRE_DONE_ONBOARDING},
    }
    (storage / "onboarding").write_text(json.dumps(onboarding), encoding="utf-8")
    (storage / "http").write_text(json.dumps(http_store(port)), encoding="utf-8")


def http_store(port: int) -> dict[str, Any]:
    """Home Assistant's stored HTTP settings: loopback only, on `port`, confirmed.

    Since 2026.x an `http:` YAML section is migrated into storage as a *pending* trial that
    reverts (and restarts Home Assistant) unless confirmed in the UI within five minutes, so the
    settings go straight into storage as the confirmed ("stable") ones.
    """
    stable = http_config.HTTP_STORAGE_SCHEMA({"server_host": ["127.0.0.1"], "server_port": port})
    return {
        "version": http_config.STORAGE_VERSION,
        "minor_version": http_config.STORAGE_MINOR_VERSION,
        "key": http_config.STORAGE_KEY,
        "data": {
            "stable": {
                **stable,
                "created_at": "2026-01-01T00:00:00+00:00",
                "error": None,
                "error_message": None,
            },
            "pending": None,
            "yaml_migration_done": True,
        },
    }


def install_integration(config_dir: Path) -> None:
    """As a user has it after HACS: a copy of the integration folder in custom_components/."""
    target = config_dir / "custom_components" / DOMAIN
    shutil.copytree(
        ROOT / "custom_components" / DOMAIN,
        target,
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
    )


def install_statistics_helper(config_dir: Path) -> None:
    """The test-only `e2e_statistics` integration: compiles the recorder's statistics now.

    Its manifest is written here, not kept in the repository: the hassfest action validates
    every manifest.json of the checkout (tests/test_repo_validation.py).
    """
    target = config_dir / "custom_components" / STATISTICS_HELPER
    shutil.copytree(
        Path(__file__).parent / STATISTICS_HELPER,
        target,
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
    )
    manifest = {
        "domain": STATISTICS_HELPER,
        "name": "End-to-end statistics (test only)",
        "codeowners": [],
        "dependencies": ["recorder"],
        "documentation": "https://www.home-assistant.io/integrations/recorder",
        "iot_class": "calculated",
        "version": "0.0.1",
    }
    (target / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


@dataclass
class HassProcess:
    """A real Home Assistant process: its URL, configuration folder and owner's token."""

    url: str
    config_dir: Path
    process: ManagedProcess
    token: str = ""

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


async def start_hass(
    processes: Processes,
    session: aiohttp.ClientSession,
    config_dir: Path,
    simulator: SimulatorProcess,
    *,
    frontend: bool = False,
    energy: bool = False,
) -> HassProcess:
    port = free_port()
    write_config(config_dir, port, frontend=frontend, energy=energy)
    install_integration(config_dir)
    if energy:
        install_statistics_helper(config_dir)
    # --skip-pip: a test never installs packages; whatever Home Assistant lacks stays unloaded.
    process = processes.start(
        "hass",
        [str(HASS), "-c", str(config_dir), "--skip-pip", "--log-no-color"],
        env=simulator.hass_env,
    )
    hass = HassProcess(f"http://127.0.0.1:{port}", config_dir, process)

    async def serving() -> bool:
        async with session.get(f"{hass.url}/api/onboarding") as response:
            return response.status == 200

    await wait_for("Home Assistant's HTTP server", serving, process, seconds=90)
    return hass


async def create_owner(session: aiohttp.ClientSession, hass: HassProcess) -> None:
    """The onboarding's first step through its API, then a token like the frontend gets one."""
    client_id = f"{hass.url}/"
    created = await send_json(
        session,
        "POST",
        f"{hass.url}/api/onboarding/users",
        {**OWNER, "client_id": client_id, "language": "en"},
    )
    async with session.post(
        f"{hass.url}/auth/token",
        data={
            "grant_type": "authorization_code",
            "code": created["auth_code"],
            "client_id": client_id,
        },
    ) as response:
        assert response.status == 200, await response.text()
        hass.token = (await response.json())["access_token"]


async def wait_running(session: aiohttp.ClientSession, hass: HassProcess) -> None:
    async def running() -> bool:
        config = await get_json(session, f"{hass.url}/api/config", headers=hass.headers)
        return bool(config["state"] == "RUNNING")

    await wait_for("Home Assistant to be RUNNING", running, hass.process, seconds=90)


class WebsocketError(AssertionError):
    """Home Assistant answered a websocket command with an error."""


class HassWebsocket:
    """One authenticated connection to Home Assistant's websocket API, as the frontend has.

    ``async with HassWebsocket(session, hass) as ws: await ws.command("energy/validate")``;
    each command waits for its own result (events are not subscribed to, so none arrive).
    """

    def __init__(self, session: aiohttp.ClientSession, hass: HassProcess) -> None:
        self.session = session
        self.hass = hass
        self.ws: aiohttp.ClientWebSocketResponse | None = None
        self.last_id = 0

    async def __aenter__(self) -> HassWebsocket:
        self.ws = ws = await self.session.ws_connect(f"{self.hass.url}/api/websocket")
        try:
            assert (await ws.receive_json())["type"] == "auth_required"
            await ws.send_json({"type": "auth", "access_token": self.hass.token})
            reply = await ws.receive_json()
            assert reply["type"] == "auth_ok", reply
        except BaseException:
            await ws.close()
            raise
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self.ws is not None:
            await self.ws.close()

    async def command(self, command_type: str, **fields: Any) -> Any:
        """Send one command; its result, or WebsocketError with Home Assistant's error."""
        assert self.ws is not None, "not connected"
        self.last_id += 1
        await self.ws.send_json({"id": self.last_id, "type": command_type, **fields})
        while True:
            reply = await self.ws.receive_json()
            if reply.get("id") == self.last_id and reply.get("type") == "result":
                break
        if not reply["success"]:
            raise WebsocketError(f"{command_type}: {reply['error']}")
        return reply["result"]


async def websocket_command(
    session: aiohttp.ClientSession, hass: HassProcess, command: dict[str, Any]
) -> Any:
    """One command over the websocket API (the entity registry has no REST endpoint)."""
    fields = dict(command)
    async with HassWebsocket(session, hass) as ws:
        return await ws.command(fields.pop("type"), **fields)
