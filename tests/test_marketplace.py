"""Home Assistant's built-in Marketplace (2026.11+, it replaces HACS) accepts this repository.

Checked with the Marketplace's own code, offline: what it reads from our hacs.json, the details
it takes from our manifest.json, the minimum Home Assistant version, and the check it makes on
the installed integration before keeping it (``_check_loadable_manifest``). Each check also
refuses a broken copy, so that it is the Marketplace's code deciding, not a test that cannot
fail. Nothing reaches GitHub: the repository object is built on a stand-in for the Marketplace
manager with only what those methods use (its ``hass`` only runs jobs in an executor: the test
harness's ``hass`` would mount its own ``custom_components`` package over ours).

Skipped where Home Assistant has no Marketplace (2026.10 and older, HACS's time).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import importlib
import importlib.util
import json
import logging
from pathlib import Path
import shutil
from types import SimpleNamespace
from typing import Any

from awesomeversion import AwesomeVersion
from homeassistant.const import __version__ as HA_VERSION
import pytest

if importlib.util.find_spec("homeassistant.components.marketplace") is None:
    pytest.skip(
        f"Home Assistant {HA_VERSION} has no built-in Marketplace (it comes with 2026.11; "
        "older versions install through HACS)",
        allow_module_level=True,
    )

# Imported only past the skip: these modules exist from 2026.11.
enums = importlib.import_module("homeassistant.components.marketplace.enums")
exceptions = importlib.import_module("homeassistant.components.marketplace.exceptions")
repositories_base = importlib.import_module(
    "homeassistant.components.marketplace.repositories.base"
)
integration = importlib.import_module(
    "homeassistant.components.marketplace.repositories.integration"
)
validate = importlib.import_module("homeassistant.components.marketplace.utils.validate")

ROOT = Path(__file__).resolve().parents[1]
DOMAIN = "psa_connected_car"
INTEGRATION = ROOT / "custom_components" / DOMAIN
REPOSITORY = "psa-connected-car/psa_connected_car"
# Keys of our hacs.json that HACS reads and the Marketplace does not (it skips them silently).
HACS_ONLY_KEYS = {"render_readme"}


def hacs_json() -> dict[str, Any]:
    path = ROOT / enums.RepositoryFile.REPOSITORY_MANIFEST
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def manifest_json() -> dict[str, Any]:
    path = INTEGRATION / enums.RepositoryFile.MANIFEST_JSON
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def run_in_executor(job: Callable[..., Any], *args: Any) -> asyncio.Future[Any]:
    """What the Marketplace uses of ``hass`` here: ``async_add_executor_job``."""
    return asyncio.get_running_loop().run_in_executor(None, job, *args)


def repository(config_path: Path) -> Any:
    """The Marketplace's repository object for us, on a stand-in manager (no GitHub)."""
    manager = SimpleNamespace(
        hass=SimpleNamespace(async_add_executor_job=run_in_executor),
        core=SimpleNamespace(config_path=str(config_path)),
        version=AwesomeVersion(HA_VERSION),
    )
    return integration.IntegrationRepository(manager, REPOSITORY)


def install(config_path: Path, manifest: dict[str, Any] | None = None) -> Path:
    """Our integration as the Marketplace writes it: config/custom_components/<domain>."""
    target = config_path / "custom_components" / DOMAIN
    shutil.copytree(INTEGRATION, target, ignore=shutil.ignore_patterns("__pycache__"))
    if manifest is not None:
        (target / enums.RepositoryFile.MANIFEST_JSON).write_text(
            json.dumps(manifest), encoding="utf-8"
        )
    return target


def test_hacs_json_is_read_whole(caplog: pytest.LogCaptureFixture) -> None:
    """Every key the Marketplace knows is taken, none dropped as invalid; no ZIP release."""
    data = hacs_json()
    with caplog.at_level(logging.WARNING):
        manifest = repositories_base.RepositoryManifest.from_dict(data)
    assert not [record for record in caplog.records if "hacs.json" in record.getMessage()]
    read = set(validate.REPOSITORY_MANIFEST_VALUES)
    assert set(data) - read <= HACS_ONLY_KEYS, "a key neither the Marketplace nor HACS reads"
    assert manifest.manifest == {key: data[key] for key in set(data) & read}
    assert manifest.name == manifest_json()["name"]
    # Installed from the version's repository archive, custom_components/<domain>: not from a
    # ZIP release asset, and not from the repository root.
    assert manifest.zip_release is False
    assert manifest.filename is None
    assert manifest.content_in_root is False


