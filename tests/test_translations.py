"""The translations: their structure, the keys the code uses, entity texts and icons.

Pure file checks (no Home Assistant instance). The structural rules are hassfest's (its code is
not in the homeassistant wheel, so these are our own checks of the same rules, against the
strings schema); the keys the code uses are read from its source; entity descriptions from the
platform modules, texts from translations/*.json, icons from icons.json. Every language has what
English has, and is a real translation.
"""

from __future__ import annotations

import ast
import importlib
import json
from pathlib import Path
import re
import string
from typing import Any

from homeassistant.components.sensor import SensorDeviceClass
from homeassistant.helpers.entity import EntityDescription
import pytest

from custom_components.psa_connected_car import sensor
from custom_components.psa_connected_car.api.alerts import ACTION_NEEDED
from custom_components.psa_connected_car.api.derived import snake

DOMAIN = "psa_connected_car"
INTEGRATION = Path(__file__).resolve().parents[1] / "custom_components" / DOMAIN
TRANSLATIONS = INTEGRATION / "translations"
LANGUAGES = ("en", "fr", "de", "it", "es", "nl")
PLATFORM_MODULES = (
    "sensor",
    "binary_sensor",
    "device_tracker",
    "image",
    "button",
    "lock",
    "switch",
    "time",
    "event",
)

KEY_RE = re.compile(r"^(?!.+[_-]{2})(?![_-])[a-z0-9-_]+(?<![_-])$")
URL_RE = re.compile(r"(https?|ftp|mqtt)://|www\.", re.IGNORECASE)
HTML_RE = re.compile(r"<[a-z/][^>]*>", re.IGNORECASE)

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
    # How a charge ended: any charging status but InProgress.
    ("last_charge_energy", "end_status"): ("Disconnected", "Failure", "Stopped", "Finished"),
}


