"""The verified-token cache: hits skip verification, never outlive `exp` or the TTL, and
refusals are not remembered."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.identity.errors import Unauthenticated
from services.identity.principal import AuthMethod, Principal
from services.identity.token_cache import CachedTokenVerifier


class CountingVerifier:
    def __init__(self, expires_at: datetime | None) -> None:
        self.calls = 0
        self.refuse = False
        self.expires_at = expires_at

    async def verify(self, token: str) -> Principal:
        self.calls += 1
        if self.refuse:
            raise Unauthenticated("bad signature")
        return Principal(token, False, AuthMethod.JWT, expires_at=self.expires_at)


async def test_a_token_is_verified_once_within_the_ttl() -> None:
    now = [0.0]
    inner = CountingVerifier(datetime.now(UTC) + timedelta(hours=1))
    cache = CachedTokenVerifier(inner, ttl_seconds=60, clock=lambda: now[0])
    for _ in range(5):
        assert (await cache.verify("alice")).subject == "alice"
    assert inner.calls == 1
    now[0] = 61.0
    await cache.verify("alice")
    assert inner.calls == 2


async def test_an_expired_token_is_verified_again_and_refusals_are_not_cached() -> None:
    inner = CountingVerifier(datetime.now(UTC) - timedelta(seconds=1))
    cache = CachedTokenVerifier(inner, ttl_seconds=60)
    await cache.verify("alice")
    await cache.verify("alice")
    assert inner.calls == 2  # past its exp: never served from the cache
    inner.refuse = True
    for _ in range(2):
        with pytest.raises(Unauthenticated):
            await cache.verify("mallory")
    assert inner.calls == 4


async def test_the_cache_is_bounded() -> None:
    inner = CountingVerifier(datetime.now(UTC) + timedelta(hours=1))
    cache = CachedTokenVerifier(inner, max_entries=2)
    for token in ("a", "b", "c", "a"):
        await cache.verify(token)
    assert inner.calls == 4  # "a" was evicted by "c"
