"""Who is calling: the one value the services receive to decide what a caller may do."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class AuthMethod(StrEnum):
    """How a principal proved who it is."""

    JWT = "jwt"
    API_KEY = "api_key"
    DEVELOPMENT = "development"
    SYSTEM = "system"
    DISABLED = "disabled"


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated caller. A holder (is_operator False) owns the accounts whose owner id
    is its subject; an operator may do anything. `expires_at` is when the credential stops
    being valid: a websocket must be closed then. `api_key_id` is set for API keys only."""

    subject: str
    is_operator: bool
    method: AuthMethod
    expires_at: datetime | None = None
    api_key_id: str | None = None

    def expired(self, now: datetime) -> bool:
        """True once the credential has expired (never for credentials without expiry)."""
        return self.expires_at is not None and now >= self.expires_at


#: The principal of the CLI and the Lambda handler: trusted code paths, acting as an operator.
SYSTEM = Principal(subject="system", is_operator=True, method=AuthMethod.SYSTEM)

#: Every request's principal when authentication is disabled (LEDGER_AUTH_DISABLED).
DISABLED = Principal(subject="auth-disabled", is_operator=True, method=AuthMethod.DISABLED)
