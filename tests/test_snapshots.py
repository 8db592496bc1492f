"""The snapshot comparison of tests/snapshots.py: exact on the pinned Home Assistant, and on a
newer one the stored snapshot plus added fields (reported), nothing else.

The serializations are made by the extension itself, so they are real amber text.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.snapshots import (
    AddedFieldsReport,
    SnapshotExtension,
    added_fields,
    installed_home_assistant,
    is_newer,
    pinned_home_assistant,
)

STORED: dict[str, Any] = {
    "entity_id": "sensor.peugeot_electric_battery",
    "options": {"sensor": {"suggested_display_precision": 0}},
    "aliases": [None],
    "labels": set(),
    "state": "88.5",
}


def serialize(data: Any) -> str:
    """Amber text as the snapshot fixture writes it."""
    return str(SnapshotExtension().serialize(data))


def extension(*, newer: bool) -> tuple[SnapshotExtension, AddedFieldsReport]:
    """An extension deciding as on a newer (or the pinned) Home Assistant, with its own report."""
    report = AddedFieldsReport("2026.11.0")

    class Extension(SnapshotExtension):
        accept_added_fields = is_newer("2026.11.0" if newer else "2026.10.4", "2026.10.4")

    Extension.report = report
    return Extension(), report


def matches(ext: SnapshotExtension, new: dict[str, Any]) -> bool:
    return ext.matches(serialized_data=serialize(new), snapshot_data=serialize(STORED))


def test_an_added_field_matches_and_is_reported() -> None:
    ext, report = extension(newer=True)
    assert matches(ext, {**STORED, "compat_name": None})
    assert matches(ext, {**STORED, "compat_name": "Battery"})
    assert report.summary() == (
        "snapshot fields added by Home Assistant 2026.11.0 (not failing): compat_name (2 snapshots)"
    )


def test_a_nested_field_over_several_lines_is_named_by_its_path() -> None:
    new = {**STORED, "options": {**STORED["options"], "extra": {"a": 1, "b": [1, 2]}}}
    assert added_fields(serialize(new), serialize(STORED)) == ["options.extra"]
    assert added_fields(serialize(STORED), serialize(STORED)) == []


@pytest.mark.parametrize(
    ("name", "new"),
    [
        ("changed value", {**STORED, "state": "89"}),
        ("changed nested value", {**STORED, "options": {"sensor": {"other": 0}}}),
        ("removed field", {k: v for k, v in STORED.items() if k != "state"}),
        ("removed and added", {**{k: v for k, v in STORED.items() if k != "state"}, "x": 1}),
        ("added list item", {**STORED, "aliases": [None, "battery"]}),
        ("added set item", {**STORED, "labels": {"car"}}),
        # Serialized as 'x\': "y', which reads like a dict key: a set holds values only.
        ("added set item like a key", {**STORED, "labels": {"x': \"y"}}),
        ("changed type", {**STORED, "options": [{"sensor": {}}]}),
    ],
)
def test_anything_but_added_fields_fails(name: str, new: dict[str, Any]) -> None:
    ext, report = extension(newer=True)
    assert added_fields(serialize(new), serialize(STORED)) is None, name
    assert not matches(ext, new), name
    assert report.summary() is None


def test_a_changed_multiline_string_is_not_an_added_field() -> None:
    stored = {"text": "first\nsecond"}
    new = {"text": "first\n'key': value\nsecond"}
    assert added_fields(serialize(new), serialize(stored)) is None


def test_the_pinned_home_assistant_compares_exactly() -> None:
    ext, report = extension(newer=False)
    assert not matches(ext, {**STORED, "compat_name": None})
    assert matches(ext, dict(STORED))
    assert report.summary() is None


def test_newer_means_newer_than_the_plugins_pin() -> None:
    assert is_newer("2026.11.0", "2026.10.4")
    assert is_newer("2026.10.5", "2026.10.4")
    assert not is_newer("2026.10.4", "2026.10.4")
    assert not is_newer("2026.10.4", "2026.11.0")
    assert not is_newer("2026.11.0", None)
    # The installed plugin pins one exact version (the one .venv's Home Assistant is).
    assert pinned_home_assistant() is not None


def test_this_toolchain_decides_by_its_versions() -> None:
    """Tolerant exactly where the installed Home Assistant is not the pinned one (.venv-newest)."""
    differs = installed_home_assistant() != pinned_home_assistant()
    assert SnapshotExtension.accept_added_fields is differs
