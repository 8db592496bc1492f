"""Entity names, states and icons: every key the platforms use is translated, in six languages.

Pure file checks (no Home Assistant instance): the descriptions are read from the platform
modules, the texts from translations/*.json, the icons from icons.json.
"""

from __future__ import annotations

import json
from pathlib import Path
import string
from typing import Any

from homeassistant.components.sensor import SensorDeviceClass
import pytest

from custom_components.psa_connected_car import binary_sensor, device_tracker, image, sensor
from custom_components.psa_connected_car.api.derived import snake

INTEGRATION = Path(__file__).resolve().parents[2] / "custom_components" / "psa_connected_car"
TRANSLATIONS = INTEGRATION / "translations"
LANGUAGES = ("en", "fr", "de", "it", "es", "nl")

# The values the API documents for each enum we expose (docs: psa-api.md §5.2).
API_ENUMS: dict[str, tuple[str, ...]] = {
    "charging_status": ("Disconnected", "InProgress", "Failure", "Stopped", "Finished"),
    "charging_mode": ("No", "Slow", "Quick"),
    "charging_power_level": ("Level1", "Level2", "Level3", "Level4", "Level5"),
    "charging_type": ("Partial", "Full"),
    "ignition": ("Stop", "StartUp", "Start", "Free"),
    "preconditioning_status": ("Enabled", "Disabled", "Finished", "Failure"),
    "privacy": ("None", "Geolocation", "Full"),
}
# Attributes whose values are translatable keys: attribute -> the API's values.
API_ATTRIBUTE_ENUMS: dict[tuple[str, str], tuple[str, ...]] = {
    ("preconditioning_status", "failure_cause"): (
        "Defect",
        "DoorOpened",
        "LowBattery",
        "LowFuelLevel",
        "TooManyUnusedProg",
        "WindowsRoofOpened",
        "HoodOpened",
        "NotParked",
        "OtherFailures",
    ),
    ("preconditioning_status", "starting_cause"): ("Immediate", "Scheduled"),
}


def load(language: str) -> dict[str, Any]:
    return json.loads((TRANSLATIONS / f"{language}.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def leaves(tree: Any, prefix: str = "") -> dict[str, str]:
    """Every text of a translation file by its dotted path."""
    if not isinstance(tree, dict):
        return {prefix: tree}
    found: dict[str, str] = {}
    for key, value in tree.items():
        found.update(leaves(value, f"{prefix}.{key}" if prefix else key))
    return found


def placeholders(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field}


DESCRIPTIONS = {
    "sensor": sensor.SENSORS,
    "binary_sensor": binary_sensor.BINARY_SENSORS,
}


def test_every_language_file_exists() -> None:
    assert sorted(path.stem for path in TRANSLATIONS.glob("*.json")) == sorted(LANGUAGES)


@pytest.mark.parametrize("language", LANGUAGES[1:])
def test_same_keys_and_placeholders_as_english(language: str) -> None:
    """All sections, not only ``entity``: a key missing anywhere shows English (or nothing)."""
    english, other = load("en"), load(language)
    assert set(other) == set(english), "top-level sections differ"
    english_texts, other_texts = leaves(english), leaves(other)
    assert set(other_texts) == set(english_texts)
    for path, text in english_texts.items():
        assert placeholders(other_texts[path]) == placeholders(text), path
        assert other_texts[path].strip(), path


@pytest.mark.parametrize("language", LANGUAGES[1:])
def test_entity_names_are_translated(language: str) -> None:
    """A real translation: only a few names may read the same as in English (e.g. "Alarm")."""
    english = leaves(load("en")["entity"])
    other = leaves(load(language)["entity"])
    same = sorted(path for path, text in english.items() if other[path] == text)
    assert len(same) <= len(english) // 10, same


@pytest.mark.parametrize("platform", ["sensor", "binary_sensor"])
def test_every_entity_has_a_name(platform: str) -> None:
    entity = load("en")["entity"]
    for description in DESCRIPTIONS[platform]:
        assert description.translation_key == description.key
        assert entity[platform][description.key]["name"], description.key


def test_no_name_for_the_tracker() -> None:
    """The tracker is the vehicle's main entity: it takes the device's name, so no text.

    (A name text would win over ``_attr_name = None``; test_device_tracker checks the name.)
    """
    assert "device_tracker" not in load("en")["entity"]


def test_picture_name_for_the_image_entity() -> None:
    for language in LANGUAGES:
        assert load(language)["entity"]["image"]["picture"]["name"]


def test_no_unused_entity_texts() -> None:
    entity = load("en")["entity"]
    for platform, descriptions in DESCRIPTIONS.items():
        assert set(entity[platform]) == {description.key for description in descriptions}


def test_enum_sensors_cover_the_documented_values() -> None:
    """Each API value becomes a declared option (snake_case) with a translated state."""
    entity = load("en")["entity"]["sensor"]
    enums = {d.key: d for d in sensor.SENSORS if d.device_class == SensorDeviceClass.ENUM}
    assert set(enums) == set(API_ENUMS)
    for key, values in API_ENUMS.items():
        options = enums[key].options
        assert options is not None
        assert sorted(options) == sorted(snake(value) for value in values), key
        assert set(entity[key]["state"]) == set(options), key


def test_translated_attribute_values() -> None:
    entity = load("en")["entity"]["sensor"]
    for (key, attribute), values in API_ATTRIBUTE_ENUMS.items():
        texts = entity[key]["state_attributes"][attribute]
        assert texts["name"]
        assert set(texts["state"]) == {snake(value) for value in values}
    assert entity["active_alerts"]["state_attributes"]["alerts"]["name"]


def test_alarm_states() -> None:
    """No device class fits an alarm: its on/off states are named (armed/disarmed)."""
    assert set(load("en")["entity"]["binary_sensor"]["alarm"]["state"]) == {"on", "off"}


def icon_names() -> set[str] | None:
    """Every Material Design icon the installed frontend knows, None without the frontend."""
    try:
        import hass_frontend  # type: ignore[import-not-found]
    except ImportError:
        return None
    names: set[str] = set()
    for path in (Path(hass_frontend.where()) / "static" / "mdi").glob("*.json"):
        content = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(content, dict) and "version" not in content:
            names.update(content)
    return names


def test_icons() -> None:
    """Icons refer to our entities and their real states, and exist in Material Design Icons."""
    icons = json.loads((INTEGRATION / "icons.json").read_text(encoding="utf-8"))["entity"]
    keys = {platform: {d.key: d for d in items} for platform, items in DESCRIPTIONS.items()}
    keys["device_tracker"] = {"location": device_tracker.LOCATION}
    keys["image"] = {"picture": image.PICTURE}
    known = icon_names()
    for platform, entries in icons.items():
        for key, icon in entries.items():
            description = keys[platform][key]
            if platform == "binary_sensor":
                states = {"on", "off"}
            else:
                states = set(getattr(description, "options", None) or ())
            assert set(icon.get("state", {})) <= states, f"{platform}.{key}"
            for name in [icon["default"], *icon.get("state", {}).values()]:
                assert name.startswith("mdi:"), name
                if known is not None:
                    assert name.removeprefix("mdi:") in known, name
    # The state-dependent icons owners look at most.
    assert "state" in icons["sensor"]["charging_status"]
    for key in ("plugged_in", "lock", "driver_door"):
        assert "state" in icons["binary_sensor"][key], key
