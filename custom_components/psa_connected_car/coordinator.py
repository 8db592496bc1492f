"""Data update coordinator: one per account, each vehicle polled when it is due.

Each tick asks ``PollPlanner`` (polling.py) what is due and fetches it for every vehicle at
once; the result, keyed by VIN, is what the entities read. Errors of the library become Home
Assistant's: a refused login ``ConfigEntryAuthFailed``, a refused app ``ConfigEntryError``
with a repair issue, anything transient ``UpdateFailed``.

With remote commands paired, the cars' push events (``async_handle_event``) write into the
same statuses between the rounds, under the same freshness rule, and tell the planner whether
push is alive (a parked car is then polled less often).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_PASSWORD, CONF_USERNAME
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed, ConfigEntryError, HomeAssistantError
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.event import async_call_later
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util import dt as dt_util

from .alert_issues import async_load_alert_names, async_sync_alert_issues
from .api.brands import BRANDS, Brand
from .api.exceptions import (
    PSAAuthError,
    PSAError,
    PSAInvalidClientError,
    PSANoDataError,
    PSAPasswordGrantUnsupportedError,
    PSARateLimitError,
)
from .api.models import Vehicle, VehicleData, VehicleStatus
from .api.parsers import merge_status
from .api.remote.events import apply_event, parse_event
from .charge_history import ChargeHistory
from .compat import UPDATE_FAILED_TAKES_RETRY_AFTER
from .const import (
    AUTH_METHOD_PASSWORD,
    CONF_ACTIVE_INTERVAL,
    CONF_AUTH_METHOD,
    CONF_BRAND,
    CONF_CHARGE_WAKE,
    CONF_CHARGE_WAKE_INTERVAL,
    CONF_PARKED_INTERVAL,
    DEFAULT_ACTIVE_INTERVAL,
    DEFAULT_CHARGE_WAKE_INTERVAL,
    DEFAULT_PARKED_INTERVAL,
    DOMAIN,
    EVENT_FETCH_DELAY,
    LOGGER,
    PUSH_DOWN_ISSUE_AFTER,
    TICK_INTERVAL,
)
from .devices import async_load_motorization_names, async_sync_devices, vehicle_name
from .polling import PollPlanner, WakePlanner
from .remote import charging_now, remote_issue_id
from .signals import VehicleEvents
from .trip_history import TripHistory

if TYPE_CHECKING:
    from .api.auth import PSAAuth
    from .api.client import PSAClient
    from .api.remote.events import VehicleEvent
    from .remote import RemoteManager

type PSAConfigEntry = ConfigEntry[PSADataUpdateCoordinator]

ISSUE_INVALID_CLIENT = "invalid_client"
ISSUE_PUSH_DOWN = "push_down"


def _intervals(options: Mapping[str, Any]) -> tuple[float, float]:
    """The active and parked intervals of the options, in seconds."""
    return (
        float(options.get(CONF_ACTIVE_INTERVAL, DEFAULT_ACTIVE_INTERVAL)),
        float(options.get(CONF_PARKED_INTERVAL, DEFAULT_PARKED_INTERVAL)),
    )


def _wake_interval(options: Mapping[str, Any]) -> float:
    """The charge wake-up option's interval, in seconds."""
    return 60.0 * float(options.get(CONF_CHARGE_WAKE_INTERVAL, DEFAULT_CHARGE_WAKE_INTERVAL))


