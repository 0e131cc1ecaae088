"""Rate limits in a real Redis: replicas share one budget per key; a Redis outage fails open."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator

import pytest

from services.ratelimit import OPERATIONS, TRANSFERS
from services.ratelimit.moving_window import MovingWindowLimiter
from tests.streams.support import RedisServer

BUCKETS = {OPERATIONS: "5/second", TRANSFERS: "3/minute"}


@pytest.fixture(scope="module")
def redis_server() -> Iterator[RedisServer]:
    server = RedisServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
async def replicas(
    redis_server: RedisServer,
) -> AsyncIterator[tuple[MovingWindowLimiter, MovingWindowLimiter]]:
    prefix = f"test:{uuid.uuid4().hex}"  # each test its own keys in the shared server
    one = MovingWindowLimiter(BUCKETS, redis_url=redis_server.url, key_prefix=prefix)
    two = MovingWindowLimiter(BUCKETS, redis_url=redis_server.url, key_prefix=prefix)
    try:
        yield one, two
    finally:
        await one.close()
        await two.close()


async def test_two_replicas_share_one_budget(
    replicas: tuple[MovingWindowLimiter, MovingWindowLimiter],
) -> None:
    one, two = replicas
    allowed = [(await (one if i % 2 else two).hit(TRANSFERS, "alice")).allowed for i in range(6)]
    assert allowed == [True, True, True, False, False, False]
    refused = await one.hit(TRANSFERS, "alice")
    assert 59 < refused.retry_after_seconds <= 60


async def test_one_key_spent_leaves_the_others(
    replicas: tuple[MovingWindowLimiter, MovingWindowLimiter],
) -> None:
    one, two = replicas
    for _ in range(5):
        assert (await one.hit(OPERATIONS, "alice")).allowed
    assert not (await two.hit(OPERATIONS, "alice")).allowed
    assert (await two.hit(OPERATIONS, "bob")).allowed
    assert (await one.hit(TRANSFERS, "alice")).allowed
    wait = (await one.hit(OPERATIONS, "alice")).retry_after_seconds
    assert 0 < wait <= 1


async def test_an_unreachable_redis_allows_and_logs(caplog: pytest.LogCaptureFixture) -> None:
    server = RedisServer()  # a free port with nothing listening
    limiter = MovingWindowLimiter(BUCKETS, redis_url=server.url)
    try:
        decision = await limiter.hit(OPERATIONS, "alice")
    finally:
        await limiter.close()
    assert decision.allowed
    assert any("allowing the hit" in r.message for r in caplog.records)
