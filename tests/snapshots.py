"""Snapshot comparisons that let a newer Home Assistant add fields, and report them.

The stored snapshots (``tests/integration/snapshots/*.ambr``) are made on the Home Assistant the
test plugin pins. A newer Home Assistant often adds a field to what it serializes (2026.11 added
one to every entity registry entry), which would fail every snapshot test although nothing of
ours changed. So, only when the installed Home Assistant is newer than the pinned one, a
serialization that differs from the stored snapshot by added fields alone matches; the added
fields are collected and printed in the terminal summary (``tests/conftest.py``). Anything
changed or removed still fails, and the stored snapshots are never rewritten in that mode. On
the pinned version comparisons stay exact.

The comparison works on syrupy's amber text: two spaces of indentation per level, one entry a
line (``'key': value,`` in a dict, ``name=value,`` in an object), and an entry whose value spans
lines ends with a closing line at its own indentation.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from importlib import metadata
import re
from typing import Any, ClassVar

from packaging.version import Version
from pytest_homeassistant_custom_component.syrupy import HomeAssistantSnapshotExtension

PLUGIN = "pytest-homeassistant-custom-component"

# The key of an entry that may be added: a quoted or enum key in a dict, a name in an object.
_DICT_KEY = re.compile(r"(?:'(?P<quoted>[^']*)'|(?P<enum><[^<>]*>)): ")
_ATTRIBUTE = re.compile(r"(?P<name>[A-Za-z_]\w*)=")
# Sets serialize like dicts (``set({``) but hold values, never keys.
_SET_OPENING = re.compile(r"(?:^|[\s(])(?:frozen)?set\(\{$")


def pinned_home_assistant() -> str | None:
    """The Home Assistant version the installed test plugin requires exactly, if any."""
    for requirement in metadata.requires(PLUGIN) or []:
        name, _, version = requirement.partition("==")
        if name.strip().lower() == "homeassistant" and version:
            return version.split(";", 1)[0].strip()
    return None


def installed_home_assistant() -> str:
    """The installed Home Assistant's version."""
    return metadata.version("homeassistant")


def is_newer(installed: str, pinned: str | None) -> bool:
    """Whether ``installed`` is newer than the plugin's pin (never, without a pin)."""
    return pinned is not None and Version(installed) > Version(pinned)


@dataclass
class _Line:
    """One line of a serialization and the more deeply indented lines that follow it."""

    text: str
    children: list[_Line] = field(default_factory=list)

    @property
    def opens(self) -> bool:
        return bool(self.children)


def _tree(serialized: str) -> list[_Line]:
    """The serialization's lines nested by indentation."""
    top: list[_Line] = []
    # (indentation, the list the next deeper line goes into)
    stack: list[tuple[int, list[_Line]]] = [(-1, top)]
    for text in serialized.splitlines():
        indent = len(text) - len(text.lstrip(" "))
        while stack[-1][0] >= indent:
            stack.pop()
        line = _Line(text.strip())
        stack[-1][1].append(line)
        stack.append((indent, line.children))
    return top


def _entry_key(parent: str, line: str) -> str | None:
    """The key of ``line`` when it is an entry of the dict or object ``parent`` opens."""
    if parent.endswith("({") and not _SET_OPENING.search(parent):
        match = _DICT_KEY.match(line)
        if match:
            return match["quoted"] if match["quoted"] is not None else match["enum"]
    elif parent.endswith("("):
        match = _ATTRIBUTE.match(line)
        if match:
            return match["name"]
    return None


def _is_closing(line: _Line) -> bool:
    return not line.opens and (line.text[:1] in {"}", "]", ")"} or line.text.startswith("'''"))


def _added(
    parent: str | None, new: list[_Line], stored: list[_Line], path: str
) -> list[str] | None:
    """The paths of the entries ``new`` adds to ``stored``; None when it differs otherwise."""
    added: list[str] = []
    position = 0
    index = 0
    while index < len(new):
        line = new[index]
        key = _entry_key(parent, line.text) if parent is not None else None
        if position < len(stored) and line.text == stored[position].text:
            inner_path = f"{path}{key}." if key is not None else path
            inner = _added(line.text, line.children, stored[position].children, inner_path)
            if inner is not None:
                added += inner
                position += 1
                index += 1
                continue
        if key is None:
            return None
        added.append(f"{path}{key}")
        index += 1
        # A value over several lines ends with its own closing line, added with it.
        if line.opens:
            if index < len(new) and _is_closing(new[index]):
                index += 1
            else:
                return None
    if position < len(stored):
        return None
    return added


def added_fields(serialized: str, stored: str) -> list[str] | None:
    """The fields ``serialized`` adds to ``stored``, when it differs by added fields alone.

    A field is named by its key, nested keys joined by dots (``options.extra``). None when
    anything else differs: a changed or removed line, or an added line that is not an entry of
    a dict or an object. An empty list means the two are the same.
    """
    return _added(None, _tree(serialized), _tree(stored), "")


@dataclass
class AddedFieldsReport:
    """How many snapshots each added field was accepted in, for the terminal summary."""

    home_assistant: str
    snapshots: Counter[str] = field(default_factory=Counter)

    def record(self, fields: list[str]) -> None:
        """Count one snapshot for every field it added."""
        self.snapshots.update(set(fields))

    def summary(self) -> str | None:
        """The line for the terminal summary, or None when nothing was added."""
        if not self.snapshots:
            return None
        counts = ", ".join(
            f"{name} ({count} snapshot{'s' if count != 1 else ''})"
            for name, count in sorted(self.snapshots.items())
        )
        return (
            f"snapshot fields added by Home Assistant {self.home_assistant} (not failing): {counts}"
        )


# Decided once per run: the installed Home Assistant does not change while tests run.
ACCEPT_ADDED_FIELDS = is_newer(installed_home_assistant(), pinned_home_assistant())
REPORT = AddedFieldsReport(installed_home_assistant())


class SnapshotExtension(HomeAssistantSnapshotExtension):
    """Home Assistant's snapshot format; on a newer Home Assistant, added fields match."""

    accept_added_fields: ClassVar[bool] = ACCEPT_ADDED_FIELDS
    report: ClassVar[AddedFieldsReport] = REPORT

    def matches(self, *, serialized_data: Any, snapshot_data: Any) -> bool:
        """Exact, or (on a newer Home Assistant) the stored snapshot plus added fields."""
        if super().matches(serialized_data=serialized_data, snapshot_data=snapshot_data):
            return True
        if not (
            self.accept_added_fields
            and isinstance(serialized_data, str)
            and isinstance(snapshot_data, str)
        ):
            return False
        added = added_fields(serialized_data, snapshot_data)
        if not added:
            return False
        self.report.record(added)
        return True