def _tick(active_interval: float) -> timedelta:
    """How often the coordinator asks the planner: a minute, or the active interval if shorter."""
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
        """One coordinator per entry; ``clock`` (seconds) is injected in tests and benchmarks."""
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
        self.waker = WakePlanner(_wake_interval(entry.options))
        self._clock = clock or (lambda: dt_util.utcnow().timestamp())
        # The data a round starts from, in this order: ``_partial``, what a round that ended
        # in a new login had fetched (kept for the retry, then dropped); ``data``, the last
        # good round; ``_initial``, the vehicle list of ``_async_setup``, used only until
        # the first round succeeded.
        self._initial: dict[str, VehicleData] = {}
        self._partial: dict[str, VehicleData] | None = None
        self._last_error: PSAError | None = None
        # The motorizations' names in the user's language, for device names and models.
        self.motorization_names: dict[str, str] = {}
        # The alerts' names in the user's language, for the repair issues.
        self.alert_names: dict[str, str] = {}
        # How often each car's device was created in this run: a new one means the old one,
        # and its entities, were removed (entity.async_add_vehicle_entities builds them again).
        self.device_generation: dict[str, int] = {}
        # Remote commands (remote.py): None unless the entry is paired.
        self.remote: RemoteManager | None = None
        # Cars whose status is wanted at the next round whatever the plan (after a command).
        self._prompt: set[str] = set()
        # Push events: the status fetches they asked for (one pending per car, so a burst
        # costs one request), the events of the round in progress (applied again to its
        # result, which started from older data), and the push state as last seen.
        self.event_fetch_delay = EVENT_FETCH_DELAY
        self.push_issue_after = PUSH_DOWN_ISSUE_AFTER
        self._event_fetches: dict[str, CALLBACK_TYPE] = {}
        self._round_events: list[tuple[VehicleEvent, Any]] | None = None
        self._push_alive: bool | None = None  # None: not known yet (starting, or not paired)
        self._push_down_since: float | None = None
        self._push_down_logged = False
        # What the cars did (charge_history.py): loaded in _async_setup, fed by _follow_history.
        # Their events are held until async_setup_entry starts them (the platforms are there).
        self.events = VehicleEvents(hass, entry.entry_id)
        self.charge_history = ChargeHistory(hass, entry.entry_id, self.events)
        # The trips: fetched only after a drive ended, each fired once (trip_history.py).
        self.trip_history = TripHistory(hass, entry.entry_id, self.events)

    def now(self) -> float:
        """The planner's clock, in seconds (injected in tests and benchmarks)."""
        return self._clock()

    def apply_options(self) -> None:
        """Take the polling intervals from the options (no reload needed)."""
        active, parked = _intervals(self.config_entry.options)
        self.planner.set_intervals(self.now(), active, parked)
        self.update_interval = _tick(active)
        self.waker.interval = _wake_interval(self.config_entry.options)

    async def async_request_vehicle_refresh(self, vin: str) -> None:
        """Fetch this car's status now (a remote command ended), not at its planned time.

        It is a normal round in which this car's status counts as due: the same merge, error
        handling and planning. A rate limit still holds it back; the debouncer keeps a burst
        of commands to one round.
        """
        if not self.data or vin not in self.data:
            return
        self._prompt.add(vin)
        await self.async_request_refresh()

    @callback
    def async_handle_event(self, payload: Any) -> None:
        """A car's push event: write what it carries into that car's status.

        The same freshness rule as the polls (``apply_event``): a late or out-of-order
        snapshot never moves a value back. The entities update at once, without a round and
        without moving the poll schedule. Values the event reports unreliably (SoC, range)
        are never written: when they moved, or charging or the plug changed, the car's
        status is fetched shortly (``event_fetch_delay``; one fetch for a burst).
        """
        event = parse_event(payload)
        if event is None or not self.data or event.vin not in self.data:
            return
        if self._round_events is not None:
            self._round_events.append((event, payload))
        if self._partial is not None:  # the next round starts from there
            self._event_into(self._partial, event, payload, fetch=False)
        data = dict(self.data)
        changed = self._event_into(data, event, payload)
        self._follow_history(data)
        # Not async_set_updated_data: it restarts the tick timer (a car sending an event
        # every half minute would never be polled again) and cancels a requested refresh.
        self.data = data
        if changed:
            self.planner.event_seen(event.vin, self.now(), data[event.vin].status)
            self.async_update_listeners()

    def _event_into(
        self,
        data: dict[str, VehicleData],
        event: VehicleEvent,
        payload: Any,
        *,
        fetch: bool = True,
    ) -> bool:
        """Apply one event to ``data`` (in place); whether something the user sees changed.

        ``fetch``: plan the status fetch the event asks for (not when applied again).
        """
        known = data.get(event.vin)
        if known is None:
            return False
        outcome = apply_event(known.status, event)
        if fetch and outcome.fetch:
            self._schedule_event_fetch(event.vin)
        if outcome.status is None or outcome.status is known.status:
            return False
        # Kept even when no value changed: the blocks now carry the event's time, so that a
        # later-delivered older snapshot cannot move them back.
        raw = {**known.raw, "event": payload}
        data[event.vin] = replace(known, status=outcome.status, raw=raw)
        return bool(outcome.changed)

    def _schedule_event_fetch(self, vin: str) -> None:
        """The car's status soon, once: later events of the burst find it already planned."""
        if vin in self._event_fetches:
            return

        @callback
        def _fetch(_now: datetime) -> None:
            self._event_fetches.pop(vin, None)
            self.config_entry.async_create_task(
                self.hass,
                self.async_request_vehicle_refresh(vin),
                f"{DOMAIN} status after an event",
            )

        self._event_fetches[vin] = async_call_later(self.hass, self.event_fetch_delay, _fetch)

    def _cancel_event_fetch(self, vin: str) -> None:
        """The status is being fetched anyway: the fetch an event asked for is not needed."""
        cancel = self._event_fetches.pop(vin, None)
        if cancel is not None:
            cancel()

    def _sync_push(self, now: float) -> None:
        """Follow the push state: the planner's cadence, one log line per change, the issue."""
        remote = self.remote
        alive = remote is not None and remote.push_alive(now)
        self.planner.set_push(now, alive)
        previous = self._push_alive
        self._push_alive = None if remote is None else alive
        if alive or remote is None:
            self._push_down_since = None
            ir.async_delete_issue(self.hass, DOMAIN, push_issue_id(self.config_entry.entry_id))
            if alive and self._push_down_logged:
                LOGGER.info("Push events from the cars are back: parked cars are polled less often")
            self._push_down_logged = False
            return
        if self._push_down_since is None:
            self._push_down_since = now
        if previous:  # not at start-up: the first connection may still be on its way
            LOGGER.info("Push events from the cars stopped: back to the usual polling intervals")
            self._push_down_logged = True
        if now - self._push_down_since >= self.push_issue_after:
            self._raise_push_issue(now - self._push_down_since)

    def _raise_push_issue(self, down_for: float) -> None:
        """Push down for long: say so, unless the pairing issue already tells why."""
        entry = self.config_entry
        registry = ir.async_get(self.hass)
        if registry.async_get_issue(DOMAIN, remote_issue_id(entry.entry_id)) is not None:
            return
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            push_issue_id(entry.entry_id),
            is_fixable=False,
            is_persistent=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key=ISSUE_PUSH_DOWN,
            translation_placeholders={"title": entry.title, "hours": str(int(down_for // 3600))},
        )

    async def async_shutdown(self) -> None:
        """Unloading: no event fetch left planned, no push issue left behind, histories saved."""
        for cancel in self._event_fetches.values():
            cancel()
        self._event_fetches.clear()
        ir.async_delete_issue(self.hass, DOMAIN, push_issue_id(self.config_entry.entry_id))
        for history in (self.charge_history, self.trip_history):
            await history.store.async_shutdown()  # a pending save now, nothing after removal
        await super().async_shutdown()

    def _status_due(self, vin: str, now: float) -> bool:
        """Due by the plan, or asked for after a command (unless rate limited)."""
        prompt = vin in self._prompt and not self.planner.blocked(now)
        return prompt or self.planner.status_due(vin, now)

    async def _async_setup(self) -> None:
        """Fetch the vehicle list once, before the first status round."""
        self.motorization_names = await async_load_motorization_names(self.hass)
        self.alert_names = await async_load_alert_names(self.hass)
        await self.charge_history.async_load()
        await self.trip_history.async_load()
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
        Private override, kept: no public hook sets the level of this line in 2025.4-2026.10.
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
        """One round of what is due; a success clears the invalid-client repair issue.

        It also brings the alert repair issues in step with the vehicles' active alerts, and
        the polling plan with the push state.
        """
        self._sync_push(self.now())
        self._round_events = []
        try:
            data = await self._async_call(self._async_round)
        finally:
            self._round_events = None
        ir.async_delete_issue(self.hass, DOMAIN, _issue_id(self.config_entry))
        vehicles = [known.vehicle for known in data.values()]
        names = {
            vin: vehicle_name(known.vehicle, self.brand, vehicles, self.motorization_names)
            for vin, known in data.items()
        }
        async_sync_alert_issues(
            self.hass, self.config_entry.entry_id, data, names, self.alert_names
        )
        self._wake_charging_cars(data)
        self._follow_history(data)
        return data

    def _follow_history(self, data: dict[str, VehicleData]) -> None:
        """What the cars did, read from the data about to be shown (in place).

        Runs after every round and every push event. The charge history (energy meter,
        sessions, their events) and the trip history (a drive that ended makes the trips due)
        each read the new status here; each keeps its own store.
        """
        self.charge_history.observe(data)
        self.trip_history.follow(data, self.now())

    def _wake_charging_cars(self, data: Mapping[str, VehicleData]) -> None:
        """The option "keep the battery level fresh while charging": wake a car whose level is old.

        During a slow charge many cars stop uploading until something wakes them; the
        wake-up's answer then brings the status (the manager fetches it after a success).
        """
        remote = self.remote
        if remote is None or not remote.connected:
            return
        if not self.config_entry.options.get(CONF_CHARGE_WAKE, False):
            return
        now = self.now()
        for vin, known in data.items():
            if not charging_now(known) or not remote.supported(vin, "wake_up"):
                continue
            if remote.pending(vin, "wake_up"):
                continue
            reason = self.waker.refusal(
                vin,
                now,
                data_age=_level_age(known, now),
                aux_level=_aux_level(known),
                unreachable_at=_unreachable_at(remote, vin),
            )
            if reason is not None:
                LOGGER.debug("Vehicle …%s not woken: %s", vin[-4:], reason)
                continue
            self.waker.woken(vin, now)
            self.config_entry.async_create_task(
                self.hass, self._async_wake(remote, vin), f"{DOMAIN} wake-up while charging"
            )

    async def _async_wake(self, remote: RemoteManager, vin: str) -> None:
        try:
            await remote.async_command(vin, "wake_up")
        except HomeAssistantError as err:  # the last-command sensor shows it
            LOGGER.debug("Vehicle …%s: wake-up while charging failed: %s", vin[-4:], err)

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

    async def _async_round(self) -> dict[str, VehicleData]:
        """Fetch what is due, every vehicle at once; one car's failure is only its own."""
        now = self.now()
        current = self._partial or (self.data if self.data is not None else self._initial)
        data = dict(current)
        self._partial = None
        if self.planner.vehicles_due(now):
            await self._async_refresh_vehicle_list(now, data)
        due = [
            vin
            for vin in data
            if self._status_due(vin, now)
            or self.planner.any_due(vin, now)
            or self._trips_due(vin, now)
        ]
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
        # Events that came during the requests: this round started from older data.
        for event, payload in self._round_events or ():
            self._event_into(data, event, payload, fetch=False)
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
        """Follow the account: new VINs get data, gone VINs lose theirs (not their device).

        A gone car's entities turn unavailable; its device stays, with a repair issue that
        removes it (devices.py). A device created anew (a new car, or one whose device was
        removed) bumps ``device_generation``: its entities must be built again.
        """
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
        if self.remote is not None:
            self.remote.follow_vehicles(by_vin)
        created = async_sync_devices(
            self.hass, self.config_entry, self.brand, by_vin, self.motorization_names
        )
        for vin in created:
            self.device_generation[vin] = self.device_generation.get(vin, 0) + 1

    async def _async_update_vehicle(self, known: VehicleData, now: float) -> VehicleData:
        """Fetch what is due for one vehicle; errors of the status call propagate."""
        vin = known.vehicle.vin
        vehicle_id = known.vehicle.id
        result = replace(known, raw=dict(known.raw))
        if self._status_due(vin, now):
            self._prompt.discard(vin)
            self._cancel_event_fetch(vin)
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
        if self._trips_due(vin, now):
            fetch = partial(self.client.get_trips, since=self.trip_history.since(vin))
            trips = await self._async_optional(fetch, vehicle_id, now)
            await self.trip_history.async_fetched(vin, trips, now)
        return result

    def _trips_due(self, vin: str, now: float) -> bool:
        """A drive ended (or its retry is due), and no rate limit holds requests back."""
        return not self.planner.blocked(now) and self.trip_history.due(vin, now)

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


def _level_age(known: VehicleData, now: float) -> float | None:
    """Seconds since the car sent its battery level; None when it never did."""
    energy = known.status.electric if known.status is not None else None
    if energy is None or energy.updated_at is None:
        return None
    return now - energy.updated_at.timestamp()


def _aux_level(known: VehicleData) -> float | None:
    battery = known.status.battery if known.status is not None else None
    return battery.state if battery is not None else None


def _unreachable_at(remote: RemoteManager, vin: str) -> float | None:
    """When the car last answered 901 (being woken by the servers) or 300 (no answer)."""
    record = remote.last_result(vin)
    if record is None or (record.code not in ("901", "300") and record.outcome != "asleep"):
        return None
    return record.at.timestamp()


def push_issue_id(entry_id: str) -> str:
    """The repair issue of an entry whose push events stopped for long."""
    return f"{ISSUE_PUSH_DOWN}_{entry_id}"


def _issue_id(entry: ConfigEntry) -> str:
    """The repair issue of this entry's refused app credentials."""
    return f"{ISSUE_INVALID_CLIENT}_{entry.entry_id}"


def _update_failed(
    key: str, err: Exception | None, *, retry_after: float | None = None, **placeholders: str
) -> UpdateFailed:
    """A translated ``UpdateFailed``; ``retry_after`` where Home Assistant takes it."""
    placeholders.setdefault("error", str(err) if err is not None else "")
    kwargs: dict[str, Any] = {
        "translation_domain": DOMAIN,
        "translation_key": key,
        "translation_placeholders": placeholders,
    }
    if retry_after is not None and UPDATE_FAILED_TAKES_RETRY_AFTER:
        kwargs["retry_after"] = retry_after
    return UpdateFailed(**kwargs)
