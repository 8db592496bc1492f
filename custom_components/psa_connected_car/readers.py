"""Readers of a vehicle's data, shared by the platforms' descriptions. No Home Assistant.

The parsers already turned every odd field into None, so a reader only walks the blocks
that are there: None while the car has sent nothing, or not this block. Nothing is guarded:
a reader that raises is a bug, and the platform tests show it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .api.derived import snake
from .api.models import Charging, Energy, Trip, VehicleData, VehicleStatus

type Reader[T] = Callable[[VehicleData], T | None]
type Exists = Callable[[VehicleData], bool]


def status[T](read: Callable[[VehicleStatus], T | None]) -> Reader[T]:
    """A reader of the status, None while the car has sent nothing."""
    return lambda data: None if data.status is None else read(data.status)


def electric[T](read: Callable[[Energy], T | None]) -> Reader[T]:
    """A reader of the electric energy block."""
    return status(lambda status: None if status.electric is None else read(status.electric))


def fuel[T](read: Callable[[Energy], T | None]) -> Reader[T]:
    """A reader of the fuel energy block."""
    return status(lambda status: None if status.fuel is None else read(status.fuel))


def charging[T](read: Callable[[Charging], T | None]) -> Reader[T]:
    """A reader of the charging state, inside the electric energy block."""
    return electric(lambda energy: None if energy.charging is None else read(energy.charging))


def last_trip[T](read: Callable[[Trip], T | None]) -> Reader[T]:
    """A reader of the last trip, None before the first one."""
    return lambda data: None if data.last_trip is None else read(data.last_trip)


def enum(read: Reader[str]) -> Reader[str]:
    """The API's CamelCase enum value as our snake_case state."""
    return lambda data: None if (value := read(data)) is None else snake(value)


def block_reported(block: Callable[[VehicleStatus], object | None]) -> Exists:
    """Created when the car sends this block, and (shown unknown) while it has sent nothing."""
    return lambda data: data.status is None or block(data.status) is not None


def block_sent(block: Callable[[VehicleStatus], object | None]) -> Exists:
    """Created only once the car has sent this block: not every car has it."""
    return lambda data: data.status is not None and block(data.status) is not None


def value_reported(read: Reader[Any]) -> Exists:
    """Created only once the car has reported a value: fields many cars never send."""
    return lambda data: read(data) is not None
