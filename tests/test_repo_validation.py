"""What hassfest and the HACS action check in CI, checked locally (both need a GitHub runner).

hassfest's own code is not in the homeassistant wheel, so these are our own structural checks of
the same rules: the manifest, hacs.json, the translation files against the strings schema, every
translation key the code uses, icons.json, the brand images and the repository layout.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
import importlib
import json
import os
from pathlib import Path
import re
import string
from typing import Any

from awesomeversion import AwesomeVersion, AwesomeVersionStrategy
from homeassistant.helpers.entity import EntityDescription
from PIL import Image
import pytest

ROOT = Path(__file__).resolve().parents[1]
DOMAIN = "psa_connected_car"
INTEGRATION = ROOT / "custom_components" / DOMAIN
TRANSLATIONS = INTEGRATION / "translations"
PLATFORM_MODULES = ("sensor", "binary_sensor", "device_tracker", "image", "button", "switch")
# Folders that are not part of the repository's content (environments, caches, dev instance).
NOT_CONTENT = {".git", "node_modules", "__pycache__", "artifacts", "tmp"}

KEY_RE = re.compile(r"^(?!.+[_-]{2})(?![_-])[a-z0-9-_]+(?<![_-])$")
URL_RE = re.compile(r"(https?|ftp|mqtt)://|www\.", re.IGNORECASE)
HTML_RE = re.compile(r"<[a-z/][^>]*>", re.IGNORECASE)
HANDLE_RE = re.compile(r"^@[A-Za-z0-9][A-Za-z0-9-]*(/[A-Za-z0-9_.-]+)?$")
HACS_KEYS = {
    "name",
    "content_in_root",
    "country",
    "filename",
    "hacs",
    "hide_default_branch",
    "homeassistant",
    "persistent_directory",
    "render_readme",
    "zip_release",
}


def load_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def repo_files() -> Iterator[Path]:
    """Every file of the repository's own content (environments and caches pruned)."""
    for folder, subfolders, files in os.walk(ROOT):
        subfolders[:] = [
            name
            for name in subfolders
            if name not in NOT_CONTENT and not name.startswith((".venv", ".python", ".dev"))
        ]
        for name in files:
            yield Path(folder) / name


@pytest.fixture(name="manifest")
def manifest_fixture() -> dict[str, Any]:
    return load_json(INTEGRATION / "manifest.json")  # type: ignore[no-any-return]


@pytest.fixture(name="en")
def en_fixture() -> dict[str, Any]:
    path = TRANSLATIONS / "en.json"
    assert path.is_file(), (
        "translations/en.json is required (custom integrations have no strings.json)"
    )
    return load_json(path)  # type: ignore[no-any-return]


# --- manifest.json and hacs.json --------------------------------------------------------------


def test_manifest_keys_sorted(manifest: dict[str, Any]) -> None:
    """hassfest: domain, name, then the rest in alphabetical order."""
    keys = list(manifest)
    assert keys[:2] == ["domain", "name"]
    assert keys[2:] == sorted(keys[2:])


def test_manifest_values(manifest: dict[str, Any]) -> None:
    assert manifest["domain"] == INTEGRATION.name
    assert manifest["name"]
    assert manifest["config_flow"] is True
    assert manifest["integration_type"] == "hub"
    assert manifest["iot_class"] == "cloud_polling"
    assert manifest["requirements"] == []
    assert manifest["codeowners"]
    assert all(HANDLE_RE.match(owner) for owner in manifest["codeowners"])
    for key in ("documentation", "issue_tracker"):
        assert manifest[key].startswith("https://"), key


def test_manifest_version_is_valid(manifest: dict[str, Any]) -> None:
    """Custom integrations need a version that AwesomeVersion understands (hassfest, HACS)."""
    version = AwesomeVersion(manifest["version"])
    assert version.strategy in {
        AwesomeVersionStrategy.SEMVER,
        AwesomeVersionStrategy.CALVER,
        AwesomeVersionStrategy.SIMPLEVER,
        AwesomeVersionStrategy.PEP440,
    }


def test_manifest_version_matches_pyproject(manifest: dict[str, Any]) -> None:
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    match = re.search(r'^version = "([^"]+)"', pyproject, re.MULTILINE)
    assert match is not None
    assert manifest["version"] == match.group(1)


def test_hacs_json() -> None:
    hacs = load_json(ROOT / "hacs.json")
    assert set(hacs) <= HACS_KEYS, f"keys HACS rejects: {set(hacs) - HACS_KEYS}"
    assert isinstance(hacs["name"], str)
    assert hacs["name"]
    assert hacs["homeassistant"] == "2025.4.0"
    if hacs.get("zip_release"):
        assert "filename" in hacs


def test_one_manifest_in_the_repository() -> None:
    """The hassfest action validates every manifest.json it finds in the checkout."""
    manifests = [path for path in repo_files() if path.name == "manifest.json"]
    assert manifests == [INTEGRATION / "manifest.json"]


def test_integration_folder_holds_only_the_integration() -> None:
    """HACS copies this folder as it is: no tests, simulator or development files in it."""
    allowed_suffixes = {".py", ".json", ".yaml", ".png", ".typed"}
    for path in INTEGRATION.rglob("*"):
        if "__pycache__" in path.parts or path.is_dir():
            continue
        relative = path.relative_to(INTEGRATION)
        assert path.suffix in allowed_suffixes, relative
        assert not path.name.startswith(("test_", "conftest")), relative
        assert "simulator" not in path.name, relative
        if path.suffix == ".py":
            source = path.read_text(encoding="utf-8")
            assert not re.search(r"^\s*(import|from)\s+(pytest|psa_simulator)\b", source, re.M), (
                relative
            )


