"""Data update coordinator: one per account, each vehicle polled when it is due.

The coordinator ticks every minute, but a tick only sends the requests that are due
(``PollPlanner``): a car that is charging, moving, running or that changed lately is
polled at the active interval, a parked one at the parked interval. The vehicle list,
the alerts and the maintenance are fetched far less often.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields, is_dataclass, replace
from datetime import timedelta
import inspect
from typing import TYPE_CHECKING, Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_PASSWORD, CONF_USERNAME
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryAuthFailed, ConfigEntryError
from homeassistant.helpers import device_registry as dr, issue_registry as ir
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util import dt as dt_util

from .api.brands import BRANDS, Brand
from .api.exceptions import (
    PSAAuthError,
    PSAError,
    PSAInvalidClientError,
    PSANoDataError,
    PSAPasswordGrantUnsupportedError,
    PSARateLimitError,
)
from .api.models import Alert, Maintenance, Vehicle, VehicleStatus
from .api.parsers import merge_status
from .const import (
    ACTIVE_WINDOW,
    ALERTS_INTERVAL,
    AUTH_METHOD_PASSWORD,
    CONF_ACTIVE_INTERVAL,
    CONF_AUTH_METHOD,
    CONF_BRAND,
    CONF_PARKED_INTERVAL,
    DEFAULT_ACTIVE_INTERVAL,
    DEFAULT_PARKED_INTERVAL,
    DEFAULT_RATE_LIMIT_WAIT,
    DOMAIN,
    LOGGER,
    MAINTENANCE_INTERVAL,
    TICK_INTERVAL,
    VEHICLES_INTERVAL,
)

if TYPE_CHECKING:
    from .api.auth import PSAAuth
    from .api.client import PSAClient

type PSAConfigEntry = ConfigEntry[PSADataUpdateCoordinator]

ISSUE_INVALID_CLIENT = "invalid_client"
TICK_TOLERANCE = 5.0  # a tick that comes a few seconds early still counts
VEHICLES_RETRY = 900.0  # the vehicle list failed: try again sooner than hourly

# UpdateFailed(retry_after=...) exists from Home Assistant 2025.10 on; older versions
# only get the planner's own wait (no request before the deadline either way).
_UPDATE_FAILED_TAKES_RETRY_AFTER = "retry_after" in inspect.signature(UpdateFailed).parameters


@dataclass(slots=True, kw_only=True)
class VehicleData:
    """What the entities of one vehicle read. ``status`` is None until the car has data."""

    vehicle: Vehicle
    status: VehicleStatus | None = None
    maintenance: Maintenance | None = None
    alerts: list[Alert] | None = None
    raw: dict[str, Any] = field(default_factory=dict)  # latest raw payloads, for diagnostics


def is_active(status: VehicleStatus | None) -> bool:
    """Charging, moving or with the ignition on: worth polling often."""
    if status is None:
        return False
    charging = status.electric.charging if status.electric is not None else None
    if charging is not None and charging.status == "InProgress":
        return True
    if status.kinetic is not None and status.kinetic.moving:
        return True
    ignition = status.ignition.type if status.ignition is not None else None
    return ignition is not None and ignition != "Stop"


_NOT_CONTENT = frozenset({"raw", "updated_at"})


def _content(value: Any) -> Any:
    """What a change is measured on: the values, without the raw payload or any timestamp.

    A car that uploads the same values again (only a fresh ``updatedAt``) has not changed,
    so a car waiting plugged in at 100 % relaxes to the parked interval.
    """
    if is_dataclass(value) and not isinstance(value, type):
        return tuple(
            (item.name, _content(getattr(value, item.name)))
            for item in fields(value)
            if item.name not in _NOT_CONTENT
        )
    if isinstance(value, tuple | list):
        return tuple(_content(item) for item in value)
    return value


@dataclass(slots=True)
class _Timers:
    """Next due times (seconds, caller's clock) and recent history of one vehicle."""

    status: float = 0.0
    maintenance: float = 0.0
    alerts: float = 0.0
    last_change: float | None = None
    active: bool = False
    failures: int = 0


class PollPlanner:
    """Decides which request is due when. Pure: the caller passes its clock's ``now``."""

    def __init__(self, active_interval: float, parked_interval: float) -> None:
        self.active_interval = active_interval
        self.parked_interval = parked_interval
        self.next_vehicles = 0.0
        self.last_vehicles: float | None = None
        self.blocked_until = 0.0
        self._timers: dict[str, _Timers] = {}

    def _timer(self, vin: str) -> _Timers:
        return self._timers.setdefault(vin, _Timers())

    def _interval(self, timers: _Timers) -> float:
        return self.active_interval if timers.active else self.parked_interval

    def set_intervals(self, now: float, active: float, parked: float) -> None:
        """New intervals from the options; a vehicle never waits longer than the new one."""
        self.active_interval = active
        self.parked_interval = parked
        for timers in self._timers.values():
            if not timers.failures:
                timers.status = min(timers.status, now + self._interval(timers))

    # Rate limit: no request at all before the deadline.
    def blocked(self, now: float) -> bool:
        return now < self.blocked_until

    def block(self, now: float, retry_after: float | None) -> float:
        """Wait at least ``retry_after`` seconds (a default when unknown); returns the wait."""
        wait = retry_after if retry_after is not None and retry_after > 0 else None
        self.blocked_until = max(self.blocked_until, now + (wait or DEFAULT_RATE_LIMIT_WAIT))
        return self.blocked_until - now

    def _due(self, when: float, now: float) -> bool:
        return not self.blocked(now) and now + TICK_TOLERANCE >= when

    # The vehicle list.
    def vehicles_due(self, now: float) -> bool:
        return self._due(self.next_vehicles, now)

    def vehicles_done(self, now: float, *, ok: bool) -> None:
        self.last_vehicles = now
        self.next_vehicles = now + (VEHICLES_INTERVAL if ok else VEHICLES_RETRY)

    def vehicles_soon(self) -> None:
        """The list may be out of date (a car's id may have changed): fetch it again soon,
        but not more often than after a failed list."""
        if self.last_vehicles is not None:
            self.next_vehicles = min(self.next_vehicles, self.last_vehicles + VEHICLES_RETRY)

    # A vehicle's status.
    def status_due(self, vin: str, now: float) -> bool:
        return self._due(self._timer(vin).status, now) or self._probe_due(vin, now)

    def _probe_due(self, vin: str, now: float) -> bool:
        """Every car failing (an outage): the one next in line is tried at every tick anyway.

        One request a tick shows the end of an outage within a tick, where the backoff
        alone would leave every entity unavailable for up to the parked interval.
        """
        timers = self._timers
        if self.blocked(now) or not timers or not all(t.failures for t in timers.values()):
            return False
        return vin == min(timers, key=lambda key: timers[key].status)

    def status_done(
        self, vin: str, now: float, old: VehicleStatus | None, new: VehicleStatus | None
    ) -> None:
        """A status arrived (or the car has none): plan the next one by what it shows."""
        timers = self._timer(vin)
        if timers.failures:  # the servers answer again: the other failing cars go next tick
            for other in self._timers.values():
                if other.failures:
                    other.status = min(other.status, now)
        timers.failures = 0
        if old is not None and new is not None and _content(old) != _content(new):
            timers.last_change = now
        recent = timers.last_change is not None and now - timers.last_change < ACTIVE_WINDOW
        timers.active = is_active(new) or recent
        timers.status = now + self._interval(timers)

    def status_failed(self, vin: str, now: float) -> None:
        """Back off: active interval, doubled on each failure, at most the parked interval."""
        timers = self._timer(vin)
        timers.failures += 1
        backoff = self.active_interval * 2 ** min(timers.failures - 1, 16)
        timers.status = now + min(backoff, max(self.parked_interval, self.active_interval))

    def failing(self, vin: str) -> bool:
        return self._timer(vin).failures > 0

    def is_vehicle_active(self, vin: str) -> bool:
        return self._timer(vin).active

    # Maintenance and alerts: slow, and a failure simply waits for the next period.
    def maintenance_due(self, vin: str, now: float) -> bool:
        return self._due(self._timer(vin).maintenance, now)

    def maintenance_done(self, vin: str, now: float) -> None:
        self._timer(vin).maintenance = now + MAINTENANCE_INTERVAL

    def alerts_due(self, vin: str, now: float) -> bool:
        return self._due(self._timer(vin).alerts, now)

    def alerts_done(self, vin: str, now: float) -> None:
        self._timer(vin).alerts = now + ALERTS_INTERVAL

    def any_due(self, vin: str, now: float) -> bool:
        return (
            self.status_due(vin, now) or self.maintenance_due(vin, now) or self.alerts_due(vin, now)
        )

    def forget(self, vin: str) -> None:
        self._timers.pop(vin, None)

    def as_dict(self, now: float) -> dict[str, Any]:
        """For diagnostics: seconds until each next request."""
        return {
            "active_interval": self.active_interval,
            "parked_interval": self.parked_interval,
            "blocked_for": max(0.0, round(self.blocked_until - now, 1)),
            "vehicle_list_in": round(self.next_vehicles - now, 1),
            "vehicles": [
                {
                    "active": timers.active,
                    "failures": timers.failures,
                    "status_in": round(timers.status - now, 1),
                    "maintenance_in": round(timers.maintenance - now, 1),
                    "alerts_in": round(timers.alerts - now, 1),
                }
                for timers in self._timers.values()
            ],
        }


def _intervals(options: Mapping[str, Any]) -> tuple[float, float]:
    return (
        float(options.get(CONF_ACTIVE_INTERVAL, DEFAULT_ACTIVE_INTERVAL)),
        float(options.get(CONF_PARKED_INTERVAL, DEFAULT_PARKED_INTERVAL)),
    )


def _tick(active_interval: float) -> timedelta:
    return timedelta(seconds=min(TICK_INTERVAL, active_interval))


class PSADataUpdateCoordinator(DataUpdateCoordinator[dict[str, VehicleData]]):
    """Polls every vehicle of one account; ``data`` is keyed by VIN."""

    config_entry: PSAConfigEntry

    def __init__(
        self,
        hass: HomeAssistant,
        entry: PSAConfigEntry,
        auth: PSAAuth,
        client: PSAClient,
        *,
        clock: Callable[[], float] | None = None,
    ) -> None:
        active, parked = _intervals(entry.options)
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=DOMAIN,
            update_interval=_tick(active),
            always_update=False,
        )
        self.auth = auth
        self.client = client
        self.brand: Brand = BRANDS[entry.data[CONF_BRAND]]
        self.planner = PollPlanner(active, parked)
        self._clock = clock or (lambda: dt_util.utcnow().timestamp())
        self._initial: dict[str, VehicleData] = {}
        self._partial: dict[str, VehicleData] | None = None
        self._last_error: PSAError | None = None

    def now(self) -> float:
        return self._clock()

    def apply_options(self) -> None:
        """Take the polling intervals from the options (no reload needed)."""
        active, parked = _intervals(self.config_entry.options)
        self.planner.set_intervals(self.now(), active, parked)
        self.update_interval = _tick(active)

    # Setup: the vehicle list, once, before the first status round.
    async def _async_setup(self) -> None:
        vehicles = await self._async_call(self.client.get_vehicles)
        self.planner.vehicles_done(self.now(), ok=True)
        self._initial = {}
        self._apply_vehicle_list(vehicles, self._initial)

    async def _async_refresh(
        self,
        log_failures: bool = True,
        raise_on_auth_failed: bool = False,
        scheduled: bool = False,
        raise_on_entry_error: bool = False,
    ) -> None:
        """Going unavailable is logged once, at info level (Home Assistant's line is an error).

        The recovery line is Home Assistant's own, also once and at info level.
        """
        was_available = self.last_update_success
        await super()._async_refresh(
            log_failures=False,
            raise_on_auth_failed=raise_on_auth_failed,
            scheduled=scheduled,
            raise_on_entry_error=raise_on_entry_error,
        )
        if log_failures and was_available and not self.last_update_success:
            LOGGER.info("Vehicle data unavailable: %s", self.last_exception)

    async def _async_update_data(self) -> dict[str, VehicleData]:
        data = await self._async_call(self._async_round)
        ir.async_delete_issue(self.hass, DOMAIN, _issue_id(self.config_entry))
        return data

    async def _async_call[T](self, call: Callable[[], Awaitable[T]]) -> T:
        """Run ``call``; on a refused login, log in again silently once if we can."""
        try:
            try:
                return await call()
            except PSAInvalidClientError:
                raise
            except PSAAuthError:
                if not await self._async_relogin():
                    raise
            return await call()
        except PSAInvalidClientError as err:
            self._raise_invalid_client_issue()
            raise ConfigEntryError(
                translation_domain=DOMAIN, translation_key="invalid_client"
            ) from err
        except PSAAuthError as err:
            raise ConfigEntryAuthFailed(
                translation_domain=DOMAIN, translation_key="auth_failed"
            ) from err
        except PSARateLimitError as err:
            raise self._rate_limited(err) from err
        except PSAError as err:
            raise _update_failed("cannot_connect", err) from err

    async def _async_relogin(self) -> bool:
        """The refresh token is dead: with a stored password, get new tokens without the user."""
        data = self.config_entry.data
        password = data.get(CONF_PASSWORD)
        if data.get(CONF_AUTH_METHOD) != AUTH_METHOD_PASSWORD or not password:
            return False
        LOGGER.debug("Refresh token refused; logging in again with the stored password")
        try:
            await self.auth.login_password(data[CONF_USERNAME], password)
        except PSAInvalidClientError:
            raise
        except (PSAAuthError, PSAPasswordGrantUnsupportedError):
            return False
        return True

    def _rate_limited(self, err: PSARateLimitError) -> UpdateFailed:
        wait = self.planner.block(self.now(), err.retry_after)
        return _update_failed("rate_limited", err, retry_after=wait, seconds=str(round(wait)))

    def _raise_invalid_client_issue(self) -> None:
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            _issue_id(self.config_entry),
            is_fixable=False,
            severity=ir.IssueSeverity.ERROR,
            translation_key=ISSUE_INVALID_CLIENT,
            translation_placeholders={"title": self.config_entry.title},
        )

    # One round: what is due, every vehicle at once.
    async def _async_round(self) -> dict[str, VehicleData]:
        now = self.now()
        current = self._partial or (self.data if self.data is not None else self._initial)
        data = dict(current)
        self._partial = None
        if self.planner.vehicles_due(now):
            await self._async_refresh_vehicle_list(now, data)
        due = [vin for vin in data if self.planner.any_due(vin, now)]
        results = await asyncio.gather(
            *(self._async_update_vehicle(data[vin], now) for vin in due),
            return_exceptions=True,
        )
        auth_error: PSAAuthError | None = None
        for vin, result in zip(due, results, strict=True):
            if isinstance(result, VehicleData):
                data[vin] = result
            elif isinstance(result, PSAAuthError):
                auth_error = result  # account-wide: handled once, by _async_call
            elif isinstance(result, PSAError):
                self._vehicle_failed(vin, now, result)
            else:
                raise result  # a bug, or cancellation: not one vehicle's trouble
        if auth_error is not None:
            self._partial = data  # what did arrive is kept for the retry after a new login
            raise auth_error
        if data and all(self.planner.failing(vin) for vin in data):
            raise self._all_failed(now)
        return data

    def _vehicle_failed(self, vin: str, now: float, err: PSAError) -> None:
        self._last_error = err
        if isinstance(err, PSARateLimitError):
            self.planner.block(now, err.retry_after)
        self.planner.status_failed(vin, now)
        LOGGER.debug("Vehicle …%s not updated: %s", vin[-4:], err)

    def _all_failed(self, now: float) -> UpdateFailed:
        """Every vehicle's last attempt failed: the update as a whole failed."""
        err = self._last_error
        if self.planner.blocked(now):
            wait = self.planner.blocked_until - now
            return _update_failed("rate_limited", err, retry_after=wait, seconds=str(round(wait)))
        return _update_failed("update_failed", err)

    async def _async_refresh_vehicle_list(self, now: float, data: dict[str, VehicleData]) -> None:
        try:
            vehicles = await self.client.get_vehicles()
        except PSAAuthError:
            raise
        except PSAError as err:
            if isinstance(err, PSARateLimitError):
                self.planner.block(now, err.retry_after)
            LOGGER.debug("Vehicle list not refreshed: %s", err)
            self.planner.vehicles_done(now, ok=False)
            return
        self.planner.vehicles_done(now, ok=True)
        self._apply_vehicle_list(vehicles, data)

    def _apply_vehicle_list(self, vehicles: list[Vehicle], data: dict[str, VehicleData]) -> None:
        """Follow the account: new VINs get data, gone VINs lose their data and device."""
        by_vin = {vehicle.vin: vehicle for vehicle in vehicles if vehicle.vin}
        for vin in [vin for vin in data if vin not in by_vin]:
            del data[vin]
            self.planner.forget(vin)
        for vin, vehicle in by_vin.items():
            known = data.get(vin)
            raw = {**(known.raw if known else {}), "vehicle": dict(vehicle.raw)}
            if known is None:
                data[vin] = VehicleData(vehicle=vehicle, raw=raw)
            elif known.vehicle != vehicle:
                data[vin] = replace(known, vehicle=vehicle, raw=raw)
        self._sync_devices(by_vin)

    def _sync_devices(self, vehicles: Mapping[str, Vehicle]) -> None:
        """Keep each device's name and model current; drop the devices of departed cars."""
        registry = dr.async_get(self.hass)
        entry_id = self.config_entry.entry_id
        for vehicle in vehicles.values():
            registry.async_get_or_create(
                config_entry_id=entry_id, **device_info(vehicle, self.brand, vehicles.values())
            )
        for device in dr.async_entries_for_config_entry(registry, entry_id):
            vins = {key for domain, key in device.identifiers if domain == DOMAIN}
            if vins and not vins & vehicles.keys():
                LOGGER.info("Vehicle left the account; removing device %s", device.name)
                # The device is ours alone (our domain's identifiers): removing it works on every
                # version, where taking our entry off it is reported from 2026.8 on.
                registry.async_remove_device(device.id)

    async def _async_update_vehicle(self, known: VehicleData, now: float) -> VehicleData:
        """Fetch what is due for one vehicle; errors of the status call propagate."""
        vin = known.vehicle.vin
        vehicle_id = known.vehicle.id
        result = replace(known, raw=dict(known.raw))
        if self.planner.status_due(vin, now):
            try:
                fresh: VehicleStatus | None = await self.client.get_status(vehicle_id)
            except PSANoDataError:
                fresh = None
                if known.status is not None:  # data before, none now: maybe a new API id
                    self.planner.vehicles_soon()
            merged = known.status
            if fresh is not None:
                merged = fresh if merged is None else merge_status(merged, fresh)
            result.status = merged
            result.raw["status"] = dict(fresh.raw) if fresh is not None else None
            self.planner.status_done(vin, now, known.status, merged)
        if self.planner.maintenance_due(vin, now):
            maintenance = await self._async_optional(self.client.get_maintenance, vehicle_id, now)
            if maintenance is not None:
                result.maintenance = maintenance
                result.raw["maintenance"] = dict(maintenance.raw)
            self.planner.maintenance_done(vin, now)
        if self.planner.alerts_due(vin, now):
            alerts = await self._async_optional(self.client.get_alerts, vehicle_id, now)
            if alerts is not None:
                result.alerts = alerts
            self.planner.alerts_done(vin, now)
        return result

    async def _async_optional[T](
        self, call: Callable[[str], Awaitable[T]], vehicle_id: str, now: float
    ) -> T | None:
        """Maintenance and alerts are extras: their failure keeps the last value."""
        try:
            return await call(vehicle_id)
        except PSAError as err:
            if isinstance(err, PSARateLimitError):
                self.planner.block(now, err.retry_after)
            LOGGER.debug("%s not fetched: %s", getattr(call, "__name__", "data"), err)
            return None


