"""Constants of the PSA Connected Car integration."""

from __future__ import annotations

from dataclasses import dataclass
import logging
import os
from typing import Final
from urllib.parse import urlsplit

from .api.brands import API_BASE_URL
from .api.remote.models import MQTT_HOST, MQTT_PORT, OTP_URL, REMOTE_API_BASE_URL

DOMAIN: Final = "psa_connected_car"
LOGGER = logging.getLogger(__package__)

# Config entry data (HA's own constants cover username, password, client id/secret, token, country).
CONF_BRAND: Final = "brand"
CONF_AUTH_METHOD: Final = "auth_method"
AUTH_METHOD_PASSWORD: Final = "password"  # noqa: S105 - a method name, not a secret
AUTH_METHOD_CODE: Final = "code"

# Options: how often a vehicle's status is fetched, in seconds.
CONF_ACTIVE_INTERVAL: Final = "active_interval"
CONF_PARKED_INTERVAL: Final = "parked_interval"
DEFAULT_ACTIVE_INTERVAL: Final = 60
DEFAULT_PARKED_INTERVAL: Final = 600
ACTIVE_INTERVAL_RANGE: Final = (30, 600)
PARKED_INTERVAL_RANGE: Final = (60, 3600)

# Fixed cadences, in seconds. With the defaults a parked car costs about 200 requests a day:
# 144 status + 24 vehicle list + 24 alerts + 4 maintenance.
TICK_INTERVAL: Final = 60
VEHICLES_INTERVAL: Final = 3600
ALERTS_INTERVAL: Final = 3600
MAINTENANCE_INTERVAL: Final = 6 * 3600
ACTIVE_WINDOW: Final = 600  # a car whose data changed this recently counts as active
DEFAULT_RATE_LIMIT_WAIT: Final = 300  # when a 429 gives no Retry-After

# Push events (remote-commands.md §9), when remote commands are paired. The car pushes a
# snapshot on every ignition, charging, doors and network change, so a parked car that would
# change tells us: its status poll only has to catch what events do not carry (mileage,
# position, the SoC that events report late). An hour brings a parked car to 24 status + 24
# list + 24 alerts + 4 maintenance = 76 requests a day, under the goal of 100.
PUSH_PARKED_INTERVAL: Final = 3600
# While push is alive a car that charges (and is not driven) is polled every 5 minutes at most
# often: the car sends an event at each charge step (start, stop, end, progress), each of which
# asks for a prompt status fetch, so a shorter poll mostly re-reads the same lagging level.
# 288 status + 24 list + 24 alerts + 4 maintenance = 340 requests a day, under the goal of 400.
PUSH_CHARGING_INTERVAL: Final = 300
# Push counts as alive while the connection is up and either a message came or the
# connection is this recent. A car in use sends events several times a day; a day of silence
# on a healthy connection is how a car that stopped sending events shows (psacc#665), and then
# polling returns to the normal cadence.
PUSH_QUIET_LIMIT: Final = 24 * 3600
PUSH_DOWN_ISSUE_AFTER: Final = 24 * 3600  # push down this long while paired: a repair issue
# An event that calls for a fresh status (SoC moved, charging or plug changed) waits this
# long, so that a burst of events costs one request and the servers have the new values.
EVENT_FETCH_DELAY: Final = 15.0

# Option "keep the battery level fresh while charging" (off by default): a charging car whose
# battery level is older than the interval is woken (remote command wake_up), at most once an
# interval. Each wake-up keeps the car awake 1-2 minutes and costs about 1-2 % of its 12 V
# battery (remote-commands.md §10), hence the floor of 15 minutes and no wake-up below
# AUX_BATTERY_LOW or right after the car answered that it could not be reached (901/300).
CONF_CHARGE_WAKE: Final = "charge_wake"
CONF_CHARGE_WAKE_INTERVAL: Final = "charge_wake_interval"  # minutes
DEFAULT_CHARGE_WAKE_INTERVAL: Final = 15
CHARGE_WAKE_INTERVAL_RANGE: Final = (15, 120)
AUX_BATTERY_LOW: Final = 40.0  # % of the 12 V battery's state

ENV_SIMULATOR_URL: Final = "PSA_SIMULATOR_URL"
ENV_SIMULATOR_MQTT: Final = "PSA_SIMULATOR_MQTT"  # host:port of the simulator's broker
ENV_SIMULATOR_CA_FILE: Final = "PSA_SIMULATOR_CA_FILE"  # the CA that signed its certificate


@dataclass(frozen=True, slots=True)
class Endpoints:
    """Where requests go: the brand's servers, or the simulator for development."""

    idp_base_url: str | None  # None: the brand's own identity server
    api_base_url: str
    simulator: bool
    remote_api_base_url: str = REMOTE_API_BASE_URL
    otp_url: str = OTP_URL
    mqtt_host: str = MQTT_HOST
    mqtt_port: int = MQTT_PORT
    mqtt_ca_file: str | None = None  # None: the system's CAs


def get_endpoints() -> Endpoints:
    """Read ``PSA_SIMULATOR_URL``: when set, everything points at the simulator.

    Its broker is at ``PSA_SIMULATOR_MQTT`` (``host:port``, default the simulator's host and
    port 8766), with the CA of ``PSA_SIMULATOR_CA_FILE``.
    """
    url = os.environ.get(ENV_SIMULATOR_URL, "").strip().rstrip("/")
    if not url:
        return Endpoints(idp_base_url=None, api_base_url=API_BASE_URL, simulator=False)
    host, _, port = os.environ.get(ENV_SIMULATOR_MQTT, "").strip().rpartition(":")
    return Endpoints(
        idp_base_url=url,
        api_base_url=f"{url}/connectedcar/v4",
        simulator=True,
        remote_api_base_url=url,
        otp_url=f"{url}/iwws/MAC",
        mqtt_host=host or (urlsplit(url).hostname or "127.0.0.1"),
        mqtt_port=int(port) if port.isdigit() else 8766,
        mqtt_ca_file=os.environ.get(ENV_SIMULATOR_CA_FILE) or None,
    )
