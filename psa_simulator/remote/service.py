"""The broker and the cars, started and stopped together with the simulator's app."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
import logging
from pathlib import Path
import shutil
import tempfile
from typing import TYPE_CHECKING

from aiohttp import web

from ..state import STATE, SimulatorState
from .tls import ensure_tls_files

if TYPE_CHECKING:
    from .broker import MqttBroker
    from .cars import CarsClient

_LOGGER = logging.getLogger(__name__)


class RemoteService:
    """The TLS broker on 127.0.0.1 and the cars' client on it."""

    def __init__(self, state: SimulatorState, *, port: int, tls_dir: Path | None) -> None:
        self.state = state
        self._port = port
        self._tls_dir = tls_dir
        self._temp_dir: Path | None = None
        self.broker: MqttBroker | None = None
        self.cars: CarsClient | None = None

    @property
    def port(self) -> int | None:
        """Where the broker listens (None until it first started)."""
        return self.broker.port if self.broker is not None else None

    @property
    def ca_file(self) -> Path | None:
        """The CA the clients trust (None until the broker first started)."""
        return self.broker.ca_file if self.broker is not None else None

    @property
    def running(self) -> bool:
        """Whether the broker accepts connections."""
        return self.broker is not None and self.broker.running

    async def start(self) -> None:
        """Broker first, then the cars' client (subscribed when this returns)."""
        # Imported here: amqtt is needed only where a broker runs. The oldest-Home-Assistant
        # toolchain runs its smoke tests without it: the simulator then has no broker.
        try:
            from .broker import MqttBroker  # noqa: PLC0415
            from .cars import CarsClient  # noqa: PLC0415
        except ModuleNotFoundError as err:
            if not (err.name or "").startswith("amqtt"):
                raise
            _LOGGER.warning("No MQTT broker: amqtt is not installed (requirements_test.txt)")
            return

        if self.broker is None:
            # Files are made on the first start, so an app that never runs leaves none behind.
            # File work off the event loop: a simulator inside Home Assistant's tests shares
            # its loop, where blocking calls are reported.
            if self._tls_dir is None:
                self._temp_dir = Path(
                    await asyncio.to_thread(tempfile.mkdtemp, prefix="psa-sim-tls-")
                )
            tls = await asyncio.to_thread(
                ensure_tls_files, self._tls_dir or self._temp_dir or Path()
            )
            self.broker = MqttBroker(self.state, tls, self._port)
        await self.broker.start()
        self.cars = CarsClient(
            self.state,
            port=self.broker.backend_port,
            secret=self.broker.car_secret,
        )
        await self.cars.start()

    async def stop(self) -> None:
        """Cars, then the broker; nothing keeps running."""
        if self.cars is not None:
            await self.cars.stop()
            self.cars = None
        if self.broker is not None:
            await self.broker.stop()

    async def restart(self) -> None:
        """A broker restart: every client is cut off, sessions are forgotten, same port and CA."""
        await self.stop()
        await self.start()

    def drop_connections(self) -> int:
        """Cut every client's connection (the cars stay); how many were cut."""
        return self.broker.drop_connections() if self.broker is not None else 0

    async def close(self) -> None:
        """Remove the temporary TLS directory, if this service made one (off the loop)."""
        if self._temp_dir is not None:
            await asyncio.to_thread(shutil.rmtree, self._temp_dir, ignore_errors=True)


REMOTE: web.AppKey[RemoteService] = web.AppKey("psa_simulator_remote", RemoteService)
"""Where a running app keeps its broker: ``app[REMOTE]`` (absent when ``config.mqtt`` is off)."""


def add_remote_service(app: web.Application) -> None:
    """Give the app its broker and cars, started and stopped with it."""
    config = app[STATE].config
    app[REMOTE] = RemoteService(app[STATE], port=config.mqtt_port, tls_dir=config.tls_dir)
    app.cleanup_ctx.append(_remote_context)


async def _remote_context(app: web.Application) -> AsyncIterator[None]:
    """aiohttp cleanup context: the broker runs exactly as long as the app."""
    service = app[REMOTE]
    try:
        await service.start()
        yield
    finally:
        await service.stop()
        await service.close()
