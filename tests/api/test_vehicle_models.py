"""The VIN table: which make each Stellantis WMI stands for (made-up VINs, real WMIs)."""

from __future__ import annotations

import pytest

from custom_components.psa_connected_car.api.vehicle_models import (
    VIN_MODELS,
    WMI_MAKES,
    make_from_vin,
    makes_from_vin,
    model_from_vin,
)


@pytest.mark.parametrize(
    ("vin", "make"),
    [
        ("VR3TESTVIN0000001", "Peugeot"),
        ("VF3TESTVIN0000001", "Peugeot"),
        ("VR7TESTVIN0000001", "Citroën"),
        ("VF7TESTVIN0000001", "Citroën"),  # a Citroën-era DS 3 reads as a Citroën
        ("VR1TESTVIN0000001", "DS"),
        ("W0VTESTVIN0000001", "Opel"),
        ("W0LTESTVIN0000001", "Opel"),
        ("VXKTESTVIN0000001", "Opel"),
        ("vr3testvin0000001", "Peugeot"),  # case and spaces do not matter
        (" VR3TESTVIN0000001 ", "Peugeot"),
    ],
)
def test_make_from_vin(vin: str, make: str) -> None:
    assert make_from_vin(vin) == make


@pytest.mark.parametrize("vin", ["WVWTESTVIN0000001", "", None, "VR"])
def test_unknown_vin_has_no_make(vin: str | None) -> None:
    assert makes_from_vin(vin) == ()
    assert make_from_vin(vin, "Peugeot") is None


def test_shared_wmi_takes_the_accounts_brand() -> None:
    """Opel and Vauxhall share their WMIs: the account (the app signed in to) decides."""
    assert make_from_vin("W0VTESTVIN0000001", "Vauxhall") == "Vauxhall"
    assert make_from_vin("W0VTESTVIN0000001", "Opel") == "Opel"
    assert make_from_vin("VF7TESTVIN0000001", "DS") == "DS"
    # An account brand the WMI rules out does not win: the VIN's make does.
    assert make_from_vin("VR3TESTVIN0000001", "Opel") == "Peugeot"


def test_table_covers_every_brand_of_the_apps() -> None:
    makes = {make for values in WMI_MAKES.values() for make in values}
    assert makes == {"Peugeot", "Citroën", "DS", "Opel", "Vauxhall"}
    assert all(len(wmi) == 3 and wmi.isupper() for wmi in WMI_MAKES)


@pytest.mark.parametrize(
    ("vin", "model"),
    [
        ("VR3UHZKXZLT000001", "e-208"),  # a prefix of 8
        ("VXKUHZKXZM0000001", "Corsa-e"),
        ("VR3F4DGYTN0000001", "308 SW Hybrid"),  # a prefix of 10
        ("VF3MRHNYHH0000001", "5008"),  # 10 characters tell 5008 and 3008 apart
        ("VF3MRHNYHJ0000001", "3008"),
        (" vr3ukzkxzm0000001", "e-2008"),
    ],
)
def test_model_from_vin(vin: str, model: str) -> None:
    assert model_from_vin(vin) == model


@pytest.mark.parametrize("vin", ["VR3TESTVIN0000001", "VF3MRHNYHX0000001", "", None, "VR3UHZ"])
def test_unknown_prefix_has_no_model(vin: str | None) -> None:
    assert model_from_vin(vin) is None


def test_every_listed_prefix_is_a_known_wmi() -> None:
    """A prefix outside the WMIs we know would be a typo in the table."""
    assert all(prefix[:3] in WMI_MAKES for prefix in VIN_MODELS)
    assert all(8 <= len(prefix) <= 10 for prefix in VIN_MODELS)