def test_hacs_json_minimum_version(tmp_path: Path) -> None:
    """Our minimum Home Assistant passes the Marketplace's check; a future one does not."""
    repo = repository(tmp_path)
    ours = repositories_base.RepositoryManifest.from_dict(hacs_json())
    assert ours.homeassistant is not None
    repo._check_minimum_version(ours)

    future = repositories_base.RepositoryManifest.from_dict(
        {**hacs_json(), "homeassistant": "2099.1.0"}
    )
    with pytest.raises(exceptions.MarketplaceError) as refused:
        repo._check_minimum_version(future)
    assert refused.value.translation_key == "requires_newer_home_assistant"


def test_manifest_details_are_taken(tmp_path: Path) -> None:
    """The domain, name, config flow and code owners come from our manifest.json."""
    manifest = manifest_json()
    repo = repository(tmp_path)
    repo._use_integration_manifest(manifest)
    assert repo.validate.success, repo.validate.errors
    assert repo.data.domain == DOMAIN
    assert repo.data.manifest_name == manifest["name"]
    assert repo.data.config_flow is True
    assert repo.data.authors == manifest["codeowners"]
    assert repo.localpath == f"{tmp_path}/custom_components/{DOMAIN}"

    broken = repository(tmp_path)
    broken._use_integration_manifest({k: v for k, v in manifest.items() if k != "domain"})
    assert not broken.validate.success
    with pytest.raises(exceptions.MarketplaceError):
        repository(tmp_path)._use_integration_manifest({**manifest, "domain": "../up"})


async def test_installed_integration_is_accepted(tmp_path: Path) -> None:
    """The check made on the written integration passes on ours, as installed."""
    install(tmp_path)
    repo = repository(tmp_path)
    repo._use_integration_manifest(manifest_json())
    repo.content.path.local = repo.localpath
    await repo.async_check_written_content()


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"domain": "psa_other"}, "installed_manifest_other_domain"),
        ({"version": "first"}, "installed_manifest_without_version"),
        ({"version": None}, "installed_manifest_without_version"),
        ({"version": 1}, "installed_manifest_without_version"),
    ],
)
async def test_broken_installed_manifest_is_refused(
    tmp_path: Path, change: dict[str, Any], reason: str
) -> None:
    """The same check refuses our integration with a wrong domain or an unloadable version."""
    install(tmp_path, {**manifest_json(), **change})
    repo = repository(tmp_path)
    repo._use_integration_manifest(manifest_json())
    repo.content.path.local = repo.localpath
    with pytest.raises(exceptions.MarketplaceError) as refused:
        await repo.async_check_written_content()
    assert refused.value.translation_key == reason


async def test_missing_installed_manifest_is_refused(tmp_path: Path) -> None:
    target = install(tmp_path)
    (target / enums.RepositoryFile.MANIFEST_JSON).unlink()
    repo = repository(tmp_path)
    repo._use_integration_manifest(manifest_json())
    repo.content.path.local = repo.localpath
    with pytest.raises(exceptions.MarketplaceError) as refused:
        await repo.async_check_written_content()
    assert refused.value.translation_key == "installed_manifest_unusable"


async def test_a_zip_release_needs_a_domain_from_the_catalog(tmp_path: Path) -> None:
    """What zip_release (unset in ours) would change: no repository archive to read the domain
    from, so an integration's ZIP release is refused unless the catalog names the domain (the
    other categories refuse every ZIP release from the catalog)."""
    repo = repository(tmp_path)
    repo.repository_manifest = repositories_base.RepositoryManifest.from_dict(
        {**hacs_json(), "zip_release": True, "filename": "psa_connected_car.zip"}
    )
    with pytest.raises(exceptions.CatalogContentUnresolvedError) as refused:
        await repo._async_resolve_catalog_content("v0.1.0", commit=False)
    assert refused.value.translation_key == "catalog_without_domain"
