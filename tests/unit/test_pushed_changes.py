"""BalanceStream.push: the feed's guarantees (replay, then live, every version once and in
order, gaps filled) with no task while nothing is to be delivered."""

from __future__ import annotations

import asyncio
import contextvars

import pytest

from services.domain.events import BalanceChanged
from services.hub import BalanceFeed, InProcessHub, SubscriptionClosed
from services.hub.pushed import PushedChanges
from tests.unit.test_balance_feed import FakeHistory
from tests.unit.test_hub_memory import change

whose = contextvars.ContextVar("whose", default="nobody")


class Receiver:
    """Collects what a pushed feed delivers, and why it ended."""

    def __init__(self, *, fail_at: int | None = None, slow: bool = False) -> None:
        self.versions: list[int] = []
        self.contexts: list[str] = []
        self.ended: Exception | None = None
        self.ends = 0
        self._fail_at = fail_at
        self._slow = slow
        self._changed = asyncio.Event()

    async def deliver(self, event: BalanceChanged) -> None:
        if self._slow:
            await asyncio.sleep(0)
        if event.version == self._fail_at:
            raise ConnectionResetError("the socket went away")
        self.versions.append(event.version)
        self.contexts.append(whose.get())
        self._changed.set()

    async def end(self, error: Exception) -> None:
        self.ended = error
        self.ends += 1
        self._changed.set()

    async def until(self, count: int) -> list[int]:
        async def enough() -> None:
            while len(self.versions) < count and self.ended is None:
                self._changed.clear()
                await self._changed.wait()

        await asyncio.wait_for(enough(), 2)
        return self.versions


async def pushed(
    feed: BalanceFeed, receiver: Receiver, after: int | None = None
) -> tuple[object, PushedChanges]:
    context = contextvars.copy_context()
    context.run(whose.set, "subscriber")
    stream = await feed.open("a", after)
    return stream, stream.push(receiver.deliver, receiver.end, context=context)


async def settled(changes: PushedChanges) -> None:
    """Until the feed has delivered everything it has and holds no task."""
    for _ in range(200):
        if not changes.delivering:
            return
        await asyncio.sleep(0)
    raise AssertionError("the feed still holds a task")


async def test_replay_then_live_each_once_in_order_and_no_task_while_idle() -> None:
    hub, history = InProcessHub(), FakeHistory()
    for _ in range(5):
        history.commit()
    receiver = Receiver()
    _, changes = await pushed(BalanceFeed(hub, history, page_size=2), receiver, after=2)
    assert await receiver.until(3) == [3, 4, 5]
    await settled(changes)
    for event in [*(change("a", v) for v in (3, 4, 5)), history.commit(), history.commit()]:
        await hub.publish(event)  # 3-5 are late duplicates of the replay
    history.commit()
    await hub.publish(change("a", 8))
    assert await receiver.until(6) == [3, 4, 5, 6, 7, 8]
    await settled(changes)
    assert changes.last == 8
    assert receiver.ended is None


async def test_a_gap_is_filled_from_the_table() -> None:
    hub, history = InProcessHub(), FakeHistory()
    receiver = Receiver()
    _, changes = await pushed(BalanceFeed(hub, history), receiver, after=0)
    await hub.publish(history.commit())
    history.commit()
    history.commit()  # versions 2 and 3 were never published (a lost message)
    await hub.publish(history.commit())
    assert await receiver.until(4) == [1, 2, 3, 4]
    await settled(changes)


async def test_many_concurrent_commits_reach_every_reader_once_in_order() -> None:
    hub, history = InProcessHub(capacity=10_000), FakeHistory()
    for _ in range(50):
        history.commit()
    feed = BalanceFeed(hub, history, page_size=7)
    readers = {start: Receiver(slow=start == 10) for start in (0, 10, 49)}
    feeds = [(await pushed(feed, receiver, after=start))[1] for start, receiver in readers.items()]
    for _ in range(200):
        await hub.publish(history.commit())
        if history.entries[-1].version % 3 == 0:
            await asyncio.sleep(0)
    for start, receiver in readers.items():
        assert await receiver.until(250 - start) == list(range(start + 1, 251))
    for changes in feeds:
        await settled(changes)


