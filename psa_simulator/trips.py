"""The filters of ``/trips`` (psa-api.md §3.1, §4): ``timestamps``, ``distance``, ``duration``.

A trip is in a ``timestamps`` range when its ``stoppedAt`` falls inside it: a client that asks
for ``<since>/`` wants the drives that ended since then (a drive still going when ``since``
passed is one it has not seen). Ranges are half-open, ``[start, end)``; ``distance`` (km) and
``duration`` (s) ranges include both ends. A trip that lacks the field a filter reads is left
out by that filter. ``states`` and ``indexRange`` are not implemented (ignored).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
import math
import re
from typing import Any
from urllib.parse import parse_qsl, urlencode

FILTER_KEYS = ("timestamps", "distance", "duration")
MAX_RANGES = 10  # the spec's limit on the timestamps array

Span = tuple[float, float]  # [low, high]; -inf / inf when open

DURATION = re.compile(
    r"P(?:(?P<weeks>\d+(?:\.\d+)?)W)?(?:(?P<days>\d+(?:\.\d+)?)D)?"
    r"(?:T(?:(?P<hours>\d+(?:\.\d+)?)H)?(?:(?P<minutes>\d+(?:\.\d+)?)M)?"
    r"(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?"
)
NUMBER_RANGE = re.compile(r"(?P<low>\d+(?:\.\d+)?)?-(?P<high>\d+(?:\.\d+)?)?")
REPEAT = re.compile(r"R(?P<count>\d*)")


class FilterError(ValueError):
    """A filter the simulator cannot read (answered 400 40000)."""


def filter_query(query: Iterable[tuple[str, str]]) -> str:
    """The filter parameters of a request, in order, as the page tokens keep them."""
    return urlencode([(key, value) for key, value in query if key in FILTER_KEYS])


def _instant(text: str) -> float:
    """An RFC 3339 time with its offset (``Z`` or ``+01:00``) -> POSIX seconds."""
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError as err:
        raise FilterError(f"'{text}' is not an RFC 3339 date-time") from err
    if parsed.tzinfo is None:
        raise FilterError(f"'{text}' has no time zone offset")
    return parsed.timestamp()


def _duration(text: str) -> float:
    """An ISO 8601 duration in weeks, days, hours, minutes, seconds -> seconds."""
    match = DURATION.fullmatch(text)
    if match is None or text in ("P", "PT") or text.endswith("T"):
        raise FilterError(f"'{text}' is not an ISO 8601 duration (PnDTnHnMnS)")
    parts = {name: float(value) for name, value in match.groupdict().items() if value}
    return timedelta(**parts).total_seconds()


def _time_range(text: str) -> Span:
    """``T1/T2``, ``T/``, ``/T``, ``T/P…``, ``P…/T`` or ``Rn/T/P…`` -> [start, end)."""
    parts = text.split("/")
    if len(parts) == 3 and (repeat := REPEAT.fullmatch(parts[0])):
        start, step = _instant(parts[1]), _duration(parts[2])
        count = repeat["count"]
        return start, start + int(count) * step if count else math.inf
    if len(parts) != 2 or parts == ["", ""]:
        raise FilterError(f"'{text}' is not a time range (T1/T2, T/, /T, T/P1D, Rn/T/P1D)")
    first, second = parts
    if first.startswith("P"):
        end = _instant(second)
        return end - _duration(first), end
    start = _instant(first) if first else -math.inf
    if second.startswith("P"):
        return start, start + _duration(second)
    return start, _instant(second) if second else math.inf


def _number_range(name: str, text: str) -> Span:
    """``0.1-``, ``5-10`` or ``-10`` -> [low, high]."""
    match = NUMBER_RANGE.fullmatch(text)
    if match is None or text == "-":
        raise FilterError(f"{name} must be a range like 0.1- or 5-10, got '{text}'")
    low = float(match["low"]) if match["low"] else -math.inf
    high = float(match["high"]) if match["high"] else math.inf
    if low > high:
        raise FilterError(f"{name}: {text} is an empty range")
    return low, high


def _number(trip: Mapping[str, Any], key: str) -> float | None:
    value = trip.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _stopped_at(trip: Mapping[str, Any]) -> float | None:
    value = trip.get("stoppedAt")
    if not isinstance(value, str):
        return None
    try:
        return _instant(value)
    except FilterError:
        return None


@dataclass(frozen=True, slots=True)
class TripFilter:
    """What a trips request asked for; no filter keeps every trip."""

    timestamps: tuple[Span, ...] = ()
    distance: Span | None = None
    duration: Span | None = None

    @classmethod
    def parse(cls, query: str) -> TripFilter:
        """Read the filters of a query string (as ``filter_query`` gives it); FilterError."""
        ranges: list[Span] = []
        numbers: dict[str, Span] = {}
        for key, value in parse_qsl(query, keep_blank_values=True):
            if key == "timestamps":
                # An array: repeated parameters, or one parameter with commas.
                ranges += [_time_range(part) for part in value.split(",")]
            elif key in FILTER_KEYS:
                numbers[key] = _number_range(key, value)
        if len(ranges) > MAX_RANGES:
            raise FilterError(f"at most {MAX_RANGES} timestamps ranges")
        return cls(tuple(ranges), numbers.get("distance"), numbers.get("duration"))

    def matches(self, trip: Any) -> bool:
        """Whether the trip passes every filter given."""
        if not isinstance(trip, Mapping):
            return not (self.timestamps or self.distance or self.duration)
        if self.timestamps:
            stopped = _stopped_at(trip)
            if stopped is None or not any(low <= stopped < high for low, high in self.timestamps):
                return False
        for span, key in ((self.distance, "distance"), (self.duration, "duration")):
            if span is not None:
                value = _number(trip, key)
                if value is None or not span[0] <= value <= span[1]:
                    return False
        return True
