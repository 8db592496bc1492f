"""The report's pieces: tables in markdown, and the goals collected from every benchmark."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
import time
from typing import Any


@dataclass
class Table:
    title: str
    columns: list[str]
    rows: list[list[str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, *cells: object) -> None:
        self.rows.append([str(cell) for cell in cells])

    def markdown(self) -> str:
        lines = [f"### {self.title}", "", "| " + " | ".join(self.columns) + " |"]
        lines.append("|" + "|".join("---" for _ in self.columns) + "|")
        lines += ["| " + " | ".join(row) + " |" for row in self.rows]
        lines += [""] + [f"* {note}" for note in self.notes]
        return "\n".join(lines) + "\n"


def ratio(wall: float, trip: float) -> str:
    return f"{wall / trip:.2f}x"


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def verdict(ok: bool) -> str:
    return "met" if ok else "**not met**"


GOALS = Table("Goals", ["goal", "measured", "verdict"])


def goal(text: str, measured: object, ok: bool) -> None:
    GOALS.add(text, measured, verdict(ok))


async def timed(call: Callable[[], Awaitable[Any]]) -> float:
    started = time.perf_counter()
    await call()
    return time.perf_counter() - started
