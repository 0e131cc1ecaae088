"""Verified tokens remembered for a short while: a browser sends the same access token with
every request, and verifying an RS256 signature costs ~80 µs of CPU each time.

A token is only ever taken from the cache until its own expiry and at most `ttl` seconds after
it was verified, so a key the provider retires stops being trusted within `ttl`. Refusals are
not cached (they are cheap to repeat and must not pin an outage's answer)."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from datetime import UTC, datetime

from services.identity.authenticator import TokenVerifier
from services.identity.principal import Principal


class CachedTokenVerifier:
    def __init__(
        self,
        verifier: TokenVerifier,
        *,
        ttl_seconds: float = 60.0,
        max_entries: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._verifier = verifier
        self._ttl = ttl_seconds
        self._max = max_entries
        self._clock = clock
        self._entries: OrderedDict[str, tuple[float, Principal]] = OrderedDict()

    async def verify(self, token: str) -> Principal:
        now = self._clock()
        cached = self._entries.get(token)
        if cached is not None:
            fresh_until, principal = cached
            if now < fresh_until and not principal.expired(datetime.now(UTC)):
                self._entries.move_to_end(token)
                return principal
            del self._entries[token]
        principal = await self._verifier.verify(token)
        if self._ttl > 0 and self._max > 0:
            self._entries[token] = (now + self._ttl, principal)
            if len(self._entries) > self._max:
                self._entries.popitem(last=False)
        return principal
