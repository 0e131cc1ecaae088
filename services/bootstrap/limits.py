"""The API process's rate limiter, from the settings (the other roles use NoRateLimits)."""

from __future__ import annotations

from services.ratelimit import OPERATIONS, TRANSFERS, UNAUTHENTICATED, NoRateLimits, RateLimiter
from services.ratelimit.moving_window import MovingWindowLimiter
from services.settings import Settings


def build_rate_limiter(settings: Settings) -> RateLimiter:
    """In Redis when `redis_url` is set (every replica spends the same budget), else in this
    process; NoRateLimits when `rate_limits` is off. Raises ValueError on a malformed limit."""
    if not settings.rate_limits:
        return NoRateLimits()
    buckets = {
        OPERATIONS: settings.rate_limit_operations,
        TRANSFERS: settings.rate_limit_transfers,
        UNAUTHENTICATED: settings.rate_limit_unauthenticated,
    }
    return MovingWindowLimiter(buckets, redis_url=settings.redis_url)
