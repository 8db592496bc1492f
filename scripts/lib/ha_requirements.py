"""Print the requirements of the Home Assistant integrations that a full instance always loads.

`scripts/develop` and the end-to-end tests run a real Home Assistant with its UI; the frontend
and the integrations it sets up at every start (conversation, tts, camera, assist_pipeline, ...)
would otherwise be installed at runtime (impossible offline) or fail. Their pins are read from
the installed Home Assistant's own manifests, so a new Home Assistant brings its own pins and
moving the toolchain never touches a list here.

usage: python ha_requirements.py   (with the interpreter of the environment to complete)
"""

from __future__ import annotations

import json
from pathlib import Path

import homeassistant.components

# frontend: the UI; the others are set up by default_config or by the frontend's own start.
COMPONENTS = (
    "frontend",
    "conversation",
    "assist_pipeline",
    "tts",
    "camera",
    "ffmpeg",
    "isal",
    "infrared",
    "radio_frequency",
)


def requirements() -> list[str]:
    """The pinned requirements of COMPONENTS that this Home Assistant has, without repeats."""
    base = Path(homeassistant.components.__path__[0])
    found: dict[str, str] = {}
    for component in COMPONENTS:
        manifest = base / component / "manifest.json"
        if not manifest.is_file():  # not in this Home Assistant version
            continue
        for requirement in json.loads(manifest.read_text(encoding="utf-8")).get("requirements", []):
            found.setdefault(requirement.split("==")[0].lower(), requirement)
    return sorted(found.values(), key=str.lower)


if __name__ == "__main__":
    print("\n".join(requirements()))
