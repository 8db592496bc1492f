"""Lets the pinned test plugin load on a newer Home Assistant (``-p tests.plugin_bridge``).

pyproject.toml's ``addopts`` loads this module before the plugins that entry points load, so it
runs before pytest-homeassistant-custom-component's own import. Two changes in Home Assistant
2026.11 stop the plugin made for 2026.10.4 from loading at all:

- ``homeassistant/__init__.py`` aliases httpx to httpx2 and raises when httpx is already
  imported; the plugin imports respx (and so httpx) before its first Home Assistant import.
  Importing the package here first is the order Home Assistant asks for.
- ``_clear_logger_overwrites``, which the plugin imports from ``homeassistant.components.logger``,
  moved to that component's ``helpers`` module. Once the component is imported, the name is
  made available where the plugin looks for it, and only when it is missing there. The
  component is not imported here: the plugin patches Home Assistant's JSON, recorder and time
  helpers before it imports anything else of Home Assistant, and the component would load them.

On the Home Assistant the plugin pins (and older ones) the first step only runs their own package
``__init__`` earlier and the second finds nothing to do.
"""

from __future__ import annotations

from collections.abc import Sequence
import importlib
from importlib.abc import Loader, MetaPathFinder
from importlib.machinery import ModuleSpec
import importlib.util
import sys
from types import ModuleType

import homeassistant

__all__ = ["homeassistant"]

LOGGER_COMPONENT = "homeassistant.components.logger"
MOVED_NAME = "_clear_logger_overwrites"


class _LoggerComponentLoader(Loader):
    """Runs the component's own loader, then adds the moved name when it is missing."""

    def __init__(self, loader: Loader) -> None:
        self._loader = loader

    def create_module(self, spec: ModuleSpec) -> ModuleType | None:
        return self._loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        self._loader.exec_module(module)
        if not hasattr(module, MOVED_NAME):
            helpers = importlib.import_module(f"{LOGGER_COMPONENT}.helpers")
            if hasattr(helpers, MOVED_NAME):
                setattr(module, MOVED_NAME, getattr(helpers, MOVED_NAME))


class _LoggerComponentFinder(MetaPathFinder):
    """Finds the logger component as usual and wraps its loader (once)."""

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None = None,
        target: ModuleType | None = None,
    ) -> ModuleSpec | None:
        if fullname != LOGGER_COMPONENT:
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(fullname)
        if spec is not None and spec.loader is not None:
            spec.loader = _LoggerComponentLoader(spec.loader)
        return spec


if LOGGER_COMPONENT not in sys.modules:
    sys.meta_path.insert(0, _LoggerComponentFinder())
