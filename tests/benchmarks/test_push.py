"""The push-events benchmark (benchmarks/push.py) runs in its quick form: a shortened day
polled only and one with push on, the event-to-entity delay, the battery level's age while
charging. Figures are not checked (they are the benchmark's output); that every table gets
its rows and goal lines is."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from benchmarks import push
from benchmarks.report import GOALS
from benchmarks.run import DEMO


@pytest.fixture(autouse=True)
def disable_http_server() -> None:
    """Let the server bind for real here (the test plugin's fixture of this name stops it)."""


@pytest.fixture(autouse=True)
def goals(socket_enabled: None) -> Iterator[list[list[str]]]:
    """The goal lines added during the test (the table is shared by the whole run)."""
    before = len(GOALS.rows)
    yield GOALS.rows
    del GOALS.rows[before:]


async def test_day_push_against_polling(goals: list[list[str]]) -> None:
    table, extra = await push.day_figures(DEMO, minutes=10)
    assert [row[0] for row in table.rows] == [push.LABELS[kind] for kind in push.KINDS]
    parked = table.rows[0]
    assert parked[1] != "-"  # the thermal car is parked all along
    assert parked[2] != "-"
    assert len(extra.rows) == 4
    assert any("MQTT token" in row[0] for row in extra.rows)
    texts = [row[0] for row in goals]
    assert any("parked car" in text for text in texts)
    assert any("within 1 minute" in text for text in texts)


async def test_event_to_entity(goals: list[list[str]]) -> None:
    table = await push.delay_figures(DEMO, 2)
    assert len(table.rows) == 1
    assert table.rows[0][0] == "2"
    assert all(cell.endswith(" ms") for cell in table.rows[0][1:3]), table.rows
    assert any("entity state under 1 s" in row[0] for row in goals)


async def test_soc_age_with_and_without_wake() -> None:
    table = await push.soc_figures(DEMO, 20)
    assert [row[0] for row in table.rows] == ["off (default)", "on, every 15 min"]
    off, on = table.rows
    assert off[3] == "0"  # no wake-up without the option
    assert on[3] != "0"  # 20 minutes of a frozen level: the option wakes the car
    assert all(row[1].endswith(" min") for row in table.rows)
