"""The client is a library: nothing in it may import Home Assistant."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import custom_components.psa_connected_car.api as api_package

API_DIR = Path(api_package.__file__).parent


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
        elif isinstance(node, ast.ImportFrom) and node.level > 1:
            names.add("<outside the package>")
    return names


def test_no_home_assistant_import_in_the_client():
    modules = sorted(API_DIR.glob("*.py"))
    assert len(modules) >= 6
    for path in modules:
        bad = {name for name in imported_modules(path) if name.split(".")[0] == "homeassistant"}
        assert not bad, f"{path.name} imports {bad}"
        assert "<outside the package>" not in imported_modules(path), path.name


def test_public_surface():
    for name in api_package.__all__:
        assert getattr(api_package, name) is not None


def test_public_surface_is_documented():
    for name in api_package.__all__:
        value = getattr(api_package, name)
        if not inspect.isclass(value) and not inspect.isfunction(value):
            continue
        assert inspect.getdoc(value), name
        if name in ("PSAAuth", "PSAClient"):
            for member, attribute in vars(value).items():
                if member.startswith("_"):
                    continue
                target = attribute.fget if isinstance(attribute, property) else attribute
                assert inspect.getdoc(target), f"{name}.{member}"
