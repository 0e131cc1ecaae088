"""The identity layer's typed errors.

`Unauthenticated` means "who are you?" (the app answers 401, or closes the socket with 4401);
`Forbidden` means "you may not" (a resolver turns it into a userError or `null`).
Neither message ever contains a credential: a reason is a short fixed phrase.
"""

from __future__ import annotations

from services.domain.errors import Forbidden

__all__ = [
    "ApiKeyExists",
    "ApiKeyNotFound",
    "Forbidden",
    "IdentityConfigurationError",
    "IdentityError",
    "Unauthenticated",
]


class IdentityError(Exception):
    """Base of every identity failure; `code` is stable for clients and logs."""

    code = "IDENTITY_ERROR"


class Unauthenticated(IdentityError):
    """No usable credential. `reason` is a fixed phrase such as 'missing' or 'expired'."""

    code = "UNAUTHENTICATED"

    def __init__(self, reason: str) -> None:
        super().__init__(f"unauthenticated: {reason}")
        self.reason = reason


class ApiKeyNotFound(IdentityError):
    code = "API_KEY_NOT_FOUND"

    def __init__(self, key_id: str) -> None:
        super().__init__(f"api key {key_id!r} does not exist")
        self.key_id = key_id


class ApiKeyExists(IdentityError):
    code = "API_KEY_EXISTS"

    def __init__(self, key_id: str) -> None:
        super().__init__(f"api key {key_id!r} already exists")
        self.key_id = key_id


class IdentityConfigurationError(IdentityError):
    """A settings combination that would weaken authentication; raised at startup."""

    code = "IDENTITY_CONFIGURATION"
