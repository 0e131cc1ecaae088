"""Rate limits in process: budgets per (bucket, key), retry times, the typed refusal."""

from __future__ import annotations

import asyncio

import pytest

from graph.ratelimit import rate_limited_error, retry_after_header
from services.ratelimit import (
    OPERATIONS,
    RATE_LIMITED,
    TRANSFERS,
    NoRateLimits,
    RateLimited,
    UnknownBucket,
    enforce,
)
from services.ratelimit.moving_window import MovingWindowLimiter, parse_limits


@pytest.fixture
def limiter() -> MovingWindowLimiter:
    return MovingWindowLimiter({OPERATIONS: "5/second", TRANSFERS: "2/minute"})


async def test_a_key_is_refused_once_its_budget_is_spent(limiter: MovingWindowLimiter) -> None:
    decisions = [await limiter.hit(OPERATIONS, "alice") for _ in range(7)]
    assert [d.allowed for d in decisions] == [True] * 5 + [False] * 2
    assert all(d.retry_after_seconds == 0 for d in decisions[:5])
    assert all(0 < d.retry_after_seconds <= 1 for d in decisions[5:])


async def test_keys_and_buckets_have_their_own_budgets(limiter: MovingWindowLimiter) -> None:
    for _ in range(2):
        assert (await limiter.hit(TRANSFERS, "alice")).allowed
    assert not (await limiter.hit(TRANSFERS, "alice")).allowed
    assert (await limiter.hit(TRANSFERS, "bob")).allowed
    assert (await limiter.hit(OPERATIONS, "alice")).allowed


async def test_retry_after_is_when_the_next_hit_fits(limiter: MovingWindowLimiter) -> None:
    for _ in range(2):
        await limiter.hit(TRANSFERS, "alice")
    refused = await limiter.hit(TRANSFERS, "alice")
    assert 59 < refused.retry_after_seconds <= 60
    for _ in range(5):
        await limiter.hit(OPERATIONS, "carol")
    wait = (await limiter.hit(OPERATIONS, "carol")).retry_after_seconds
    await asyncio.sleep(wait + 0.05)
    assert (await limiter.hit(OPERATIONS, "carol")).allowed


async def test_enforce_raises_the_typed_refusal(limiter: MovingWindowLimiter) -> None:
    await enforce(limiter, TRANSFERS, "alice")
    await enforce(limiter, TRANSFERS, "alice")
    with pytest.raises(RateLimited) as refused:
        await enforce(limiter, TRANSFERS, "alice")
    assert refused.value.code == RATE_LIMITED
    assert refused.value.bucket == TRANSFERS
    assert 59 < refused.value.retry_after <= 60
    error = rate_limited_error(refused.value)
    assert error.extensions == {"code": RATE_LIMITED, "retryAfter": 60}
    assert error.original_error is None
    assert retry_after_header(refused.value.retry_after) == "60"
    assert retry_after_header(0.001) == "1"


async def test_an_unknown_bucket_is_a_programming_error(limiter: MovingWindowLimiter) -> None:
    with pytest.raises(UnknownBucket):
        await limiter.hit("nope", "alice")


def test_malformed_limits_are_refused_at_startup() -> None:
    assert parse_limits({OPERATIONS: "600/minute"})[OPERATIONS].amount == 600
    with pytest.raises(ValueError, match="lots"):
        parse_limits({OPERATIONS: "lots"})


async def test_no_rate_limits_allows_everything() -> None:
    limits = NoRateLimits()
    assert all([(await limits.hit(TRANSFERS, "alice")).allowed for _ in range(1000)])
