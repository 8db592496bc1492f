"""Typed exceptions raised by the PSA client.

Each class is something the caller must act on differently. No exception message
ever contains a secret (password, client secret, token, authorization code).
"""

from __future__ import annotations


class PSAError(Exception):
    """Base class of every error raised by this package."""


class PSAAuthError(PSAError):
    """The credentials or the grant are no longer valid: re-authentication is needed."""


class PSAInvalidClientError(PSAAuthError):
    """The identity server refused the app credentials (client id / secret)."""


class PSAPasswordGrantUnsupportedError(PSAError):
    """The identity server refuses the password grant: use the authorization-code flow."""


class PSAInvalidCodeError(PSAError):
    """The authorization code is invalid, expired or already used, or the paste is unusable.

    ``reason`` is a short machine-readable word the UI can translate:
    ``empty``, ``too_long``, ``no_code``, ``malformed``, ``state_mismatch``,
    ``wrong_redirect`` or ``rejected`` (refused by the server).
    """

    def __init__(self, reason: str, message: str | None = None) -> None:
        """``reason`` is one of the documented keys; the message defaults to it."""
        super().__init__(message or reason)
        self.reason = reason


class PSARateLimitError(PSAError):
    """Too many requests; ``retry_after`` is in seconds when known."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        """``retry_after``: seconds to wait, None when the server did not say."""
        super().__init__(message)
        self.retry_after = retry_after


class PSAConnectionError(PSAError):
    """Transient trouble: network error, timeout, 5xx, malformed response body."""


class PSAApiError(PSAError):
    """Any other API error, with its HTTP status, business code and message."""

    def __init__(self, status: int, code: int | str | None, message: str) -> None:
        """The HTTP status, the business code (if any) and the server's message."""
        super().__init__(f"HTTP {status} (code {code}): {message}")
        self.status = status
        self.code = code
        self.message = message


class PSANoDataError(PSAApiError):
    """404 with code 40400: the vehicle has no data for this endpoint (not a failure)."""


class PSAPairingError(PSAError):
    """The remote-commands pairing (SMS + PIN) failed; ``code`` says why, for the UI.

    ``access`` (NOK:ACCESS), ``code`` (NOK:CODE), ``max_devices`` (NOK:MAXNBTOOLS),
    ``blocked`` (NOK:NOK_BLOCKED), ``forbidden`` (NOK:FORBIDDEN), ``sn`` (NOK:SN),
    ``no_customer_id`` (the account has no car association) or ``unknown``.
    """

    def __init__(self, code: str, message: str | None = None) -> None:
        """``code`` is one of the documented keys; the message defaults to it."""
        super().__init__(message or code)
        self.code = code


class PSARemoteAuthError(PSAError):
    """The MQTT login is lost and no OTP code can mend it: pairing again is needed."""


class PSACommandError(PSAError):
    """A remote command did not succeed; ``reason`` is a key the UI translates.

    ``asleep``, ``not_supported``, ``failed``, ``vin_error``, ``privacy``, ``duplicate``,
    ``token``, ``timeout``, ``busy`` or ``not_connected``. ``code`` is the car's return code
    when there was one, ``detail`` the name of its ``resp_data`` error when known.
    """

    def __init__(self, reason: str, code: str | None = None, detail: str | None = None) -> None:
        """The reason key, the return code and the error detail (never a secret)."""
        super().__init__(reason if code is None else f"{reason} (code {code})")
        self.reason = reason
        self.code = code
        self.detail = detail
