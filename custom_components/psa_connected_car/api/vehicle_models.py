"""What a Stellantis (ex-PSA) VIN tells about the car. No Home Assistant, no I/O.

A VIN has 17 characters (ISO 3779):

==========  ==================================================================================
Positions   Meaning
==========  ==================================================================================
1-3         World manufacturer identifier (WMI, ISO 3780): the maker, see ``WMI_MAKES``.
4-8         Vehicle descriptor section, the maker's own: PSA-built cars are said to code the
            model family at 4, the body at 5 and the engine at 6-8, with codes that are
            factory-internal and reused across generations (unverified, hence unused).
9           Check digit, or a filler outside North America.
10          Model year (ISO letter/digit), often a filler on European cars.
11          Assembly plant.
12-17       Serial number.
==========  ==================================================================================

Only the WMI is read here: it is public (registered with the SAE) and stable. The model family
codes of positions 4-5 are not published by Stellantis, change meaning between generations and
differ between the plants: none is listed until a code is confirmed by a source, so the model
name comes from the API's ``label`` (``Vehicle.label``) or not at all.
"""

from __future__ import annotations

# WMI -> the makes that build cars under it (Stellantis' European WMIs the apps serve).
WMI_MAKES: dict[str, tuple[str, ...]] = {
    "VF3": ("Peugeot",),  # Peugeot, France (older cars)
    "VR3": ("Peugeot",),  # Peugeot, since about 2018 (e-208, 2008 II, 308 III…)
    "VF7": ("Citroën", "DS"),  # Citroën, France; DS models were Citroëns until 2015
    "VR7": ("Citroën",),  # Citroën, since about 2018
    "VR1": ("DS",),  # DS Automobiles
    "W0L": ("Opel", "Vauxhall"),  # Opel (Vauxhall-badged cars share it)
    "W0V": ("Opel", "Vauxhall"),  # Opel since 2017 (Opel Automobile GmbH)
    "VXK": ("Opel", "Vauxhall"),  # Opel/Vauxhall built in PSA plants (Corsa F…)
}


def makes_from_vin(vin: str | None) -> tuple[str, ...]:
    """The makes the VIN's WMI stands for; none for a VIN we do not know."""
    if not vin:
        return ()
    return WMI_MAKES.get(vin.strip().upper()[:3], ())


def make_from_vin(vin: str | None, account_brand: str | None = None) -> str | None:
    """The car's make: the account's brand when the WMI allows it, else the WMI's first make.

    A WMI shared by two makes (Opel and Vauxhall) cannot tell them apart: the account's
    brand (the app the owner signs in to) decides then.
    """
    makes = makes_from_vin(vin)
    if not makes:
        return None
    return account_brand if account_brand in makes else makes[0]