def _issue_id(entry: ConfigEntry) -> str:
    return f"{ISSUE_INVALID_CLIENT}_{entry.entry_id}"


def _update_failed(
    key: str, err: Exception | None, *, retry_after: float | None = None, **placeholders: str
) -> UpdateFailed:
    placeholders.setdefault("error", str(err) if err is not None else "")
    kwargs: dict[str, Any] = {
        "translation_domain": DOMAIN,
        "translation_key": key,
        "translation_placeholders": placeholders,
    }
    if retry_after is not None and _UPDATE_FAILED_TAKES_RETRY_AFTER:
        kwargs["retry_after"] = retry_after
    return UpdateFailed(**kwargs)


def vehicle_name(vehicle: Vehicle, brand: Brand, others: Iterable[Vehicle] = ()) -> str:
    """Label; else "<Brand> <motorization>" (with the VIN tail if two cars share it); else VIN."""
    if vehicle.label:
        return vehicle.label
    make = vehicle.brand or brand.name
    if not vehicle.motorization:
        return f"{make} {vehicle.vin[-6:]}"
    name = f"{make} {vehicle.motorization}"
    twins = [
        other
        for other in others
        if other.vin != vehicle.vin
        and not other.label
        and (other.brand or brand.name) == make
        and other.motorization == vehicle.motorization
    ]
    return f"{name} {vehicle.vin[-6:]}" if twins else name


def device_info(vehicle: Vehicle, brand: Brand, others: Iterable[Vehicle] = ()) -> dr.DeviceInfo:
    """The device of one vehicle, keyed by VIN (the API id may change)."""
    model = vehicle.motorization
    if vehicle.label:
        model = f"{vehicle.label} ({vehicle.motorization})" if model else vehicle.label
    return dr.DeviceInfo(
        identifiers={(DOMAIN, vehicle.vin)},
        manufacturer=vehicle.brand or brand.name,
        model=model,
        name=vehicle_name(vehicle, brand, others),
        serial_number=vehicle.vin,
    )
