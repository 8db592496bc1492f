"""What a remote command leaves behind in a car's REST status (``/status`` follows after a 0).

A car's status is generated (demo) or static (scenario); the effects of the commands it
executed are kept here and laid over every status it serves, until the car is reset. Plain
dicts in, plain dicts out: nothing here knows about MQTT.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ..timefmt import duration, iso

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
PRECOND_KEYS = ("preconditionning", "preconditioning")  # the API sends both spellings
Block = dict[str, Any]


@dataclass(kw_only=True)
class RemoteEffects:
    """The state the car's commands set; None is "as the car's own data says"."""

    locked: bool | None = None
    locked_at: float = 0.0
    preconditioning: bool | None = None
    programs: list[dict[str, Any]] | None = None
    preconditioning_at: float = 0.0
    charging: str | None = None  # "InProgress" or "Stopped", shown while plugged
    next_delayed: str | None = None  # "PT22H1M"
    charge_type: str | None = None  # "Partial" (native limit on) or "Full"
    charging_at: float = 0.0
    refreshed_at: float | None = None

    def clear(self) -> None:
        """Forget every effect."""
        fresh = RemoteEffects()
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(fresh, name))

    def apply(self, status: dict[str, Any]) -> None:
        """Lay the effects over one status payload (in place)."""
        if self.refreshed_at is not None:
            _refresh(status, self.refreshed_at)
        if self.locked is not None:
            doors = status.setdefault("doorsState", {})
            if isinstance(doors, dict):
                doors["lockedStates"] = ["Locked"] if self.locked else ["Unlocked"]
                _stamp(doors, self.locked_at, "createdAt")
        if self.preconditioning is not None:
            self._apply_preconditioning(status)
        if self.charging or self.next_delayed or self.charge_type:
            for charging, item, key in _charging_blocks(status):
                self._apply_charging(charging)
                _stamp(item, self.charging_at, key)

    def _apply_preconditioning(self, status: dict[str, Any]) -> None:
        keys = [key for key in PRECOND_KEYS if isinstance(status.get(key), dict)]
        for key in keys or [PRECOND_KEYS[0]]:
            block = status.setdefault(key, {})
            air = block.setdefault("airConditioning", {})
            if not isinstance(air, dict):
                continue
            air["status"] = "Enabled" if self.preconditioning else "Disabled"
            if self.programs is not None:
                air["programs"] = [dict(program) for program in self.programs]
            _stamp(air, self.preconditioning_at, "updatedAt")
            _stamp(air, self.preconditioning_at, "createdAt")

    def _apply_charging(self, charging: dict[str, Any]) -> None:
        if self.charging is not None and charging.get("plugged") is True:
            charging["status"] = self.charging
            in_progress = self.charging == "InProgress"
            charging["chargingMode"] = "Slow" if in_progress else "No"
            if not in_progress:
                charging["chargingRate"] = 0
                charging["remainingTime"] = "PT0S"
        if self.next_delayed is not None:
            charging["nextDelayedTime"] = self.next_delayed
        if self.charge_type is not None:
            charging["type"] = self.charge_type


def electric_charging(status: dict[str, Any]) -> dict[str, Any] | None:
    """The first electric ``charging`` block of a status (to read ``plugged``), or None."""
    return next((charging for charging, _item, _key in _charging_blocks(status)), None)


def _charging_blocks(status: Block) -> Iterator[tuple[Block, Block, str]]:
    """(charging block, the energy item holding it, its timestamp key) for every electric item.

    ``energy[]`` (legacy) carries ``updatedAt``; ``energies[]`` only a frozen ``createdAt``,
    which is moved only when there is no legacy list to tell the time (psa-api.md §5.2).
    """
    legacy = status.get("energy")
    for item in legacy if isinstance(legacy, list) else []:
        if isinstance(item, dict) and item.get("type") == "Electric":
            charging = item.setdefault("charging", {})
            if isinstance(charging, dict):
                yield charging, item, "updatedAt"
    current = status.get("energies")
    key = "" if isinstance(legacy, list) else "createdAt"
    for item in current if isinstance(current, list) else []:
        if not isinstance(item, dict) or item.get("type") != "Electric":
            continue
        extension = item.setdefault("extension", {}).setdefault("electric", {})
        charging = extension.setdefault("charging", {}) if isinstance(extension, dict) else None
        if isinstance(charging, dict):
            yield charging, item, key


def _stamp(block: dict[str, Any], at: float, key: str) -> None:
    """Move ``block[key]`` to ``at`` unless it is already newer (ISO strings sort by time)."""
    if key and at and str(block.get(key, "")) < iso(at):
        block[key] = iso(at)


def _refresh(status: dict[str, Any], at: float) -> None:
    """A wake-up made the car upload: its snapshot times become ``at`` (frozen ones stay)."""
    snapshot = status.get("createdAt")
    stamp = iso(at)
    if not isinstance(snapshot, str) or snapshot >= stamp:
        return

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "updatedAt" or (key == "createdAt" and value == snapshot):
                    if isinstance(value, str) and value < stamp:
                        node[key] = stamp
                else:
                    walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(status)


def rest_program(slot: int, program: dict[str, Any]) -> dict[str, Any]:
    """An MQTT program slot (``{day: [7 x 0/1], hour, minute, on}``) in the REST shape."""
    hour, minute = program["hour"], program["minute"]
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        # Hour 34 (or any impossible time) marks an unset slot (§7, §9).
        return {"enabled": False, "slot": slot, "recurrence": "Daily", "start": "PT0S"}
    days = [name for name, on in zip(DAYS, program["day"], strict=True) if on]
    return {
        "enabled": bool(program["on"]),
        "slot": slot,
        "recurrence": "Daily",
        "start": duration((hour * 60 + minute) * 60),
        "occurence": {"day": days},
    }
