"""Issuing, listing, revoking and verifying API keys."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from services.identity.api_key_format import (
    ApiKey,
    format_key,
    hash_secret,
    new_key_id,
    new_secret,
    parse_key,
)
from services.identity.errors import Unauthenticated
from services.identity.ports import ApiKeyStore
from services.identity.principal import AuthMethod, Principal


@dataclass(frozen=True, slots=True)
class IssuedApiKey:
    """A new key's record and its full text, which is shown once and never stored."""

    record: ApiKey
    plaintext: str


class ApiKeyAdmin:
    """The operations behind `ledger api-keys create|list|revoke` (run as the system)."""

    def __init__(self, store: ApiKeyStore, *, now: Callable[[], datetime] | None = None) -> None:
        self._store = store
        self._now = now or (lambda: datetime.now(UTC))

    async def create(
        self, name: str, *, subject: str | None = None, operator: bool = False
    ) -> IssuedApiKey:
        """A key acting as holder `subject`, or as an operator (subject defaults to
        'api-key:<id>'). Raises ValueError for neither or an empty name."""
        if not name.strip():
            raise ValueError("an API key needs a name")
        if subject is None and not operator:
            raise ValueError("an API key acts for a subject or as an operator")
        key_id, secret = new_key_id(), new_secret()
        record = ApiKey(
            key_id=key_id,
            name=name,
            subject=subject or f"api-key:{key_id}",
            is_operator=operator,
            created_at=self._now(),
            secret_hash=hash_secret(secret),
        )
        await self._store.create(record)
        return IssuedApiKey(record=record, plaintext=format_key(key_id, secret))

    async def list(self) -> list[ApiKey]:
        return await self._store.list()

    async def revoke(self, key_id: str) -> ApiKey:
        """Raises ApiKeyNotFound. Every replica refuses the key within the cache TTL."""
        return await self._store.revoke(key_id, self._now())


class ApiKeyVerifier:
    """Turns a presented key into a Principal. Records are cached for `ttl` seconds (found or
    not), so a revocation reaches every replica within `ttl` and a flood of bad keys costs
    one read per key id per `ttl`. Store failures propagate (they are not the caller's)."""

    def __init__(
        self,
        store: ApiKeyStore,
        *,
        ttl: float = 2.0,
        max_entries: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._store = store
        self._ttl = ttl
        self._max_entries = max_entries
        self._clock = clock
        self._cache: dict[str, tuple[float, ApiKey | None]] = {}
        self._reading: dict[str, asyncio.Task[ApiKey | None]] = {}

    async def verify(self, credential: str) -> Principal:
        """Raises Unauthenticated('malformed api key') or ('invalid api key'): unknown,
        revoked and wrong secret look the same to the caller."""
        parsed = parse_key(credential)
        if parsed is None:
            raise Unauthenticated("malformed api key")
        key_id, secret = parsed
        record = await self._lookup(key_id)
        if record is None or record.revoked_at is not None or not record.matches(secret):
            raise Unauthenticated("invalid api key")
        return Principal(
            subject=record.subject,
            is_operator=record.is_operator,
            method=AuthMethod.API_KEY,
            api_key_id=record.key_id,
        )

    async def _lookup(self, key_id: str) -> ApiKey | None:
        now = self._clock()
        cached = self._cache.get(key_id)
        if cached is not None and cached[0] > now:
            return cached[1]
        # Concurrent requests with one key share one read (a client's burst after the TTL).
        reading = self._reading.get(key_id)
        if reading is None:
            reading = asyncio.create_task(self._store.get(key_id))
            self._reading[key_id] = reading
            reading.add_done_callback(lambda _: self._reading.pop(key_id, None))
        record = await asyncio.shield(reading)
        if len(self._cache) >= self._max_entries:
            self._cache = {k: v for k, v in self._cache.items() if v[0] > now}
            if len(self._cache) >= self._max_entries:
                self._cache.clear()
        self._cache[key_id] = (now + self._ttl, record)
        return record
