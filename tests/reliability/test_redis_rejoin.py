"""Defect 7: a subscriber arriving while the last one of its account is leaving must not reuse
a watch that is then removed (the server would silently stop receiving the account)."""

from __future__ import annotations

import asyncio
import uuid

from services.hub.redis import RedisHub
from tests.helpers import first_versions
from tests.streams.support import RedisServer
from tests.unit.test_balance_feed import FakeHistory


async def test_rapid_subscribe_unsubscribe_cycles_across_two_servers(
    redis_server: RedisServer,
) -> None:
    history = FakeHistory("a")
    prefix = f"test:{uuid.uuid4().hex}:"
    one = RedisHub(redis_server.url, history, capacity=50, channel_prefix=prefix)
    two = RedisHub(redis_server.url, history, capacity=50, channel_prefix=prefix)
    try:
        for cycle in range(30):
            leaving = await one.subscribe("a")
            leaving.close()  # the last one leaves: the hub starts to unsubscribe...
            for _ in range(cycle % 4):
                await asyncio.sleep(0)  # ...and a newcomer arrives at varying moments of it
            staying = await one.subscribe("a")
            await asyncio.sleep(0.02)
            await two.publish(history.commit())
            got = await asyncio.wait_for(first_versions(staying, 1), 3)
            assert got == [len(history.entries)], cycle
            staying.close()
            await asyncio.sleep(0.02)
    finally:
        await one.close()
        await two.close()
