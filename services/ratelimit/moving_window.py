"""RateLimiter on the `limits` library: a moving window per (bucket, key), in this process or
in Redis so every replica spends the same budget.

Moving window rather than fixed window: a fixed window lets a client spend its budget at the
end of one window and again at the start of the next (twice the rate for a moment), and its
retry time is the window's end rather than when the next hit fits. The moving window is
exact, and `Retry-After` is when the oldest counted hit leaves the window. Its cost is one
timestamp per counted hit (at most the limit per active key: 600 for the default operations
bucket), which Redis expires with the key. (`limits` 5 no longer has fixed-window-elastic.)
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping

from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, RedisStorage
from limits.aio.strategies import MovingWindowRateLimiter
from redis.asyncio import ConnectionPool
from redis.exceptions import RedisError

from services.ratelimit import RateDecision, UnknownBucket

log = logging.getLogger("services.ratelimit")

KEY_PREFIX = "ledger:ratelimit"


def parse_limits(buckets: Mapping[str, str]) -> dict[str, RateLimitItem]:
    """Each bucket's "N/interval" ("600/minute", "5 per second"); ValueError when malformed."""
    return {name: parse(spec) for name, spec in buckets.items()}


class MovingWindowLimiter:
    """Counts hits per (bucket, key). With `redis_url`, in Redis (one Lua script per hit);
    when Redis fails the hit is allowed and logged: the limiter never takes the ledger down.
    """

    def __init__(
        self,
        buckets: Mapping[str, str],
        *,
        redis_url: str | None = None,
        key_prefix: str = KEY_PREFIX,
    ) -> None:
        self._items = parse_limits(buckets)
        self._pool: ConnectionPool | None = None
        if redis_url is None:
            storage: MemoryStorage | RedisStorage = MemoryStorage()
        else:
            self._pool = ConnectionPool.from_url(redis_url)
            storage = RedisStorage(
                f"async+{redis_url}",
                implementation="redispy",
                key_prefix=key_prefix,
                # Ours, so close() can release it; limits annotates options more narrowly
                # than its redis-py bridge accepts them.
                connection_pool=self._pool,  # type: ignore[arg-type]
            )
        self._strategy = MovingWindowRateLimiter(storage)

    async def hit(self, bucket: str, key: str) -> RateDecision:
        item = self._items.get(bucket)
        if item is None:
            raise UnknownBucket(bucket)
        try:
            if await self._strategy.hit(item, bucket, key):
                return RateDecision(allowed=True)
            stats = await self._strategy.get_window_stats(item, bucket, key)
        except RedisError as error:
            log.warning("rate limit storage failed; allowing the hit", extra={"error": error})
            return RateDecision(allowed=True)
        # The oldest counted hit leaves the window at reset_time; never tell a client 0.
        wait = max(stats.reset_time - time.time(), 0.001)
        return RateDecision(allowed=False, retry_after_seconds=wait)

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.disconnect()
