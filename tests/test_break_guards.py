"""The suite's guards against coming breaks catch what they are meant to catch.

Home Assistant announces a coming break as a log line (tests/conftest.py turns it into a
failure); Python libraries announce one as a DeprecationWarning, which pyproject.toml turns into
an error when it points at our code.
"""

from __future__ import annotations

import logging
import warnings

import pytest

from tests.conftest import UsageReports


@pytest.mark.parametrize(
    "module",
    ["custom_components.psa_connected_car.coordinator", "psa_simulator.idp", "tests.e2e.harness"],
)
def test_a_deprecation_in_our_code_is_an_error(module: str) -> None:
    with pytest.raises(DeprecationWarning, match="going away"):
        warnings.warn_explicit("going away", DeprecationWarning, "ours.py", 1, module=module)


def test_a_deprecation_elsewhere_stays_a_warning() -> None:
    with pytest.warns(DeprecationWarning, match="going away"):
        warnings.warn_explicit("going away", DeprecationWarning, "lib.py", 1, module="somelib")


def test_usage_reports_keep_only_home_assistant_announcements(usage_reports: UsageReports) -> None:
    logger = logging.getLogger("homeassistant.helpers.frame")
    logger.warning("Detected that custom integration '%s' does a thing", "psa_connected_car")
    logger.warning("Something else entirely")
    assert usage_reports.take() == [
        "Detected that custom integration 'psa_connected_car' does a thing"
    ]
    assert usage_reports.take() == []  # taken: the test's own teardown passes
