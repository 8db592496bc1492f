"""Time formats of the API: RFC 3339 UTC timestamps and ISO 8601 durations."""

from __future__ import annotations

from datetime import UTC, datetime


def iso(timestamp: float) -> str:
    """POSIX seconds -> ``2025-09-01T07:12:08Z`` (whole seconds, UTC)."""
    return datetime.fromtimestamp(int(timestamp), tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def duration(seconds: float) -> str:
    """Seconds -> ISO 8601 duration in hours and minutes (``PT2H55M``, ``PT0S``).

    Minutes are rounded up, so a charge with 30 s left still shows ``PT1M``.
    """
    minutes = max(0, -int(-seconds // 60))
    if minutes == 0:
        return "PT0S"
    hours, minutes = divmod(minutes, 60)
    text = "PT"
    if hours:
        text += f"{hours}H"
    if minutes:
        text += f"{minutes}M"
    return text