def load(language: str) -> dict[str, Any]:
    return json.loads((TRANSLATIONS / f"{language}.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


@pytest.fixture(name="en")
def en_fixture() -> dict[str, Any]:
    path = TRANSLATIONS / "en.json"
    assert path.is_file(), (
        "translations/en.json is required (custom integrations have no strings.json)"
    )
    return load("en")


def leaves(tree: Any, prefix: str = "") -> dict[str, str]:
    """Every text of a translation file by its dotted path."""
    if not isinstance(tree, dict):
        return {prefix: tree}
    found: dict[str, str] = {}
    for key, value in tree.items():
        found.update(leaves(value, f"{prefix}.{key}" if prefix else key))
    return found


def placeholders_in(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field}


# --- the languages -------------------------------------------------------------------------------


def test_every_language_file_exists() -> None:
    assert sorted(path.stem for path in TRANSLATIONS.glob("*.json")) == sorted(LANGUAGES)


@pytest.mark.parametrize("language", LANGUAGES[1:])
def test_same_keys_and_placeholders_as_english(language: str, en: dict[str, Any]) -> None:
    """All sections, not only ``entity``: a key missing anywhere shows English (or nothing)."""
    other = load(language)
    assert set(other) == set(en), "top-level sections differ"
    english_texts, other_texts = leaves(en), leaves(other)
    assert set(other_texts) == set(english_texts)
    for path, text in english_texts.items():
        assert placeholders_in(other_texts[path]) == placeholders_in(text), path
        assert other_texts[path].strip(), path


@pytest.mark.parametrize("language", LANGUAGES[1:])
def test_entity_names_are_translated(language: str, en: dict[str, Any]) -> None:
    """A real translation: only a few names may read the same as in English (e.g. "Alarm")."""
    english = leaves(en["entity"])
    other = leaves(load(language)["entity"])
    same = sorted(path for path, text in english.items() if other[path] == text)
    assert len(same) <= len(english) // 10, same


# --- structure: the strings schema -------------------------------------------------------------


def check_text(path: str, value: Any, *, placeholders: bool = True) -> list[str]:
    """The rules hassfest applies to every translated string."""
    if not isinstance(value, str):
        return [f"{path}: not a string"]
    errors = []
    if not value or value != value.strip():
        errors.append(f"{path}: empty or padded with spaces")
    if HTML_RE.search(value):
        errors.append(f"{path}: HTML")
    if URL_RE.search(value):
        errors.append(f"{path}: URL (use a description placeholder)")
    if "[%key:" in value:
        errors.append(f"{path}: [%key:...] references are not resolved for custom integrations")
    if re.search(r"'\{\w+\}'", value):
        errors.append(f"{path}: placeholder in single quotes")
    try:
        fields = [field for _, field, _, _ in string.Formatter().parse(value) if field]
    except ValueError:
        return [*errors, f"{path}: unbalanced braces"]
    if fields and not placeholders:
        errors.append(f"{path}: placeholders are not allowed here")
    errors.extend(
        f"{path}: bad placeholder {field}" for field in fields if not field.isidentifier()
    )
    return errors


def check_mapping(
    path: str, value: Any, allowed: dict[str, Any], required: tuple[str, ...] = ()
) -> list[str]:
    """`allowed` maps a key to a checker(path, value) -> errors."""
    if not isinstance(value, dict):
        return [f"{path}: not an object"]
    errors = [f"{path}.{key}: required" for key in required if key not in value]
    for key, item in value.items():
        if key not in allowed:
            errors.append(f"{path}.{key}: unknown key")
        else:
            errors.extend(allowed[key](f"{path}.{key}", item))
    return errors


def keyed(path: str, value: Any, checker: Any) -> list[str]:
    """An object of translation key -> object checked by `checker`."""
    if not isinstance(value, dict):
        return [f"{path}: not an object"]
    errors = []
    for key, item in value.items():
        if not KEY_RE.match(key):
            errors.append(f"{path}.{key}: invalid key")
        errors.extend(checker(f"{path}.{key}", item))
    return errors


def texts(path: str, value: Any, *, placeholders: bool = True) -> list[str]:
    """An object of translation key -> text."""
    return keyed(path, value, lambda p, v: check_text(p, v, placeholders=placeholders))


def check_step(path: str, value: Any) -> list[str]:
    errors = check_mapping(
        path,
        value,
        {
            "title": check_text,
            "description": check_text,
            "data": texts,
            "data_description": texts,
            "menu_options": texts,
            "submit": check_text,
        },
    )
    if isinstance(value, dict):
        data = value.get("data", {})
        described = value.get("data_description", {})
        errors.extend(
            f"{path}.data_description.{key}: not in data" for key in described if key not in data
        )
        # Our own rule (quality scale, config-flow): every field is explained.
        errors.extend(
            f"{path}.data.{key}: no data_description" for key in data if key not in described
        )
    return errors


def check_flow(path: str, value: Any) -> list[str]:
    return check_mapping(
        path,
        value,
        {
            "flow_title": check_text,
            "step": lambda p, v: keyed(p, v, check_step),
            "error": texts,
            "abort": texts,
            "progress": texts,
            "create_entry": texts,
            "initiate_flow": texts,
        },
        required=("step",),
    )


def check_entity(path: str, value: Any) -> list[str]:
    return check_mapping(
        path,
        value,
        {
            "name": check_text,
            "state": lambda p, v: texts(p, v, placeholders=False),
            "state_attributes": lambda p, v: keyed(
                p,
                v,
                lambda p2, v2: check_mapping(
                    p2,
                    v2,
                    {
                        "name": lambda p3, v3: check_text(p3, v3, placeholders=False),
                        "state": lambda p3, v3: texts(p3, v3, placeholders=False),
                    },
                ),
            ),
            "unit_of_measurement": lambda p, v: check_text(p, v, placeholders=False),
        },
    )


def check_issue(path: str, value: Any) -> list[str]:
    errors = check_mapping(
        path,
        value,
        {"title": check_text, "description": check_text, "fix_flow": check_flow},
        ("title",),
    )
    if isinstance(value, dict) and ("description" in value) == ("fix_flow" in value):
        errors.append(f"{path}: needs exactly one of description and fix_flow")
    return errors


def check_strings(strings: Any) -> list[str]:
    """Our reading of hassfest's strings schema, for the sections an integration like ours uses."""
    return check_mapping(
        "",
        strings,
        {
            "title": check_text,
            "config": check_flow,
            "options": check_flow,
            "selector": lambda p, v: keyed(
                p, v, lambda p2, v2: check_mapping(p2, v2, {"options": texts, "choices": texts})
            ),
            "entity": lambda p, v: keyed(p, v, lambda p2, v2: keyed(p2, v2, check_entity)),
            "device": lambda p, v: keyed(
                p, v, lambda p2, v2: check_mapping(p2, v2, {"name": check_text})
            ),
            "exceptions": lambda p, v: keyed(
                p, v, lambda p2, v2: check_mapping(p2, v2, {"message": check_text}, ("message",))
            ),
            "issues": lambda p, v: keyed(p, v, check_issue),
            "services": lambda p, v: keyed(
                p,
                v,
                lambda p2, v2: check_mapping(
                    p2,
                    v2,
                    {
                        "name": check_text,
                        "description": check_text,
                        "fields": lambda p3, v3: keyed(
                            p3,
                            v3,
                            lambda p4, v4: check_mapping(
                                p4,
                                v4,
                                {
                                    "name": check_text,
                                    "description": check_text,
                                    "example": check_text,
                                },
                            ),
                        ),
                    },
                    ("name", "description"),
                ),
            ),
            "system_health": lambda p, v: check_mapping(p, v, {"info": texts}),
        },
    )


def test_checker_catches_mistakes() -> None:
    """The structural check itself: each planted mistake is reported."""
    bad = {
        "config": {
            "step": {
                "user": {
                    "title": " padded",
                    "data": {"email": "Email", "password": "See https://example.com"},
                    "data_description": {"email": "Your login", "ghost": "x"},
                    "oops": "x",
                }
            },
            "error": {"Bad_Key": "<b>bold</b>"},
        },
        "entity": {"sensor": {"level": {"name": "Level", "state": {"on": "{value}"}}}},
        "exceptions": {"failed": {}},
        "unknown": {},
    }
    errors = "\n".join(check_strings(bad))
    for expected in (
        ".config.step.user.title: empty or padded",
        ".config.step.user.data.password: URL",
        ".config.step.user.data_description.ghost: not in data",
        ".config.step.user.data.password: no data_description",
        ".config.step.user.oops: unknown key",
        ".config.error.Bad_Key: invalid key",
        ".config.error.Bad_Key: HTML",
        ".entity.sensor.level.state.on: placeholders are not allowed",
        ".exceptions.failed.message: required",
        ".unknown: unknown key",
    ):
        assert expected in errors
    assert check_strings({"config": {"step": {"user": {"title": "Sign in"}}}}) == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_translation_file_structure(language: str) -> None:
    errors = check_strings(load(language))
    assert not errors, "\n".join(errors)


# --- every key the code uses exists, and no other ---------------------------------------------


def python_files() -> list[Path]:
    return sorted(path for path in INTEGRATION.rglob("*.py") if "__pycache__" not in path.parts)


def string_constants() -> dict[str, str]:
    """Module-level NAME = "text" assignments of the whole package (for keys held in constants)."""
    constants: dict[str, str] = {}
    for path in python_files():
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            target = None
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                target, value = node.targets[0], node.value
            elif isinstance(node, ast.AnnAssign) and node.value is not None:
                target, value = node.target, node.value
            if (
                isinstance(target, ast.Name)
                and isinstance(value, ast.Constant)
                and isinstance(value.value, str)
            ):
                constants[target.id] = value.value
    return constants


def literal(node: ast.AST | None, constants: dict[str, str]) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Name):
        return constants.get(node.id)
    if isinstance(node, ast.Attribute):  # const.SOMETHING
        return constants.get(node.attr)
    return None


def call_name(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""


class KeyCollector(ast.NodeVisitor):
    """Collects the translation keys a module uses, by kind.

    kinds: exceptions (translation_domain + translation_key), issues (async_create_issue),
    config/options/repairs (errors, aborts and step ids of the flows; repairs: the fix flows).
    """

    def __init__(
        self, constants: dict[str, str], forwarding: dict[str, tuple[int, str, str]]
    ) -> None:
        self.constants = constants
        # Helpers that receive the key as a parameter: name -> (position, parameter, kind).
        self.forwarding = forwarding
        self.used: dict[str, set[str]] = {
            "exceptions": set(),
            "issues": set(),
            "config": set(),
            "options": set(),
            "repairs": set(),
        }
        self.flow = "config"

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        previous = self.flow
        bases = {
            base.attr if isinstance(base, ast.Attribute) else getattr(base, "id", "")
            for base in node.bases
        }
        if any("OptionsFlow" in base for base in bases):
            self.flow = "options"
        elif any("RepairsFlow" in base for base in bases):
            self.flow = "repairs"
        elif any("ConfigFlow" in base for base in bases):
            self.flow = "config"
        self.generic_visit(node)
        self.flow = previous

    def visit_Call(self, node: ast.Call) -> None:
        name = call_name(node)
        keywords = {keyword.arg: keyword.value for keyword in node.keywords if keyword.arg}
        key = literal(keywords.get("translation_key"), self.constants)
        if key is not None:
            if name == "async_create_issue":
                self.used["issues"].add(key)
            elif "translation_domain" in keywords:
                self.used["exceptions"].add(key)
        if name in self.forwarding:
            position, parameter, kind = self.forwarding[name]
            argument = node.args[position] if len(node.args) > position else keywords.get(parameter)
            if (value := literal(argument, self.constants)) is not None:
                self.used[kind].add(value)
        flow = self.flow
        if name == "async_show_form" and (step := literal(keywords.get("step_id"), self.constants)):
            self.used[flow].add(f"step.{step}")
        if name == "async_abort" and (reason := literal(keywords.get("reason"), self.constants)):
            self.used[flow].add(f"abort.{reason}")
        if name == "_abort_if_unique_id_configured":
            self.used[flow].add("abort.already_configured")
        if name == "async_update_reload_and_abort":
            reason = literal(keywords.get("reason"), self.constants)
            self.used[flow].add(f"abort.{reason}" if reason else "abort.reauth_successful")
        self.generic_visit(node)

    def visit_Dict(self, node: ast.Dict) -> None:
        items = {
            literal(k, self.constants): v for k, v in zip(node.keys, node.values, strict=True) if k
        }
        if "translation_domain" in items and (
            key := literal(items.get("translation_key"), self.constants)
        ):
            self.used["exceptions"].add(key)
        if (value := literal(items.get("base"), self.constants)) is not None:
            self.used[self.flow].add(f"error.{value}")
        self.generic_visit(node)

    def visit_Assign(self, node: ast.Assign) -> None:
        # errors["base"] = "cannot_connect" (also errors[CONF_X] = ...)
        for target in node.targets:
            if (
                isinstance(target, ast.Subscript)
                and isinstance(target.value, ast.Name)
                and target.value.id == "errors"
                and (value := literal(node.value, self.constants)) is not None
            ):
                self.used[self.flow].add(f"error.{value}")
        self.generic_visit(node)


def forwarding_helpers() -> dict[str, tuple[int, str, str]]:
    """Functions that pass one of their parameters on as an exception's translation key."""
    helpers: dict[str, tuple[int, str, str]] = {}
    for path in python_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            parameters = [argument.arg for argument in node.args.args]
            for inner in ast.walk(node):
                value: ast.AST | None = None
                if isinstance(inner, ast.Call) and call_name(inner).endswith("EntityDescription"):
                    continue  # entity keys are checked from the descriptions themselves
                if isinstance(inner, ast.Call):
                    kws = {keyword.arg: keyword.value for keyword in inner.keywords}
                    if "translation_domain" in kws:
                        value = kws.get("translation_key")
                elif isinstance(inner, ast.Dict):
                    items = {
                        k.value: v
                        for k, v in zip(inner.keys, inner.values, strict=True)
                        if isinstance(k, ast.Constant)
                    }
                    if "translation_domain" in items:
                        value = items.get("translation_key")
                if isinstance(value, ast.Name) and value.id in parameters:
                    helpers[node.name] = (parameters.index(value.id), value.id, "exceptions")
    return helpers


def used_keys() -> dict[str, set[str]]:
    constants = string_constants()
    collector = KeyCollector(constants, forwarding_helpers())
    for path in python_files():
        collector.flow = "config"
        collector.visit(ast.parse(path.read_text(encoding="utf-8")))
    return collector.used


def test_exception_and_issue_keys_exist(en: dict[str, Any]) -> None:
    used = used_keys()
    assert used["exceptions"], (
        "the scan found no exception keys: is it still looking at the right calls?"
    )
    missing = sorted(
        key for key in used["exceptions"] if "message" not in en.get("exceptions", {}).get(key, {})
    )
    assert not missing, "\n".join(missing)
    missing = sorted(key for key in used["issues"] if key not in en.get("issues", {}))
    assert not missing, "\n".join(missing)


@pytest.mark.parametrize("flow", ["config", "options"])
def test_flow_keys_exist(flow: str, en: dict[str, Any]) -> None:
    used = used_keys()[flow]
    if flow == "config":
        assert "step.user" in used, (
            "the scan found no config flow: is it still looking at the right calls?"
        )
    section = en.get(flow, {})
    missing = []
    for entry in sorted(used):
        kind, key = entry.split(".", 1)
        if key not in section.get(kind, {}):
            missing.append(f"{flow}.{entry}")
    assert not missing, "\n".join(missing)


def test_fix_flow_keys_exist(en: dict[str, Any]) -> None:
    """Each step and abort of a repair's fix flow is in the fix flow of some issue."""
    used = used_keys()["repairs"]
    assert "step.confirm" in used, "the scan found no fix flow: is it still looking at them?"
    flows = [issue["fix_flow"] for issue in en["issues"].values() if "fix_flow" in issue]
    missing = []
    for entry in sorted(used):
        kind, key = entry.split(".", 1)
        if not any(key in flow.get(kind, {}) for flow in flows):
            missing.append(f"repairs.{entry}")
    assert not missing, "\n".join(missing)


def entity_descriptions() -> dict[str, list[EntityDescription]]:
    """The entity descriptions each platform module defines (module-level, in collections too)."""
    found: dict[str, list[EntityDescription]] = {}
    for platform in PLATFORM_MODULES:
        if not (INTEGRATION / f"{platform}.py").is_file():
            continue
        module = importlib.import_module(f"custom_components.{DOMAIN}.{platform}")
        items: list[EntityDescription] = []
        for value in vars(module).values():
            candidates = value.values() if isinstance(value, dict) else value
            if isinstance(value, EntityDescription):
                candidates = [value]
            elif not isinstance(value, tuple | list | dict):
                continue
            items.extend(item for item in candidates if isinstance(item, EntityDescription))
        found[platform] = items
    return found


def test_entity_keys_exist(en: dict[str, Any]) -> None:
    """Each described entity has a translated name, and every state an enum sensor can take."""
    descriptions = entity_descriptions()
    assert descriptions.get("sensor"), "no sensor descriptions found"
    entity = en.get("entity", {})
    # A platform whose entity sets `_attr_name = None` is the device's main feature: device name.
    unnamed = {
        platform: "_attr_name = None"
        in (INTEGRATION / f"{platform}.py").read_text(encoding="utf-8")
        for platform in descriptions
    }
    missing = []
    for platform, items in descriptions.items():
        for description in items:
            key = description.translation_key
            if key is None:
                continue
            translated = entity.get(platform, {}).get(key, {})
            if "name" not in translated and not unnamed[platform]:
                missing.append(f"entity.{platform}.{key}.name")
            for option in getattr(description, "options", None) or ():
                if option not in translated.get("state", {}):
                    missing.append(f"entity.{platform}.{key}.state.{option}")
    assert not missing, "\n".join(missing)


def test_event_types_are_translated(en: dict[str, Any]) -> None:
    """Each event type an event entity fires has a translated state of ``event_type``."""
    for description in entity_descriptions()["event"]:
        key = description.translation_key
        texts = en["entity"]["event"][key]["state_attributes"]["event_type"]["state"]
        assert set(texts) == set(getattr(description, "event_types", None) or ()), key


def test_no_unused_entity_translations(en: dict[str, Any]) -> None:
    used = {
        (platform, description.translation_key)
        for platform, items in entity_descriptions().items()
        for description in items
    }
    unused = [
        f"{platform}.{key}"
        for platform, keys in en.get("entity", {}).items()
        for key in keys
        if (platform, key) not in used
    ]
    assert not unused, "\n".join(unused)


# --- entity texts --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "platform", ["sensor", "binary_sensor", "button", "lock", "switch", "time"]
)
def test_translation_key_is_the_entity_key(platform: str) -> None:
    """Texts and icons are found under the description's own key."""
    descriptions = entity_descriptions()[platform]
    assert descriptions, platform
    for description in descriptions:
        assert description.translation_key == description.key


def test_no_name_for_the_tracker(en: dict[str, Any]) -> None:
    """The tracker is the vehicle's main entity: it takes the device's name, so no text.

    (A name text would win over ``_attr_name = None``; test_device_tracker checks the name.)
    """
    assert "device_tracker" not in en["entity"]


def test_picture_name_for_the_image_entity() -> None:
    for language in LANGUAGES:
        assert load(language)["entity"]["image"]["picture"]["name"]


def test_enum_sensors_cover_the_documented_values(en: dict[str, Any]) -> None:
    """Each API value becomes a declared option (snake_case) with a translated state."""
    entity = en["entity"]["sensor"]
    enums = {
        d.key: d
        for d in sensor.SENSORS
        if d.device_class == SensorDeviceClass.ENUM and d.key != "main_alert"
    }
    assert set(enums) == set(API_ENUMS)
    for key, values in API_ENUMS.items():
        options = enums[key].options
        assert options is not None
        assert sorted(options) == sorted(snake(value) for value in values), key
        assert set(entity[key]["state"]) == set(options), key


def test_every_named_alert_is_translated(en: dict[str, Any]) -> None:
    """The most important alert: each alert type we name, ``other`` and ``none``."""
    description = next(d for d in sensor.SENSORS if d.key == "main_alert")
    assert description.options is not None
    assert sorted(description.options) == sorted(
        [*(snake(kind) for kind in ACTION_NEEDED), "other", "none"]
    )
    assert set(en["entity"]["sensor"]["main_alert"]["state"]) == set(description.options)
    # The alert issue names the vehicle and the alert, in every language.
    for language in LANGUAGES:
        issue = load(language)["issues"]["vehicle_alert"]
        assert placeholders_in(issue["title"]) == {"vehicle", "alert"}, language


def test_translated_attribute_values(en: dict[str, Any]) -> None:
    entity = en["entity"]["sensor"]
    for (key, attribute), values in API_ATTRIBUTE_ENUMS.items():
        texts = entity[key]["state_attributes"][attribute]
        assert texts["name"]
        assert set(texts["state"]) == {snake(value) for value in values}
    assert entity["active_alerts"]["state_attributes"]["alerts"]["name"]


def test_alarm_states(en: dict[str, Any]) -> None:
    """No device class fits an alarm: its on/off states are named (armed/disarmed)."""
    assert set(en["entity"]["binary_sensor"]["alarm"]["state"]) == {"on", "off"}


# --- icons.json ----------------------------------------------------------------------------------


def icon_names() -> set[str] | None:
    """Every Material Design icon the installed frontend knows, None without the frontend."""
    try:
        import hass_frontend  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        return None
    names: set[str] = set()
    for path in (Path(hass_frontend.where()) / "static" / "mdi").glob("*.json"):
        content = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(content, dict) and "version" not in content:
            names.update(content)
    return names


def test_icons(en: dict[str, Any]) -> None:
    """Icons refer to our entities and their real states, and exist in Material Design Icons."""
    icons = json.loads((INTEGRATION / "icons.json").read_text(encoding="utf-8"))
    assert set(icons) <= {"entity", "services"}
    descriptions = {
        platform: {description.translation_key: description for description in items}
        for platform, items in entity_descriptions().items()
    }
    known = icon_names()
    for platform, entries in icons["entity"].items():
        for key, icon in entries.items():
            where = f"icons.json entity.{platform}.{key}"
            assert key in descriptions.get(platform, {}), f"{where}: no entity uses it"
            assert set(icon) <= {"default", "state", "range"}, where
            assert "default" in icon, where
            if platform == "binary_sensor":
                states = {"on", "off"}
            else:
                states = set(getattr(descriptions[platform][key], "options", None) or ())
            assert set(icon.get("state", {})) <= states, where
            translated = en["entity"].get(platform, {}).get(key, {}).get("state", {})
            for state in icon.get("state", {}):
                assert not translated or state in translated, f"{where} state {state}"
            for name in [icon["default"], *icon.get("state", {}).values()]:
                assert name.startswith("mdi:"), f"{where}: {name}"
                if known is not None:
                    assert name.removeprefix("mdi:") in known, name
    # The state-dependent icons owners look at most.
    assert "state" in icons["entity"]["sensor"]["charging_status"]
    for key in ("plugged_in", "lock", "driver_door"):
        assert "state" in icons["entity"]["binary_sensor"][key], key