@pytest.mark.parametrize(
    "document", ["README.md", *sorted(p.name for p in (ROOT / "docs").glob("*.md"))]
)
def test_documentation_links_resolve(document: str) -> None:
    """Relative links and images of the README and docs/ point at files that exist."""
    path = ROOT / document if document == "README.md" else ROOT / "docs" / document
    text = path.read_text(encoding="utf-8")
    targets = re.findall(r"\]\(([^)#\s]+)", text)
    missing = [
        target
        for target in targets
        if not target.startswith(("http://", "https://", "mailto:"))
        and not (path.parent / target).exists()
    ]
    assert not missing, "\n".join(missing)


def test_readme_first_screen_has_the_two_commands() -> None:
    first_screen = "\n".join((ROOT / "README.md").read_text(encoding="utf-8").splitlines()[:25])
    assert "scripts/develop" in first_screen
    assert "scripts/test" in first_screen


# --- brand images -------------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", ["", "dark_"])
def test_brand_images(prefix: str) -> None:
    """The sizes Home Assistant's brands rules ask for, on a transparent background."""
    brand = INTEGRATION / "brand"
    sizes = {}
    for name in ("icon.png", "icon@2x.png", "logo.png", "logo@2x.png"):
        with Image.open(brand / f"{prefix}{name}") as image:
            assert image.format == "PNG"
            assert image.mode == "RGBA", name
            alpha = image.getchannel("A")
            assert alpha.getextrema()[0] == 0, f"{prefix}{name} has no transparency"
            box = alpha.getbbox()
            assert box is not None
            # Trimmed: the artwork touches the image's edges (at least on one axis).
            assert box[0] == 0 or box[1] == 0, f"{prefix}{name} is not trimmed"
            sizes[name] = image.size
    assert sizes["icon.png"] == (256, 256)
    assert sizes["icon@2x.png"] == (512, 512)
    assert 128 <= min(sizes["logo.png"]) <= 256
    assert 256 <= min(sizes["logo@2x.png"]) <= 512
    assert sizes["logo.png"][0] >= sizes["logo.png"][1], "logos are landscape (or square)"


# --- translations: structure --------------------------------------------------------------------


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


def texts(path: str, value: Any, *, placeholders: bool = True) -> list[str]:
    """An object of translation key -> text."""
    if not isinstance(value, dict):
        return [f"{path}: not an object"]
    errors = []
    for key, item in value.items():
        if not KEY_RE.match(key):
            errors.append(f"{path}.{key}: invalid key")
        errors.extend(check_text(f"{path}.{key}", item, placeholders=placeholders))
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


def translation_files() -> list[Path]:
    return sorted(TRANSLATIONS.glob("*.json"))


@pytest.mark.parametrize("path", translation_files(), ids=lambda path: path.name)
def test_translation_file_structure(path: Path) -> None:
    errors = check_strings(load_json(path))
    assert not errors, "\n".join(errors)


def leaf_paths(tree: Any, prefix: str = "") -> set[str]:
    if not isinstance(tree, dict):
        return {prefix}
    return {leaf for key, value in tree.items() for leaf in leaf_paths(value, f"{prefix}.{key}")}


def placeholders_in(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field}


@pytest.mark.parametrize(
    "path",
    [path for path in translation_files() if path.name != "en.json"],
    ids=lambda path: path.name,
)
def test_translations_match_english(path: Path, en: dict[str, Any]) -> None:
    """Every language has exactly English's keys and the same placeholders in each text."""
    other = load_json(path)
    assert leaf_paths(other) == leaf_paths(en)

    def pairs(a: Any, b: Any, where: str) -> Iterator[tuple[str, str, str]]:
        if isinstance(a, dict):
            for key in a:
                yield from pairs(a[key], b[key], f"{where}.{key}")
        else:
            yield where, a, b

    for where, english, translated in pairs(en, other, ""):
        assert placeholders_in(english) == placeholders_in(translated), where


# --- translations: every key the code uses exists ------------------------------------------------


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
    config/options (errors, aborts and step ids of the flows).
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


def test_icons_match_entity_translations(en: dict[str, Any]) -> None:
    path = INTEGRATION / "icons.json"
    if not path.is_file():
        pytest.skip("no icons.json")
    icons = load_json(path)
    assert set(icons) <= {"entity", "services"}
    entity = en.get("entity", {})
    used = {
        (platform, description.translation_key)
        for platform, items in entity_descriptions().items()
        for description in items
    }
    for platform, keys in icons.get("entity", {}).items():
        for key, icon in keys.items():
            assert (platform, key) in used, f"icons.json entity.{platform}.{key}: no entity uses it"
            assert set(icon) <= {"default", "state", "range"}, f"{platform}.{key}"
            assert "default" in icon, f"{platform}.{key}"
            for value in [icon["default"], *icon.get("state", {}).values()]:
                assert value.startswith("mdi:"), f"{platform}.{key}: {value}"
            states = entity.get(platform, {}).get(key, {}).get("state", {})
            for state in icon.get("state", {}):
                assert not states or state in states, f"icons.json {platform}.{key} state {state}"
