"""The stream poller against the endpoint: events from committed entries, checkpoints, restart."""

from __future__ import annotations

from decimal import Decimal

from services.bootstrap import Services, bootstrap
from services.domain.events import BalanceChanged
from services.domain.model import Direction
from services.settings import Settings
from services.streams.processor import Handler, StreamProcessor


class Recorder:
    def __init__(self) -> None:
        self.events: list[BalanceChanged] = []

    async def __call__(self, event: BalanceChanged) -> None:
        self.events.append(event)

    def versions(self, account_id: str) -> list[int]:
        return [e.version for e in self.events if e.account_id == account_id]


def poller_with(services: Services, recorder: Recorder):  # type: ignore[no-untyped-def]
    """The wired poller, reading into `recorder` instead of the real handlers."""
    worker = services.stream_worker
    assert worker is not None
    worker._processor = StreamProcessor([Handler("record", recorder)])
    return worker


async def test_transfers_become_balance_changes(services: Services) -> None:
    ledger = services.ledger
    await ledger.create_account_with_balance("alice", "100.00")
    await ledger.create_account_with_balance("bob", "0")
    transfer = await ledger.transfer_credits("alice", "bob", "12.34", memo="rent")
    recorder = Recorder()

    await poller_with(services, recorder).catch_up()

    by_account = {(e.account_id, e.version): e for e in recorder.events}
    assert sorted(by_account) == [("alice", 1), ("alice", 2), ("bob", 1)]
    debit = by_account[("alice", 2)]
    assert debit.balance == Decimal("87.66")
    assert debit.delta == Decimal("-12.34")
    assert debit.entry.direction is Direction.DEBIT
    assert debit.entry.transfer_id == transfer.id
    assert debit.entry.counterparty_id == "bob"
    credit = by_account[("bob", 1)]
    assert (credit.balance, credit.delta, credit.entry.memo) == (
        Decimal("12.34"),
        Decimal("12.34"),
        "rent",
    )
    opening = by_account[("alice", 1)]
    assert (opening.balance, opening.delta, opening.entry.counterparty_id) == (
        Decimal("100.00"),
        Decimal("100.00"),
        None,
    )


async def test_restart_resumes_from_the_checkpoint(stream_settings: Settings) -> None:
    first = Recorder()
    async with bootstrap(stream_settings) as services:
        ledger = services.ledger
        await ledger.create_account_with_balance("a", "1000")
        await ledger.create_account_with_balance("b", "0")
        for _ in range(5):
            await ledger.transfer_credits("a", "b", "1")
        await poller_with(services, first).catch_up()
        for _ in range(7):
            await ledger.transfer_credits("a", "b", "1")

    second = Recorder()
    async with bootstrap(stream_settings) as services:
        await poller_with(services, second).catch_up()

    assert first.versions("a") == list(range(1, 7))
    assert second.versions("a") == list(range(7, 14))
    assert second.versions("b") == list(range(6, 13))


async def test_nothing_new_after_catching_up(services: Services) -> None:
    await services.ledger.create_account_with_balance("a", "5")
    recorder = Recorder()
    worker = poller_with(services, recorder)
    await worker.catch_up()
    await worker.catch_up()
    assert recorder.versions("a") == [1]


async def test_the_background_worker_publishes_to_subscribers(services: Services) -> None:
    import asyncio

    from services.bootstrap import stream_worker_running

    await services.ledger.create_account_with_balance("a", "10")
    await services.ledger.create_account_with_balance("b", "0")
    assert services.balances is not None
    stream = services.balances.subscribe_balance("b", after_version=0)
    async with stream_worker_running(services) as task:
        assert task is not None
        await services.ledger.transfer_credits("a", "b", "4.25")
        change = await asyncio.wait_for(anext(stream), 10)
    assert task.done()
    assert (change.account_id, change.balance, change.delta, change.version) == (
        "b",
        Decimal("4.25"),
        Decimal("4.25"),
        1,
    )
    await stream.aclose()  # type: ignore[attr-defined]
