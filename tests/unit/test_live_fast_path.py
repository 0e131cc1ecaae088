"""The commit hook and the live fast path: they publish at once, and never fail or hold up
the commit that calls them."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from services.domain.events import BalanceChanged
from services.domain.model import Direction, Entry
from services.hub import InProcessHub
from services.hub.fast_path import LiveFastPath
from services.ledger.commits import Commits
from services.observability.hub import MeteredLiveFastPath
from services.observability.metrics import live_fast_path_events


def entry(version: int, account_id: str = "a") -> Entry:
    return Entry(
        id=f"e{version}",
        transfer_id=f"t{version}",
        account_id=account_id,
        counterparty_id="b",
        direction=Direction.CREDIT,
        amount=Decimal("1.00"),
        balance_after=Decimal(version),
        version=version,
        currency="USD",
        created_at=datetime(2026, 11, 30, tzinfo=UTC),
    )


class Recording:
    def __init__(self) -> None:
        self.seen: list[Sequence[Entry]] = []

    def committed(self, entries: Sequence[Entry]) -> None:
        self.seen.append(entries)


class Broken:
    def committed(self, entries: Sequence[Entry]) -> None:
        raise RuntimeError("listener down")


class FailingHub(InProcessHub):
    async def publish(self, event: BalanceChanged) -> None:
        raise ConnectionError("hub down")


class StuckHub(InProcessHub):
    async def publish(self, event: BalanceChanged) -> None:
        await asyncio.Event().wait()


def test_commits_tells_every_listener_and_survives_a_broken_one() -> None:
    commits = Commits()
    first, last = Recording(), Recording()
    commits.attach(first)
    commits.attach(Broken())
    commits.attach(last)
    commits.committed([entry(1)])
    commits.committed([])  # nothing committed: nothing told
    assert len(first.seen) == len(last.seen) == 1
    commits.detach(first)
    commits.committed([entry(2)])
    assert len(first.seen) == 1
    assert len(last.seen) == 2


async def test_published_before_the_stream_with_the_commits_trace() -> None:
    hub = InProcessHub()
    subscription = await hub.subscribe("a")
    fast = LiveFastPath(hub, traceparent=lambda: "00-trace-span-01")
    fast.committed([entry(1), entry(1, "b")])
    event = await asyncio.wait_for(subscription.__anext__(), 1)
    assert event == BalanceChanged(entry(1), "00-trace-span-01")
    await fast.aclose()


async def test_a_failing_hub_is_counted_never_raised() -> None:
    before = live_fast_path_events.labels("failed")._value.get()
    fast = MeteredLiveFastPath(FailingHub())
    commits = Commits()
    commits.attach(fast)
    commits.committed([entry(1), entry(2)])  # returns at once: the publish runs in a task
    for _ in range(3):  # the task's own steps: no I/O to wait for
        await asyncio.sleep(0)
    assert fast.in_flight == 0
    assert live_fast_path_events.labels("failed")._value.get() == before + 2


async def test_bounded_in_flight_skips_instead_of_piling_up() -> None:
    before = live_fast_path_events.labels("skipped")._value.get()
    fast = MeteredLiveFastPath(StuckHub(), max_in_flight=2)
    for version in range(1, 6):
        fast.committed([entry(version)])
    assert fast.in_flight == 2
    assert live_fast_path_events.labels("skipped")._value.get() == before + 3
    await fast.aclose()
    assert fast.in_flight == 0
    fast.committed([entry(9)])  # closed: ignored
    assert fast.in_flight == 0


def test_outside_an_event_loop_the_hook_still_never_raises() -> None:
    commits = Commits()
    commits.attach(LiveFastPath(InProcessHub()))
    commits.committed([entry(1)])


@pytest.mark.parametrize("version", [1, 7])
async def test_each_entry_is_one_event(version: int) -> None:
    hub = InProcessHub()
    subscription = await hub.subscribe("a")
    fast = LiveFastPath(hub)
    fast.committed([entry(version)])
    assert (await asyncio.wait_for(subscription.__anext__(), 1)).version == version
    await fast.aclose()
