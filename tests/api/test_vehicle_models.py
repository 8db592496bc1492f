"""The VIN table: which make each Stellantis WMI stands for."""

from __future__ import annotations

import pytest

from custom_components.psa_connected_car.api.vehicle_models import (
    WMI_MAKES,
    make_from_vin,
    makes_from_vin,
)


@pytest.mark.parametrize(
    ("vin", "make"),
    [
        ("VR3UHZKXZLT000001", "Peugeot"),
        ("VF3LCYHZPHS000001", "Peugeot"),
        ("VR7ACYHZKML000001", "Citroën"),
        ("VF7SXHMZ6GT000001", "Citroën"),  # a Citroën-era DS 3 reads as a Citroën
        ("VR1J45GGRKY000001", "DS"),
        ("W0VZRHNS0N6000001", "Opel"),
        ("W0L0AHL0875000001", "Opel"),
        ("VXKUHZKXZL4000001", "Opel"),
        ("vr3uhzkxzlt000001", "Peugeot"),  # case and spaces do not matter
        (" VR3UHZKXZLT000001 ", "Peugeot"),
    ],
)
def test_make_from_vin(vin: str, make: str) -> None:
    assert make_from_vin(vin) == make


@pytest.mark.parametrize("vin", ["WVWZZZ1KZAW000001", "", None, "VR"])
def test_unknown_vin_has_no_make(vin: str | None) -> None:
    assert makes_from_vin(vin) == ()
    assert make_from_vin(vin, "Peugeot") is None


def test_shared_wmi_takes_the_accounts_brand() -> None:
    """Opel and Vauxhall share their WMIs: the account (the app signed in to) decides."""
    assert make_from_vin("W0VZRHNS0N6000001", "Vauxhall") == "Vauxhall"
    assert make_from_vin("W0VZRHNS0N6000001", "Opel") == "Opel"
    assert make_from_vin("VF7SXHMZ6GT000001", "DS") == "DS"
    # An account brand the WMI rules out does not win: the VIN's make does.
    assert make_from_vin("VR3UHZKXZLT000001", "Opel") == "Peugeot"


def test_table_covers_every_brand_of_the_apps() -> None:
    makes = {make for values in WMI_MAKES.values() for make in values}
    assert makes == {"Peugeot", "Citroën", "DS", "Opel", "Vauxhall"}
    assert all(len(wmi) == 3 and wmi.isupper() for wmi in WMI_MAKES)
