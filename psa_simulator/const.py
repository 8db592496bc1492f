"""Constants of the simulated PSA cloud: brands, the demo account, error bodies."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

API_PREFIX: Final = "/connectedcar/v4"
OAUTH_PREFIX: Final = "/am/oauth2"
CONTROL_PREFIX: Final = "/_simulator"

DEFAULT_HOST: Final = "127.0.0.1"
DEFAULT_PORT: Final = 8765

# The demo account (made up; safe to print and to put in docs).
DEMO_BRAND: Final = "peugeot"
DEMO_COUNTRY: Final = "FR"
DEMO_USERNAME: Final = "demo@example.com"
DEMO_PASSWORD: Final = "demo"
DEMO_CLIENT_ID: Final = "demo-client-id"
DEMO_CLIENT_SECRET: Final = "demo-client-secret"
DEMO_CUSTOMER_ID: Final = "AP-ACNT200000000042"  # the remote-services customer id (§2)
DEMO_PIN: Final = "1234"  # the brand app's PIN, asked at pairing (§3)
DEFAULT_MAX_DEVICES: Final = 5  # paired devices before NOK:MAXNBTOOLS

DEFAULT_ACCESS_TOKEN_LIFETIME: Final = 3599
DEFAULT_CODE_LIFETIME: Final = 300
ALLOWED_SCOPES: Final = frozenset({"openid", "profile", "email"})
DEFAULT_SCOPE: Final = "openid profile"

HAL_JSON: Final = "application/hal+json"
GEO_JSON: Final = "application/vnd.geo+json"


@dataclass(frozen=True, slots=True)
class SimBrand:
    """What the server side needs to know about a brand (kept apart from the client's table)."""

    key: str
    name: str
    realm: str
    redirect_scheme: str
    default_country: str

    def redirect_uri(self, country: str) -> str:
        """The only redirect URI the identity server accepts for this brand's app and country."""
        return f"{self.redirect_scheme}://oauth2redirect/{country.lower()}"


BRANDS: Final[dict[str, SimBrand]] = {
    brand.key: brand
    for brand in (
        SimBrand("peugeot", "Peugeot", "clientsB2CPeugeot", "mymap", "FR"),
        SimBrand("citroen", "Citroën", "clientsB2CCitroen", "mymacsdk", "FR"),
        SimBrand("ds", "DS", "clientsB2CDS", "mymdssdk", "FR"),
        SimBrand("opel", "Opel", "clientsB2COpel", "mymopsdk", "DE"),
        SimBrand("vauxhall", "Vauxhall", "clientsB2CVauxhall", "mymvxsdk", "GB"),
    )
}

# The customer-id prefix per brand when a scenario sets none: the MQTT prefix of §2 (DS -> AC,
# Opel/Vauxhall -> OV), so that the id is the same whether a client maps it or not.
CUSTOMER_ID_PREFIXES: Final = {
    "peugeot": "AP",
    "citroen": "AC",
    "ds": "AC",
    "opel": "OV",
    "vauxhall": "OV",
}

# OAuth error descriptions as the real identity server words them (psa-api.md §2, §7).
CODE_GRANT_INVALID: Final = "The provided access grant is invalid, expired, or revoked."
REFRESH_GRANT_INVALID: Final = "grant is invalid"
CLIENT_AUTH_FAILED: Final = "Client authentication failed"
REDIRECT_MISMATCH: Final = "The redirection URI provided does not match a pre-registered value."

# Gateway (IBM API Connect) bodies.
GATEWAY_401: Final = {
    "httpMessage": "Unauthorized",
    "moreInformation": (
        "Cannot pass the security checks that are required by the target API or operation, "
        "Enable debug headers for more details."
    ),
}
GATEWAY_500: Final = {"httpMessage": "Internal Server Error", "moreInformation": "Internal Error"}
GATEWAY_429: Final = {"httpMessage": "Too Many Requests", "moreInformation": "Rate Limit exceeded"}
GATEWAY_404: Final = {
    "httpMessage": "Not Found",
    "moreInformation": "No resources match requested URI",
}

# "No data" messages of the business 404 (code 40400), per endpoint.
NOT_FOUND_MESSAGES: Final = {
    "vehicle": "Not Found: No vehicle found.",
    "status": "Not Found: We didn't find the status for this vehicule.",
    "lastPosition": "Not Found: We didn't find the last position for this vehicule.",
    "maintenance": "Not Found: Maintenance not found for given vehicle",
    "alerts": "Not Found: No alert was found.",
    "trips": "Not Found: No trip was found.",
}
ENDPOINTS: Final = ("status", "lastPosition", "maintenance", "alerts", "trips")
