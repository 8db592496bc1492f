"""What hassfest and the HACS action check in CI, checked locally (both need a GitHub runner).

hassfest's own code is not in the homeassistant wheel, so these are our own structural checks of
the same rules: the manifest, hacs.json, the brand images and the repository layout. The
translation files, every translation key the code uses and icons.json are checked in
test_translations.py.
"""

from __future__ import annotations

from collections.abc import Iterator
import json
import os
from pathlib import Path
import re
import shutil
import subprocess
from typing import Any
import unicodedata

from awesomeversion import AwesomeVersion, AwesomeVersionStrategy
from PIL import Image
import pytest

ROOT = Path(__file__).resolve().parents[1]
DOMAIN = "psa_connected_car"
INTEGRATION = ROOT / "custom_components" / DOMAIN
# Folders that are not part of the repository's content (environments, caches, dev instance).
NOT_CONTENT = {".git", "node_modules", "__pycache__", "artifacts", "tmp"}

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
    assert manifest["requirements"] == ["paho-mqtt==2.1.0"]  # the version Home Assistant pins
    assert manifest["codeowners"]
    assert all(HANDLE_RE.match(owner) for owner in manifest["codeowners"])
    for key in ("documentation", "issue_tracker"):
        assert manifest[key].startswith("https://"), key


# What owners type in the add-integration dialog. For a custom integration the dialog searches
# only the manifest ``name`` and the domain (loader.async_get_integration_descriptions sends
# nothing else), with Fuse.js: threshold 0.2, location 0, distance 100, diacritics ignored
# (frontend dialog-add-integration). An exact match scores start/100, so a word is found only
# if it starts within the first 20 characters: no readable name holds all five brands and
# "Stellantis" there. These are the ones ours makes findable; Vauxhall and Stellantis are not.
SEARCHED = ("Peugeot", "Citroën", "Citroen", "DS", "Opel", "PSA")
NOT_FOUND = ("Vauxhall", "Stellantis")


def found_by_dialog(name: str, query: str) -> bool:
    """Our model of the dialog's search: an exact, case- and accent-blind match that starts
    within the first 20 characters of the name or of the domain."""

    def fold(text: str) -> str:
        decomposed = unicodedata.normalize("NFD", text.lower())
        return "".join(char for char in decomposed if not unicodedata.combining(char))

    return any(0 <= fold(field).find(fold(query)) <= 20 for field in (name, DOMAIN))


def test_found_by_brand_in_the_add_integration_dialog(manifest: dict[str, Any]) -> None:
    name = manifest["name"]
    assert [query for query in SEARCHED if not found_by_dialog(name, query)] == []
    # The model is not a plain "contains": these are in the name but too far along.
    assert [query for query in NOT_FOUND if found_by_dialog(name, query)] == []
    assert all(query in name for query in NOT_FOUND), "the name still names every brand"
    assert load_json(ROOT / "hacs.json")["name"] == name


def frontend_fuse() -> Path | None:
    """The frontend bundle's Fuse.js module, where the frontend and node are installed."""
    try:
        import hass_frontend  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        return None
    if shutil.which("node") is None:
        return None
    for path in sorted((Path(hass_frontend.where()) / "frontend_latest").glob("*.js")):
        text = path.read_text(encoding="utf-8", errors="replace")
        if "ignoreFieldNorm:!1,fieldNormWeight:1" in text and "__webpack_modules__={" in text:
            return path
    return None


def test_dialog_model_matches_the_real_frontend_search(
    manifest: dict[str, Any], tmp_path: Path
) -> None:
    """Run the frontend's own Fuse.js with the dialog's options on our name (needs node)."""
    bundle = frontend_fuse()
    if bundle is None:
        pytest.skip("no frontend bundle with Fuse.js, or no node")
    module = re.search(r"__webpack_modules__=\{(\d+)\(", bundle.read_text(encoding="utf-8"))
    assert module is not None
    script = tmp_path / "search.mjs"
    script.write_text(
        f"""import {{__webpack_modules__}} from {json.dumps(bundle.as_uri())};
const exports = {{}};
const load = () => ({{}});
load.d = (target, getters) => {{
  for (const key in getters) {{
    Object.defineProperty(target, key, {{get: getters[key], enumerable: true}});
  }}
}};
load.r = () => {{}};
__webpack_modules__[{module.group(1)}]({{exports}}, exports, load);
const Fuse = Object.values(exports).find((value) => typeof value === "function");
const [name, domain, ...queries] = process.argv.slice(2);
const found = queries.filter((query) => new Fuse([{{name, domain}}], {{
  keys: [{{name: "name", weight: 5}}, {{name: "domain", weight: 5}}],
  isCaseSensitive: false, minMatchCharLength: Math.min(query.length, 2), threshold: 0.2,
  ignoreDiacritics: true,
}}).search(query).length > 0);
console.log(JSON.stringify(found));
""",
        encoding="utf-8",
    )
    name = manifest["name"]
    queries = [*SEARCHED, *NOT_FOUND]
    node = shutil.which("node")
    assert node is not None
    result = subprocess.run(  # noqa: S603 - our own script, our own arguments
        [node, str(script), name, DOMAIN, *queries],
        capture_output=True,
        check=True,
        text=True,
        timeout=60,
    )
    assert json.loads(result.stdout) == [q for q in queries if found_by_dialog(name, q)]


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
