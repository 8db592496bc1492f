"""The brands of the Connected Car B2C API: identity host, realm, app scheme, countries."""

from __future__ import annotations

from dataclasses import dataclass

API_BASE_URL = "https://api.groupe-psa.com/connectedcar/v4"
"""Production API base. Never ``api-cert``: that host needs mTLS client certificates."""


@dataclass(frozen=True, slots=True)
class Brand:
    """Everything that differs between the brands' mobile apps."""

    key: str
    name: str
    idp_host: str
    realm: str
    redirect_scheme: str
    code: str
    countries: tuple[str, ...]

    @property
    def idp_base_url(self) -> str:
        """Base URL of the brand's identity server."""
        return f"https://{self.idp_host}"

    def redirect_uri(self, country: str) -> str:
        """The only redirect URI the identity server accepts for this app and country."""
        return f"{self.redirect_scheme}://oauth2redirect/{country.lower()}"


_EUROPE = (
    "AT", "BE", "BG", "CH", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GB", "GR", "HR",
    "HU", "IE", "IT", "LT", "LU", "LV", "NL", "NO", "PL", "PT", "RO", "SE", "SI", "SK",
)  # fmt: skip

BRANDS: dict[str, Brand] = {
    brand.key: brand
    for brand in (
        Brand(
            key="peugeot",
            name="Peugeot",
            idp_host="idpcvs.peugeot.com",
            realm="clientsB2CPeugeot",
            redirect_scheme="mymap",
            code="AP",
            countries=(*_EUROPE, "BR", "MA", "TR", "ZA"),
        ),
        Brand(
            key="citroen",
            name="Citroën",
            idp_host="idpcvs.citroen.com",
            realm="clientsB2CCitroen",
            redirect_scheme="mymacsdk",
            code="AC",
            countries=(*_EUROPE, "JP", "TR"),
        ),
        Brand(
            key="ds",
            name="DS",
            idp_host="idpcvs.driveds.com",
            realm="clientsB2CDS",
            redirect_scheme="mymdssdk",
            code="DS",
            countries=(*_EUROPE, "RE", "RU", "SG", "TN", "TR"),
        ),
        Brand(
            key="opel",
            name="Opel",
            idp_host="idpcvs.opel.com",
            realm="clientsB2COpel",
            redirect_scheme="mymopsdk",
            code="OP",
            countries=(*_EUROPE, "MT", "NZ", "TW"),
        ),
        Brand(
            key="vauxhall",
            name="Vauxhall",
            idp_host="idpcvs.vauxhall.co.uk",
            realm="clientsB2CVauxhall",
            redirect_scheme="mymvxsdk",
            code="VX",
            countries=("GB",),
        ),
    )
}