async def test_deliveries_run_in_the_subscriber_context_not_the_publisher() -> None:
    hub, history = InProcessHub(), FakeHistory()
    receiver = Receiver()
    await pushed(BalanceFeed(hub, history), receiver, after=0)
    whose.set("publisher")
    await hub.publish(history.commit())
    await receiver.until(1)
    assert receiver.contexts == ["subscriber"]


async def test_the_hub_closing_it_ends_it_once_with_the_reason() -> None:
    hub, history = InProcessHub(), FakeHistory()
    receiver = Receiver()
    _, changes = await pushed(BalanceFeed(hub, history), receiver, after=0)
    await hub.publish(history.commit())
    await receiver.until(1)
    await hub.close()
    await receiver.until(2)
    assert isinstance(receiver.ended, SubscriptionClosed)
    assert "shutting down" in receiver.ended.reason
    assert changes.last == 1
    await settled(changes)
    assert receiver.ends == 1


async def test_an_overflowing_idle_reader_is_closed_as_too_slow() -> None:
    hub, history = InProcessHub(capacity=2), FakeHistory()
    receiver = Receiver(slow=True)
    _, changes = await pushed(BalanceFeed(hub, history), receiver, after=0)
    await settled(changes)
    for _ in range(4):  # published at once: the queue holds two
        await hub.publish(history.commit())
    await receiver.until(10)
    assert isinstance(receiver.ended, SubscriptionClosed)
    assert "too slow" in receiver.ended.reason
    assert receiver.versions == list(range(1, changes.last + 1))
    assert hub.subscriber_count("a") == 0


async def test_a_failing_delivery_ends_it_with_that_error() -> None:
    hub, history = InProcessHub(), FakeHistory()
    receiver = Receiver(fail_at=2)
    _, changes = await pushed(BalanceFeed(hub, history), receiver, after=0)
    for _ in range(3):
        await hub.publish(history.commit())
    await receiver.until(5)
    assert isinstance(receiver.ended, ConnectionResetError)
    assert receiver.versions == [1]
    assert hub.subscriber_count("a") == 0
    await hub.publish(history.commit())
    await settled(changes)
    assert receiver.versions == [1]


async def test_aclose_stops_deliveries_and_unsubscribes() -> None:
    hub, history = InProcessHub(), FakeHistory()
    receiver = Receiver(slow=True)
    stream, changes = await pushed(BalanceFeed(hub, history), receiver, after=0)
    await hub.publish(history.commit())
    await stream.aclose()  # type: ignore[attr-defined]
    assert hub.subscriber_count("a") == 0
    await hub.publish(history.commit())
    await asyncio.sleep(0.01)
    assert not changes.delivering
    assert receiver.ended is None  # stopped by its reader: nothing to tell
    assert len(receiver.versions) <= 1


async def test_an_overflow_during_the_replay_listens_afresh() -> None:
    hub, history = InProcessHub(capacity=1), FakeHistory()
    for _ in range(30):
        history.commit()
    receiver = Receiver(slow=True)
    _, changes = await pushed(BalanceFeed(hub, history, page_size=4), receiver, after=0)
    for _ in range(5):  # while the replay reads its pages: the one-event queue overflows
        await hub.publish(history.commit())
    assert await receiver.until(35) == list(range(1, 36))
    await hub.publish(history.commit())
    assert await receiver.until(36) == list(range(1, 37))
    assert receiver.ended is None
    await settled(changes)
    assert hub.subscriber_count("a") == 1


@pytest.mark.parametrize("after", [None, 3])
async def test_a_stream_read_by_neither_way_still_unsubscribes(after: int | None) -> None:
    hub, history = InProcessHub(), FakeHistory()
    for _ in range(3):
        history.commit()
    stream = await BalanceFeed(hub, history).open("a", after)
    assert hub.subscriber_count("a") == 1
    await stream.aclose()
    assert hub.subscriber_count("a") == 0


async def test_the_hub_closing_it_during_the_replay_ends_it() -> None:
    """A shutdown is no overflow: the feed ends instead of listening afresh."""
    hub, history = InProcessHub(), FakeHistory()
    history.commit()
    receiver = Receiver()
    _, changes = await pushed(BalanceFeed(hub, history), receiver, after=0)
    await hub.close()  # before the replay's task ran
    await receiver.until(2)
    assert receiver.versions == [1]
    assert isinstance(receiver.ended, SubscriptionClosed)
    assert hub.subscriber_count("a") == 0
    await settled(changes)
