"""InProcessHub: per-account fan-out, in order, bounded per subscriber."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from services.domain.events import BalanceChanged
from services.domain.model import Direction, Entry
from services.hub import InProcessHub, SubscriptionClosed
from tests.helpers import first_versions


def change(account_id: str, version: int, balance: str = "1") -> BalanceChanged:
    return BalanceChanged(
        Entry(
            id=f"{account_id}-{version}",
            transfer_id=f"t{version}",
            account_id=account_id,
            counterparty_id="other",
            direction=Direction.CREDIT,
            amount=Decimal(1),
            balance_after=Decimal(balance),
            version=version,
            currency="USD",
            created_at=datetime(2026, 1, 1, tzinfo=UTC),
        )
    )


async def test_each_subscriber_gets_its_accounts_changes_in_order() -> None:
    hub = InProcessHub(capacity=100)
    a1, a2, b = [await hub.subscribe(x) for x in ("a", "a", "b")]
    for version in range(1, 6):
        await hub.publish(change("a", version))
        await hub.publish(change("b", version * 10))
        await hub.publish(change("c", version))
    assert await first_versions(a1, 5) == [1, 2, 3, 4, 5]
    assert await first_versions(a2, 5) == [1, 2, 3, 4, 5]
    assert await first_versions(b, 5) == [10, 20, 30, 40, 50]
    assert a1.pending == b.pending == 0


async def test_a_waiting_subscriber_wakes_on_publish() -> None:
    hub = InProcessHub()
    subscription = await hub.subscribe("a")
    reader = asyncio.create_task(first_versions(subscription, 2))
    await asyncio.sleep(0)
    await hub.publish(change("a", 1))
    await hub.publish(change("a", 2))
    assert await asyncio.wait_for(reader, 1) == [1, 2]


async def test_a_slow_subscriber_is_closed_and_the_others_keep_going() -> None:
    hub = InProcessHub(capacity=3)
    slow = await hub.subscribe("a")
    fast = await hub.subscribe("a")
    for version in range(1, 4):
        await hub.publish(change("a", version))
    assert await first_versions(fast, 3) == [1, 2, 3]
    await hub.publish(change("a", 4))  # slow has 3 waiting: this one overflows it
    assert slow.closed
    with pytest.raises(SubscriptionClosed, match="too slow"):
        await first_versions(slow, 1)
    assert await first_versions(fast, 1) == [4]
    assert hub.subscriber_count("a") == 1


async def test_closing_a_subscription_ends_it_and_unregisters_it() -> None:
    idle: list[str] = []
    first: list[str] = []
    hub = InProcessHub(on_first=first.append, on_idle=idle.append)
    one = await hub.subscribe("a")
    two = await hub.subscribe("a")
    one.close()
    assert idle == []
    two.close()
    assert (first, idle, hub.subscriber_count()) == (["a"], ["a"], 0)
    assert await first_versions(one, 1) == []
    await hub.publish(change("a", 1))  # no subscribers left: nothing to do


async def test_publish_cost_follows_the_accounts_own_subscribers() -> None:
    hub = InProcessHub(capacity=2)
    crowd = [await hub.subscribe(f"acct-{i}") for i in range(10_000)]
    watcher = await hub.subscribe("hot")
    assert hub.deliver(change("hot", 1)) == 1
    assert all(s.pending == 0 for s in crowd)
    assert watcher.pending == 1


async def test_hub_close_tells_subscribers_why() -> None:
    hub = InProcessHub()
    subscription = await hub.subscribe("a")
    await hub.close()
    with pytest.raises(SubscriptionClosed, match="shutting down"):
        await first_versions(subscription, 1)
