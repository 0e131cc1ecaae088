"""subscribe_balance: replay from the table, then live, no gap and no duplicate at the seam."""

from __future__ import annotations

import asyncio

import pytest

from services.domain.errors import AccountNotFound, InvalidInput
from services.domain.events import BalanceChanged
from services.domain.model import Account, Entry
from services.hub import BalanceFeed, InProcessHub, SubscriptionClosed
from tests.helpers import first_versions
from tests.unit.test_hub_memory import change


class FakeHistory:
    """An account's committed entries; `commit` adds one without publishing it."""

    def __init__(self, account_id: str = "a") -> None:
        self.account_id = account_id
        self.entries: list[Entry] = []
        self.reads = 0

    def commit(self) -> BalanceChanged:
        event = change(self.account_id, len(self.entries) + 1)
        self.entries.append(event.entry)
        return event

    async def entries_after(
        self, account_id: str, after_version: int, limit: int = 100
    ) -> list[Entry]:
        self.reads += 1
        await asyncio.sleep(0)
        return [e for e in self.entries if e.version > after_version][:limit]

    async def get_account(self, account_id: str, *, principal: object = None) -> Account:
        if account_id != self.account_id:
            raise AccountNotFound(account_id)
        last = self.entries[-1] if self.entries else None
        return Account(
            id=account_id,
            balance=last.balance_after if last else 0,  # type: ignore[arg-type]
            currency="USD",
            created_at=change(account_id, 1).at,
            version=len(self.entries),
        )


async def test_replay_then_live_without_duplicates() -> None:
    hub, history = InProcessHub(), FakeHistory()
    for _ in range(5):
        history.commit()
    feed = BalanceFeed(hub, history, page_size=2)
    stream = feed.subscribe_balance("a", after_version=2)
    reader = asyncio.create_task(first_versions(stream, 6))
    await asyncio.sleep(0.01)
    for event in [*(change("a", v) for v in (3, 4, 5)), history.commit(), history.commit()]:
        await hub.publish(event)  # 3-5 are late duplicates of the replay
    history.commit()
    await hub.publish(change("a", 8))
    assert await asyncio.wait_for(reader, 2) == [3, 4, 5, 6, 7, 8]


async def test_without_after_version_only_new_changes_come() -> None:
    hub, history = InProcessHub(), FakeHistory()
    history.commit()
    feed = BalanceFeed(hub, history)
    reader = asyncio.create_task(first_versions(feed.subscribe_balance("a"), 2))
    await asyncio.sleep(0.01)
    await hub.publish(change("a", 1))  # before the subscription's version: dropped
    await hub.publish(history.commit())
    await hub.publish(history.commit())
    assert await asyncio.wait_for(reader, 2) == [2, 3]


async def test_a_gap_in_live_versions_is_filled_from_the_table() -> None:
    hub, history = InProcessHub(), FakeHistory()
    feed = BalanceFeed(hub, history)
    reader = asyncio.create_task(first_versions(feed.subscribe_balance("a", after_version=0), 4))
    await asyncio.sleep(0.01)
    first = history.commit()
    await hub.publish(first)
    history.commit()
    history.commit()  # versions 2 and 3 were never published (a lost message)
    await hub.publish(history.commit())
    assert await asyncio.wait_for(reader, 2) == [1, 2, 3, 4]


async def test_seam_under_concurrent_commits_every_version_once_in_order() -> None:
    hub, history = InProcessHub(capacity=10_000), FakeHistory()
    for _ in range(50):
        history.commit()
    feed = BalanceFeed(hub, history, page_size=7)

    async def writer() -> None:
        for _ in range(200):
            await hub.publish(history.commit())
            await asyncio.sleep(0)

    readers = [
        asyncio.create_task(
            first_versions(feed.subscribe_balance("a", after_version=start), 250 - start)
        )
        for start in (0, 10, 49)
    ]
    await asyncio.sleep(0)
    await writer()
    results = await asyncio.wait_for(asyncio.gather(*readers), 5)
    for start, versions in zip((0, 10, 49), results, strict=True):
        assert versions == list(range(start + 1, 251))


async def test_an_unknown_account_or_bad_version_is_refused() -> None:
    feed = BalanceFeed(InProcessHub(), FakeHistory())
    with pytest.raises(AccountNotFound):
        await first_versions(feed.subscribe_balance("nobody"), 1)
    with pytest.raises(InvalidInput):
        await first_versions(feed.subscribe_balance("a", after_version=-1), 1)


async def test_stopping_the_reader_unsubscribes() -> None:
    hub, history = InProcessHub(), FakeHistory()
    feed = BalanceFeed(hub, history)
    stream = feed.subscribe_balance("a", after_version=0)
    reader = asyncio.create_task(first_versions(stream, 1))
    await asyncio.sleep(0.01)
    assert hub.subscriber_count("a") == 1
    await hub.publish(history.commit())
    await reader
    await stream.aclose()  # type: ignore[attr-defined]
    assert hub.subscriber_count("a") == 0


async def test_a_version_beyond_the_current_one_is_refused_up_front() -> None:
    """Issue 10, defect 8: afterVersion=9 on an account at version 3 used to be accepted, and
    then every live event (4, 5, ...) was dropped as already seen: a silent, endless wait."""
    hub, history = InProcessHub(), FakeHistory()
    for _ in range(3):
        history.commit()
    feed = BalanceFeed(hub, history)
    with pytest.raises(InvalidInput, match="current version 3") as refused:
        await feed.open("a", after_version=9)
    assert refused.value.field == "after_version"
    stream = await feed.open("a", after_version=3)  # the current version itself is fine
    await stream.aclose()


async def test_the_hub_closing_it_during_the_replay_ends_it() -> None:
    """A shutdown is no overflow: the feed ends instead of listening afresh."""
    hub, history = InProcessHub(), FakeHistory()
    history.commit()
    stream = await BalanceFeed(hub, history).open("a", after_version=0)
    await hub.close()
    changes = aiter(stream.changes)
    assert (await asyncio.wait_for(anext(changes), 2)).version == 1
    with pytest.raises(SubscriptionClosed):
        await asyncio.wait_for(anext(changes), 2)
    assert hub.subscriber_count("a") == 0
