"""The ports the identity services need, declared next to them."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from jwt import PyJWK

from services.identity.api_key_format import ApiKey


class KeySource(Protocol):
    """Where JwtVerifier finds an issuer's public signing keys."""

    async def key(self, kid: str | None) -> PyJWK:
        """The verification key called `kid` (None: the token named none). Raises
        Unauthenticated('unknown key') when there is none, Unauthenticated('keys unavailable')
        when no key set could be loaded at all."""
        ...


class ApiKeyStore(Protocol):
    """Where API key records (never their secrets) are kept."""

    async def create(self, key: ApiKey) -> None:
        """Store a new record. Raises ApiKeyExists (never overwrites)."""
        ...

    async def get(self, key_id: str) -> ApiKey | None: ...

    async def list(self) -> list[ApiKey]:
        """Every record, revoked ones included, oldest first."""
        ...

    async def revoke(self, key_id: str, at: datetime) -> ApiKey:
        """Mark the key revoked (the first revocation time is kept). Raises ApiKeyNotFound."""
        ...
