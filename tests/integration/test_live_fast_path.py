"""Every commit path publishes its entries at commit time, as the very events the stream
publishes later for them (same fields, same wire text), so the hub de-duplicates by version."""

from __future__ import annotations

import asyncio

from services.bootstrap import bootstrap
from services.domain.events import BalanceChanged
from services.domain.movements import TransferLeg
from services.hub import InProcessHub, Subscription, wire
from services.settings import Settings


class RecordingHub(InProcessHub):
    def __init__(self) -> None:
        super().__init__(capacity=10_000)
        self.published: list[BalanceChanged] = []

    async def publish(self, event: BalanceChanged) -> None:
        self.published.append(event)
        await super().publish(event)


async def drain(subscription: Subscription, count: int) -> list[BalanceChanged]:
    return [await asyncio.wait_for(subscription.__anext__(), 5) for _ in range(count)]


async def test_every_commit_path_publishes_what_the_stream_publishes(settings: Settings) -> None:
    fast_hub, stream_hub = RecordingHub(), RecordingHub()
    async with (
        bootstrap(settings, hub=fast_hub) as serving,
        bootstrap(settings.model_copy(update={"live_fast_path": False}), hub=stream_hub) as worker,
    ):
        a, b = await fast_hub.subscribe("a"), await fast_hub.subscribe("b")
        ledger = serving.ledger
        await ledger.create_account_with_balance("a", "100.50")  # opening balance: version 1
        await ledger.create_account_with_balance("b", "0")
        moved = await ledger.transfer_credits("a", "b", "10.50", memo="rent")
        await ledger.post_transfers([TransferLeg("a", "b", "1.25"), TransferLeg("b", "a", "0.25")])
        await ledger.reverse_transfer(moved.id, "0.50")
        # Published before the stream worker ever ran.
        fast_a, fast_b = await drain(a, 5), await drain(b, 4)
        assert [e.version for e in fast_a] == [1, 2, 3, 4, 5]
        assert [e.version for e in fast_b] == [1, 2, 3, 4]

        assert worker.stream_worker is not None
        await worker.stream_worker.catch_up()
    assert len(fast_hub.published) == len(stream_hub.published) == 9
    by_key = {(e.account_id, e.version): e for e in stream_hub.published}
    for event in fast_hub.published:
        from_stream = by_key[(event.account_id, event.version)]
        assert event == from_stream
        assert wire.dumps(event) == wire.dumps(from_stream)


async def test_switched_off_nothing_is_published_at_commit(settings: Settings) -> None:
    hub = RecordingHub()
    async with bootstrap(settings.model_copy(update={"live_fast_path": False}), hub=hub) as s:
        await s.ledger.create_account_with_balance("a", "1.00")
        await asyncio.sleep(0.05)
    assert hub.published == []
