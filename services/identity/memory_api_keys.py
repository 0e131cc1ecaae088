"""An in-memory ApiKeyStore: unit tests, and single-process development without a table."""

from __future__ import annotations

from datetime import datetime

from services.identity.api_key_format import ApiKey
from services.identity.errors import ApiKeyExists, ApiKeyNotFound


class InMemoryApiKeyStore:
    def __init__(self) -> None:
        self._keys: dict[str, ApiKey] = {}
        self.reads = 0

    async def create(self, key: ApiKey) -> None:
        if key.key_id in self._keys:
            raise ApiKeyExists(key.key_id)
        self._keys[key.key_id] = key

    async def get(self, key_id: str) -> ApiKey | None:
        self.reads += 1
        return self._keys.get(key_id)

    async def list(self) -> list[ApiKey]:
        return sorted(self._keys.values(), key=lambda key: (key.created_at, key.key_id))

    async def revoke(self, key_id: str, at: datetime) -> ApiKey:
        key = self._keys.get(key_id)
        if key is None:
            raise ApiKeyNotFound(key_id)
        self._keys[key_id] = key.revoked(at)
        return self._keys[key_id]
