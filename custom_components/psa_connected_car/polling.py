"""The polling plan: which request is due when, on the caller's clock. No Home Assistant.

The coordinator ticks every minute, but a tick only sends the requests that are due: a car
that is charging, moving, running or that changed lately is polled at the active interval, a
parked one at the parked interval. The vehicle list, the alerts and the maintenance are
fetched far less often. A rate limit stops every request until its deadline; a failing car
backs off; when every car fails (an outage) one is still tried at each tick. While the cars'
push events are alive (the caller says so) a parked car waits longer: an event tells us when
it changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, is_dataclass
from typing import Any

from .api.derived import charging_in_progress, driving, is_active
from .api.models import VehicleStatus
from .api.remote.commands import WAKE_UP_LIMIT, WAKE_UP_WINDOW
from .const import (
    ACTIVE_WINDOW,
    ALERTS_INTERVAL,
    AUX_BATTERY_LOW,
    DEFAULT_RATE_LIMIT_WAIT,
    MAINTENANCE_INTERVAL,
    PUSH_CHARGING_INTERVAL,
    PUSH_PARKED_INTERVAL,
    VEHICLES_INTERVAL,
)

TICK_TOLERANCE = 5.0  # a tick that comes a few seconds early still counts
VEHICLES_RETRY = 900.0  # the vehicle list failed: try again sooner than hourly

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
    charging_only: bool = False  # charging, not driven: push events tell its changes
    failures: int = 0


def _charging_only(status: VehicleStatus | None) -> bool:
    """Charging and not being driven (a plug-in hybrid can do both)."""
    return charging_in_progress(status) and not driving(status)


class PollPlanner:
    """Decides which request is due when. Pure: the caller passes its clock's ``now``."""

    def __init__(self, active_interval: float, parked_interval: float) -> None:
        """Nothing fetched yet: everything is due at once."""
        self.active_interval = active_interval
        self.parked_interval = parked_interval
        self.next_vehicles = 0.0
        self.last_vehicles: float | None = None
        self.blocked_until = 0.0
        self.push_alive = False
        self._timers: dict[str, _Timers] = {}

    def _timer(self, vin: str) -> _Timers:
        return self._timers.setdefault(vin, _Timers())

    def _interval(self, timers: _Timers) -> float:
        if timers.active and timers.charging_only and self.push_alive:
            return max(self.active_interval, PUSH_CHARGING_INTERVAL)
        if timers.active:
            return self.active_interval
        return self.effective_parked_interval

    @property
    def effective_parked_interval(self) -> float:
        """The parked interval, relaxed to an hour (never shortened) while push is alive."""
        if self.push_alive:
            return max(self.parked_interval, PUSH_PARKED_INTERVAL)
        return self.parked_interval

    def set_push(self, now: float, alive: bool) -> None:
        """Push events alive or not. Going down brings the normal cadence back at once.

        A car planned an hour ahead under push then waits no longer than the parked
        interval from now; coming up only relaxes the polls planned from then on.
        """
        if alive == self.push_alive:
            return
        self.push_alive = alive
        if not alive:
            self._pull_in(now)

    def _pull_in(self, now: float) -> None:
        """No vehicle waits longer than its interval from ``now`` (failing ones back off)."""
        for timers in self._timers.values():
            if not timers.failures:
                timers.status = min(timers.status, now + self._interval(timers))

    def set_intervals(self, now: float, active: float, parked: float) -> None:
        """New intervals from the options; a vehicle never waits longer than the new one."""
        self.active_interval = active
        self.parked_interval = parked
        self._pull_in(now)

    # Rate limit: no request at all before the deadline.
    def blocked(self, now: float) -> bool:
        """Whether a rate limit forbids any request now."""
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
        """Whether the vehicle list is due."""
        return self._due(self.next_vehicles, now)

    def vehicles_done(self, now: float, *, ok: bool) -> None:
        """The list was fetched (``ok``) or failed: the next one in an hour, or sooner."""
        self.last_vehicles = now
        self.next_vehicles = now + (VEHICLES_INTERVAL if ok else VEHICLES_RETRY)

    def vehicles_soon(self) -> None:
        """The list may be out of date (a car's id may have changed): fetch it again soon.

        Not more often than after a failed list.
        """
        if self.last_vehicles is not None:
            self.next_vehicles = min(self.next_vehicles, self.last_vehicles + VEHICLES_RETRY)

    # A vehicle's status.
    def status_due(self, vin: str, now: float) -> bool:
        """Whether this vehicle's status is due (or it is the outage probe's turn)."""
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
        timers.charging_only = _charging_only(new)
        timers.status = now + self._interval(timers)

    def event_seen(self, vin: str, now: float, new: VehicleStatus | None) -> None:
        """A push event updated the car: once it shows the car active, poll it actively.

        Only pulls the next poll in, never pushes it back: an event carries no SoC, mileage
        or position, which the polls still fetch. An event that changed a parked car's doors
        does not open the ten-minute active window of a polled change: the next change comes
        by event too.
        """
        timers = self._timer(vin)
        if timers.active or not is_active(new):
            return
        timers.active = True
        if not timers.failures:
            timers.status = min(timers.status, now + self.active_interval)

    def status_failed(self, vin: str, now: float) -> None:
        """Back off: active interval, doubled on each failure, at most the parked interval."""
        timers = self._timer(vin)
        timers.failures += 1
        backoff = self.active_interval * 2 ** min(timers.failures - 1, 16)
        timers.status = now + min(backoff, max(self.parked_interval, self.active_interval))

    def failing(self, vin: str) -> bool:
        """Whether this vehicle's last status request failed."""
        return self._timer(vin).failures > 0

    def is_vehicle_active(self, vin: str) -> bool:
        """Whether this vehicle is polled at the active interval."""
        return self._timer(vin).active

    # Maintenance and alerts: slow, and a failure simply waits for the next period.
    def maintenance_due(self, vin: str, now: float) -> bool:
        """Whether this vehicle's maintenance is due."""
        return self._due(self._timer(vin).maintenance, now)

    def maintenance_done(self, vin: str, now: float) -> None:
        """Maintenance fetched or failed: the next one a period later."""
        self._timer(vin).maintenance = now + MAINTENANCE_INTERVAL

    def alerts_due(self, vin: str, now: float) -> bool:
        """Whether this vehicle's alerts are due."""
        return self._due(self._timer(vin).alerts, now)

    def alerts_done(self, vin: str, now: float) -> None:
        """Alerts fetched or failed: the next ones a period later."""
        self._timer(vin).alerts = now + ALERTS_INTERVAL

    def any_due(self, vin: str, now: float) -> bool:
        """Whether anything of this vehicle is due."""
        return (
            self.status_due(vin, now) or self.maintenance_due(vin, now) or self.alerts_due(vin, now)
        )

    def forget(self, vin: str) -> None:
        """The vehicle left the account: drop its plan."""
        self._timers.pop(vin, None)

    def as_dict(self, now: float) -> dict[str, Any]:
        """For diagnostics: seconds until each next request."""
        return {
            "active_interval": self.active_interval,
            "parked_interval": self.parked_interval,
            "push_alive": self.push_alive,
            "effective_parked_interval": self.effective_parked_interval,
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


@dataclass(slots=True)
class WakePlanner:
    """When a charging car may be woken so that its battery level stays fresh. Pure.

    The caller knows the car is charging; this decides on the data's age, the 12 V battery,
    the car's last answer and the wake-ups already sent (at most one an ``interval``, and
    the commander's budget of ``limit`` per ``window`` per car, which a manual wake-up
    shares: the commander still enforces it).
    """

    interval: float
    limit: int = WAKE_UP_LIMIT
    window: float = WAKE_UP_WINDOW
    _sent: dict[str, list[float]] = field(default_factory=dict)

    def refusal(
        self,
        vin: str,
        now: float,
        *,
        data_age: float | None,
        aux_level: float | None,
        unreachable_at: float | None,
    ) -> str | None:
        """None when a wake-up may go now, else the reason it may not.

        ``data_age``: seconds since the car sent its battery level (None: never);
        ``aux_level``: the 12 V battery's state in % (None: not reported, no objection);
        ``unreachable_at``: when the car last answered 901/300.
        """
        if data_age is not None and data_age < self.interval:
            return "fresh"
        if aux_level is not None and aux_level < AUX_BATTERY_LOW:
            return "aux_battery_low"
        if unreachable_at is not None and now - unreachable_at < self.interval:
            return "unreachable"
        sent = [when for when in self._sent.get(vin, ()) if now - when < self.window]
        self._sent[vin] = sent
        if sent and now - sent[-1] < self.interval:
            return "interval"
        if len(sent) >= self.limit:
            return "budget"
        return None

    def woken(self, vin: str, now: float) -> None:
        """A wake-up was sent to this car."""
        self._sent.setdefault(vin, []).append(now)
