"""Which vehicle alerts matter most, and which ask the owner to act. No Home Assistant.

``/alerts`` items carry a ``type`` from the API's enum of about a hundred values (the spec's
``AlertMsgEnum``, "MPH alert list": ``AdBlueFault``, ``OilLevelLow``, ``LeftFrontTirePuncture``,
…) and a ``severity`` (``Information``, ``Warning``, ``Critical``). The types listed in
``ACTION_NEEDED`` are those whose name says the car needs a top-up, a repair or a check soon
(a fluid low, a failure, a puncture, starting soon impossible); the integration raises a repair
issue for each. Lamp faults, door-open and driving-aid notices are shown but raise none.
"""

from __future__ import annotations

from .derived import alert_is_active, snake
from .models import Alert

ACTION_NEEDED: frozenset[str] = frozenset(
    {
        "AdBlueFault",
        "AdBlueFaultStartingImpossible",
        "AdBlueFaultStartingImpossibleSoon",
        "AirbagOrSeatBeltPretensionerOrActiveHoodFailure",
        "BatteryChargeOrElectricalCircuitSystemFailure",
        "BrakingSystemFailure",
        "ChargingFailure",
        "CoolantLevellow",  # sic: the API's spelling
        "ElectricTractionSystemFailureLimitSpeed",
        "ElectricTractionSystemFailureStopVehicle",
        "EmissionSystemOrAdBlueQualityFailure",
        "EmissionSystemOrAdBlueQualityFailueStartingImpossible",  # sic
        "EmissionSystemOrAdBlueQualityFailueStartingImpossibleSoon",  # sic
        "EngineFailure",
        "EngineOilPressureFailure",
        "EngineTemperatureFailure",
        "LeftFrontTirePuncture",
        "LeftFrontTireUnderInflated",
        "LeftRearTirePuncture",
        "LeftRearTireUnderInflated",
        "OilLevelLow",
        "ParticleFilterFull",
        "PowerSteeringFailure",
        "ReplaceBrakePads",
        "RightFrontTirePuncture",
        "RightFrontTireUnderInflated",
        "RightRearTirePuncture",
        "RightRearTireUnderInflated",
        "WaterInTheDieselFuelFilter",
    }
)

# The states of the "most important alert" sensor: the alerts we name, in snake_case.
KNOWN_ALERTS: tuple[str, ...] = tuple(sorted(snake(kind) for kind in ACTION_NEEDED))
NO_ALERT = "none"
OTHER_ALERT = "other"

_SEVERITY_RANK = {"critical": 3, "warning": 2, "information": 1}


def needs_action(alert: Alert) -> bool:
    """Whether this active alert asks the owner to act (see ``ACTION_NEEDED``)."""
    return alert.type in ACTION_NEEDED and alert_is_active(alert)


def _importance(alert: Alert) -> tuple[int, int, float]:
    severity = _SEVERITY_RANK.get(snake(alert.severity) if alert.severity else "", 0)
    started = alert.started_at.timestamp() if alert.started_at else 0.0
    return (severity, int(alert.type in ACTION_NEEDED), started)


def main_alert(alerts: list[Alert] | None) -> str | None:
    """The most important active alert as a state, None while the alerts are unknown.

    By severity, then need of action, then the newest. ``none`` without an active alert,
    ``other`` for a type we do not name.
    """
    if alerts is None:
        return None
    active = [alert for alert in alerts if alert_is_active(alert) and alert.type]
    if not active:
        return NO_ALERT
    kind = snake(max(active, key=_importance).type or "")
    return kind if kind in KNOWN_ALERTS else OTHER_ALERT


def action_alert_types(alerts: list[Alert] | None) -> set[str]:
    """The snake_case types of the active alerts that need action (one repair issue each)."""
    return {snake(alert.type) for alert in alerts or () if alert.type and needs_action(alert)}
