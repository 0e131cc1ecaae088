"""RedisHub against a real redis-server: fan-out across servers, isolation, overflow, gaps."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest

from services.hub import SubscriptionClosed
from services.hub.redis import RedisHub
from tests.helpers import first_versions
from tests.streams.support import RedisServer
from tests.unit.test_balance_feed import FakeHistory
from tests.unit.test_hub_memory import change


@pytest.fixture
async def hubs(
    redis_server: RedisServer,
) -> AsyncIterator[tuple[RedisHub, RedisHub, FakeHistory]]:
    """Two 'servers' sharing one Redis, both reading the same (fake) table."""
    history = FakeHistory("a")
    prefix = f"test:{uuid.uuid4().hex}:"
    one = RedisHub(redis_server.url, history, capacity=50, channel_prefix=prefix)
    two = RedisHub(redis_server.url, history, capacity=50, channel_prefix=prefix)
    try:
        yield one, two, history
    finally:
        await one.close()
        await two.close()


async def test_every_server_sees_the_same_changes_in_order(
    hubs: tuple[RedisHub, RedisHub, FakeHistory],
) -> None:
    one, two, history = hubs
    on_one = await one.subscribe("a")
    on_two = await two.subscribe("a")
    other = await two.subscribe("b")
    for _ in range(20):
        await one.publish(history.commit())
    await one.publish(change("c", 1))
    assert await asyncio.wait_for(first_versions(on_one, 20), 5) == list(range(1, 21))
    assert await asyncio.wait_for(first_versions(on_two, 20), 5) == list(range(1, 21))
    await asyncio.sleep(0.1)
    assert other.pending == 0


async def test_a_slow_subscriber_is_closed_alone(
    hubs: tuple[RedisHub, RedisHub, FakeHistory],
) -> None:
    one, _, history = hubs
    slow = await one.subscribe("a", capacity=5)
    fast = await one.subscribe("a")
    reader = asyncio.create_task(first_versions(fast, 10))
    for _ in range(10):
        await one.publish(history.commit())
    assert await asyncio.wait_for(reader, 5) == list(range(1, 11))
    assert slow.closed
    with pytest.raises(SubscriptionClosed):
        await first_versions(slow, 1)


async def test_a_version_jump_is_filled_from_the_table(
    hubs: tuple[RedisHub, RedisHub, FakeHistory],
) -> None:
    one, _, history = hubs
    subscription = await one.subscribe("a")
    await one.publish(history.commit())
    history.commit()
    history.commit()  # committed, never published
    await one.publish(history.commit())
    assert await asyncio.wait_for(first_versions(subscription, 4), 5) == [1, 2, 3, 4]


async def test_changes_published_while_redis_was_down_are_filled(
    hubs: tuple[RedisHub, RedisHub, FakeHistory], redis_server: RedisServer
) -> None:
    one, two, history = hubs
    subscription = await two.subscribe("a")
    await one.publish(history.commit())
    assert await asyncio.wait_for(first_versions(subscription, 1), 5) == [1]

    redis_server.stop()
    try:
        for _ in range(3):
            await one.publish(history.commit())  # kept, published again once Redis is back
    finally:
        redis_server.start()

    # No new publish is needed: the resubscription after the reconnect triggers the fill.
    assert await asyncio.wait_for(first_versions(subscription, 3), 15) == [2, 3, 4]
    await one.publish(history.commit())
    assert await asyncio.wait_for(first_versions(subscription, 1), 5) == [5]


async def test_the_last_local_subscriber_leaving_unsubscribes(
    hubs: tuple[RedisHub, RedisHub, FakeHistory],
) -> None:
    one, _, history = hubs
    first = await one.subscribe("a")
    first.close()
    await asyncio.sleep(0.1)
    again = await one.subscribe("a")
    await one.publish(history.commit())
    assert await asyncio.wait_for(first_versions(again, 1), 5) == [1]
    assert one.subscriber_count("a") == 1


async def test_many_subscribers_over_many_accounts(redis_server: RedisServer) -> None:
    histories = {f"acct-{i}": FakeHistory(f"acct-{i}") for i in range(300)}

    class Routed:
        async def entries_after(self, account_id: str, after_version: int, limit: int = 100):  # type: ignore[no-untyped-def]
            return await histories[account_id].entries_after(account_id, after_version, limit)

        async def get_account(self, account_id: str, *, principal: object = None):  # type: ignore[no-untyped-def]
            return await histories[account_id].get_account(account_id)

    hub = RedisHub(redis_server.url, Routed(), channel_prefix=f"test:{uuid.uuid4().hex}:")
    try:
        subscriptions = await asyncio.gather(
            *(hub.subscribe(account) for account in histories for _ in range(5))
        )
        assert hub.subscriber_count() == 1500
        for history in histories.values():
            await hub.publish(history.commit())
        results = await asyncio.wait_for(
            asyncio.gather(*(first_versions(s, 1) for s in subscriptions)), 15
        )
        assert results == [[1]] * 1500
        for subscription, (account, _) in zip(
            subscriptions, ((a, n) for a in histories for n in range(5)), strict=True
        ):
            assert subscription.account_id == account
    finally:
        await hub.close()
