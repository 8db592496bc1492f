"""Which alert matters most, and which need action (a repair issue each)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from custom_components.psa_connected_car.api.alerts import (
    ACTION_NEEDED,
    KNOWN_ALERTS,
    action_alert_types,
    main_alert,
    needs_action,
)
from custom_components.psa_connected_car.api.models import Alert

AT = datetime(2026, 3, 14, 7, 58, tzinfo=UTC)


def alert(kind: str | None, severity: str | None = "Warning", **changes: object) -> Alert:
    values: dict[str, object] = {"type": kind, "severity": severity, "active": True}
    values.update(changes)
    return Alert(**values)  # type: ignore[arg-type]


def test_unknown_none_and_other() -> None:
    assert main_alert(None) is None  # the endpoint never answered: unknown
    assert main_alert([]) == "none"
    assert main_alert([alert("OilLevelLow", active=False)]) == "none"
    assert main_alert([alert(None)]) == "none"  # an alert without a type says nothing
    assert main_alert([alert("HeadlightsFault")]) == "other"  # a type we do not name


def test_severity_first_then_need_of_action_then_newest() -> None:
    critical_other = alert("HeadlightsFault", "Critical")
    warning_action = alert("OilLevelLow", "Warning")
    assert main_alert([warning_action, critical_other]) == "other"
    # Same severity: the one that needs action wins over one that does not.
    assert main_alert([alert("HeadlightsFault"), warning_action]) == "oil_level_low"
    # Same severity and need: the newest.
    older = alert("OilLevelLow", started_at=AT)
    newer = alert("ReplaceBrakePads", started_at=AT + timedelta(hours=1))
    assert main_alert([newer, older]) == "replace_brake_pads"
    assert main_alert([alert("OilLevelLow", None), alert("EngineFailure", "Information")]) == (
        "engine_failure"
    )


def test_action_needed_only_while_active() -> None:
    assert needs_action(alert("AdBlueFault"))
    assert not needs_action(alert("AdBlueFault", active=False))
    assert not needs_action(alert("AdBlueFault", active=None, ended_at=AT))
    assert not needs_action(alert("HeadlightsFault"))
    alerts = [
        alert("AdBlueFault"),
        alert("AdBlueFault", started_at=AT),  # the same type twice: one issue
        alert("LeftFrontTirePuncture", active=False),
        alert("RiskOfIce"),
        alert(None),
    ]
    assert action_alert_types(alerts) == {"ad_blue_fault"}
    assert action_alert_types(None) == set()


def test_named_alerts_are_the_action_ones() -> None:
    assert len(KNOWN_ALERTS) == len(ACTION_NEEDED)
    assert "coolant_levellow" in KNOWN_ALERTS  # the API's own spelling, kept
