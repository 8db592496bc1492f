"""Requirements for testing on the newest Home Assistant, newer than the pinned test plugin's.

The test plugin (pytest-homeassistant-custom-component) pins one Home Assistant. To run our suite
on a newer one, that Home Assistant is installed first (with its own pins), then the plugin's
other requirements, leaving out every package the new Home Assistant already brought, then the
plugin itself without its dependencies (scripts/setup --newest does the three steps). A package
the plugin pins that one of the new Home Assistant's integrations also pins gets the
integration's pin: the plugin's is the old Home Assistant's (aiohasupervisor 0.6.0 for 2026.10,
where the hassio integration of 2026.11 needs 0.8.1, and analytics, which every instance loads,
imports hassio).

usage: python newest_requirements.py plugin      the plugin's requirements, less what is installed
       python newest_requirements.py pinned      the Home Assistant version the plugin pins
Run it with the interpreter of the environment in question.
"""

from __future__ import annotations

from importlib import metadata
import importlib.util
import json
from pathlib import Path
import re
import sys

PLUGIN = "pytest-homeassistant-custom-component"


def _name(requirement: str) -> str:
    return re.split(r"[=<>!~;\[ ]", requirement, maxsplit=1)[0].strip().lower().replace("_", "-")


def integration_pins() -> dict[str, str]:
    """The requirements the installed Home Assistant's integrations pin, by package name."""
    spec = importlib.util.find_spec("homeassistant")  # found, not imported
    if spec is None or not spec.submodule_search_locations:
        return {}
    components = Path(next(iter(spec.submodule_search_locations))) / "components"
    pins: dict[str, str] = {}
    for manifest in sorted(components.glob("*/manifest.json")):
        for requirement in json.loads(manifest.read_text(encoding="utf-8")).get("requirements", []):
            pins.setdefault(_name(requirement), requirement)
    return pins


def plugin_requirements() -> list[str]:
    """The plugin's own requirements without Home Assistant and without what is installed,
    pinned as the installed Home Assistant's integrations pin them where they do."""
    installed = {_name(dist.metadata["Name"]) for dist in metadata.distributions()}
    pins = integration_pins()
    return [
        pins.get(_name(requirement), requirement)
        for requirement in metadata.requires(PLUGIN) or []
        if ";" not in requirement and _name(requirement) not in installed | {"homeassistant"}
    ]


def pinned_home_assistant() -> str:
    """The Home Assistant version the installed plugin was released for."""
    for requirement in metadata.requires(PLUGIN) or []:
        if _name(requirement) == "homeassistant" and "==" in requirement:
            return requirement.split("==", 1)[1].strip()
    raise SystemExit(f"{PLUGIN} pins no Home Assistant version")


if __name__ == "__main__":
    if sys.argv[1:] == ["plugin"]:
        print("\n".join(plugin_requirements()))
    elif sys.argv[1:] == ["pinned"]:
        print(pinned_home_assistant())
    else:
        raise SystemExit(__doc__)
