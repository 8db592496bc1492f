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

The WMI is public (registered with the SAE) and stable. The rest of positions 1-10 is not
published by Stellantis; ``VIN_MODELS`` lists only the prefixes that owners matched to their
own cars in psa_car_controller's model table (flobz/psa_car_controller,
``psacc/resources/car_models.yml``, one entry per owner report), for the common models. The
API's ``label`` (``Vehicle.label``) wins where it is sent; a VIN that matches no prefix has no
model here, and the device shows its motorization instead.
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
    "VXE": ("Opel", "Vauxhall"),  # Opel/Vauxhall vans built in PSA plants (Zafira-e Life…)
}


# VIN prefix (positions 1-8 to 1-10) -> model, as owners reported it (see the module's text).
# The longest matching prefix wins.
VIN_MODELS: dict[str, str] = {
    "VR3UHZKX": "e-208",
    "VR3UKZKX": "e-2008",
    "VR3EZZKXZ": "e-Rifter",
    "VF3VZZKX": "e-Traveller",
    "VF31NZKY": "iOn",
    "VR3UPHNS": "208",
    "VR3UPHNE": "208",
    "VR3UPHNK": "208",
    "VR3USHNS": "2008",
    "VR3USHNK": "2008",
    "VF3M4DGZ": "3008 Hybrid",
    "VF3MJEHZ": "3008",
    "VF3MRHNYHJ": "3008",
    "VF3MRHNS": "5008",
    "VF3MRHNYHH": "5008",
    "VR3F3DGYT": "308 Hybrid",
    "VR3F4DGYTN": "308 SW Hybrid",
    "VR3F4DGXTN": "308 SW Hybrid",
    "VR3FPHNSTN": "308",
    "VR3F3DGZ": "508 Hybrid",
    "VR3F4DGZ": "508 SW Hybrid",
    "VR3F45GG": "508 SW",
    "VR7BCZKX": "ë-C4",
    "VF7V1ZKXZM": "ë-Jumpy",
    "VF7VZZKX": "ë-SpaceTourer",
    "VR7A4DGZ": "C5 Aircross Hybrid",
    "VF72RHNPXK": "C3 Aircross",
    "VR1UJZKX": "DS 3 Crossback E-Tense",
    "VR1J4DGZ": "DS 7 Crossback E-Tense",
    "VR1J45GB": "DS 7 Crossback E-Tense 4x4",
    "VR1F4DGYTM": "DS 4 E-Tense",
    "VXKUHZKX": "Corsa-e",
    "VXKUKZKX": "Mokka-e",
    "VXEVZZKX": "Zafira-e Life",
    "VXKF3DGXTN": "Astra Hybrid",
    "W0VZ4DGZ": "Grandland X Hybrid",
    "W0VZ45GB": "Grandland X Hybrid4",
    "W0VEAZKXZM": "Combo-e Cargo",
}


def model_from_vin(vin: str | None) -> str | None:
    """The model owners reported for the VIN's prefix; None when no prefix matches."""
    if not vin:
        return None
    vin = vin.strip().upper()
    for length in range(10, 7, -1):  # the longest prefix first
        model = VIN_MODELS.get(vin[:length])
        if model is not None:
            return model
    return None


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
