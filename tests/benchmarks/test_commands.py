"""The remote-commands benchmark (benchmarks/commands.py) runs: pairing through the options
flow, commands over the simulator's broker, reconnects, a shortened day. Figures are not
checked (they are the benchmark's output); that every table gets its rows and goals is."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from benchmarks import commands
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


async def test_command_round_trip(goals: list[list[str]]) -> None:
    table = await commands.command_figures(True, repeat=1)
    assert [row[0] for row in table.rows] == ["0 ms", "200 ms"]
    assert all(cell.endswith(" ms") for row in table.rows for cell in row[1:5]), table.rows
    assert any("round trip of the car's final answer" in row[0] for row in goals)


async def test_reconnect() -> None:
    table = await commands.reconnect_figures(True, repeat=1)
    assert [row[0] for row in table.rows] == ["broker restarted", "connection dropped"]
    assert all(row[2].endswith(" s") for row in table.rows)


async def test_day_with_commands(goals: list[list[str]]) -> None:
    table = await commands.day_figures(DEMO, True, minutes=5)
    assert len(table.rows) == 3
    idle, _busy, hops = table.rows
    assert idle[2] == "0 (0 + 0)"  # idle and connected: no MQTT token asked for
    assert hops[2] != "0.0 (0.0 + 0.0)"  # a command after hours: a refresh each
    assert any("OTP codes" in row[0] for row in goals)
