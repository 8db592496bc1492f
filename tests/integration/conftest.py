"""Fixtures of the Home Assistant side: config entry, mocked API client, entity helpers.

Runs on both toolchains (the compat one has no hypothesis: it is not imported here).
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from unittest.mock import patch

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from syrupy.assertion import SnapshotAssertion

from tests.snapshots import SnapshotExtension

from .common import MockPSA, build_mock_psa, create_entry, patch_psa, setup_integration

__all__ = ["setup_integration"]


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Let Home Assistant load the integration from custom_components/."""


@pytest.fixture
def snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """Home Assistant's snapshot format, in ``snapshots/`` (syrupy's own fixture would win).

    On a Home Assistant newer than the test plugin's, fields it added match and are reported
    (tests/snapshots.py).
    """
    return snapshot.use_extension(SnapshotExtension)


@pytest.fixture
def entity_registry_enabled_by_default() -> Generator[None]:
    """Create the entities that are disabled by default as enabled (phacc lacks this one)."""
    with patch(
        "homeassistant.helpers.entity.Entity.entity_registry_enabled_default",
        return_value=True,
    ):
        yield


@pytest.fixture
def mock_config_entry() -> MockConfigEntry:
    """A password-method entry of the mocked account (not yet added to hass)."""
    return create_entry()


@pytest.fixture
def mock_psa() -> Iterator[MockPSA]:
    """``PSAAuth`` and ``PSAClient`` replaced by mocks serving two vehicles (see common.py)."""
    yield from patch_psa(build_mock_psa())


@pytest.fixture
def mock_setup_entry() -> Generator[None]:
    """Config flow tests: creating the entry does not set it up."""
    with patch("custom_components.psa_connected_car.async_setup_entry", return_value=True):
        yield
