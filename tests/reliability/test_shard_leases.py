"""Defect 4: several stream workers on one stream (two replicas without Redis run two) used to
read every shard each and overwrite each other's checkpoints. With shard leases they split the
shards, each record is handled by one worker, a killed worker's shards are taken over once its
leases expire, and checkpoints never move backwards or get written by a worker that lost its
lease.

The embedded endpoint keeps one shard per table, so the split is shown on a fake stream of six
shards (leases and checkpoints in the real table), and the once-only handling end to end on the
endpoint's own stream with three wired workers."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import aioboto3
import pytest

from services.bootstrap import Services, bootstrap
from services.domain.events import BalanceChanged
from services.ledger import Ledger
from services.settings import Settings
from services.streams.poller import StreamPoller
from services.streams.processor import Handler, StreamProcessor
from tests.streams.conftest import verify_sender
from tests.unit.test_stream_poller import ARN, FakeStreams, FakeTable, entry_record

LEASE = 1.0


class Handled:
    """Every (account, version) each worker handled."""

    def __init__(self) -> None:
        self.by: dict[str, list[tuple[str, int]]] = {}

    def recorder(self, name: str) -> Handler:
        seen = self.by.setdefault(name, [])

        async def record(event: BalanceChanged) -> None:
            seen.append((event.account_id, event.version))

        return Handler(name, record)

    def counts(self) -> Counter[tuple[str, int]]:
        return Counter(key for seen in self.by.values() for key in seen)


@pytest.fixture
async def dynamodb(settings: Settings, ledger: Ledger) -> AsyncIterator[Any]:
    session = aioboto3.Session(
        aws_access_key_id="test", aws_secret_access_key="test", region_name=settings.region
    )
    async with session.client("dynamodb", endpoint_url=settings.endpoint_url) as client:
        yield client


def fake_worker(
    name: str, streams: FakeStreams, dynamodb: Any, table: str, handled: Handled
) -> StreamPoller:
    # Imported here: the modules are what this test proves missing before the fix.
    from services.dynamo.checkpoints import DynamoCheckpointStore
    from services.dynamo.leases import DynamoLeaseStore
    from services.streams.leases import ShardLeases

    return StreamPoller(
        streams=streams,  # type: ignore[arg-type]
        dynamodb=FakeTable(),  # type: ignore[arg-type]
        table_name=table,
        checkpoints=DynamoCheckpointStore(dynamodb, table),
        processor=StreamProcessor([handled.recorder(name)], max_attempts=1),
        batch_size=3,
        shard_refresh_seconds=0,
        leases=ShardLeases(DynamoLeaseStore(dynamodb, table), owner=name, lease_seconds=LEASE),
    )


async def rounds(workers: list[StreamPoller], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        await asyncio.gather(*(w.poll_once() for w in workers))
        await asyncio.sleep(0.05)


def held(worker: StreamPoller) -> set[str]:
    assert worker._leases is not None
    return worker._leases.held


async def test_three_workers_split_six_shards_and_take_over_a_killed_ones(
    dynamodb: Any, settings: Settings
) -> None:
    streams = FakeStreams()
    shards = [f"shard-{i}" for i in range(6)]
    sequence = iter(range(1, 1_000_000))

    def add_records(count: int) -> None:
        for shard in shards:
            versions = len(streams.records[shard])
            streams.records[shard] += [
                entry_record(shard, versions + v, next(sequence)) for v in range(1, count + 1)
            ]

    for shard in shards:
        streams.add_shard(shard)
    add_records(4)
    handled = Handled()
    workers = [
        fake_worker(name, streams, dynamodb, settings.table_name, handled)
        for name in ("w1", "w2", "w3")
    ]

    await rounds(workers, 3 * LEASE)  # long enough for everyone's share to settle
    assert sorted(len(held(w)) for w in workers) == [2, 2, 2]
    assert set().union(*(held(w) for w in workers)) == set(shards)
    add_records(4)
    await rounds(workers, LEASE)
    counts = handled.counts()
    assert len(counts) == 6 * 8
    assert set(counts.values()) == {1}, "a record was handled by more than one worker"
    for worker in workers:  # after the split, each worker handled only its own shards' records
        late = [key for key in handled.by[worker._leases.owner] if key[1] > 4]  # type: ignore[union-attr]
        assert {account for account, _ in late} == held(worker)

    killed, survivors = workers[2], workers[:2]
    orphaned = set(held(killed))
    add_records(3)  # the killed worker never reads these
    await rounds(survivors, LEASE / 2)
    assert all(not (held(w) & orphaned) for w in survivors), "taken before the lease expired"
    await rounds(survivors, 3 * LEASE)
    assert held(survivors[0]) | held(survivors[1]) == set(shards)
    counts = handled.counts()
    assert len(counts) == 6 * 11
    assert set(counts.values()) == {1}

    # The killed worker comes back (a paused process): it learns it lost its shards and its
    # checkpoint writes are refused, so positions never move backwards.
    from services.dynamo.checkpoints import DynamoCheckpointStore
    from services.streams.ports import CheckpointRefused, ShardCheckpoint

    before = await DynamoCheckpointStore(dynamodb, settings.table_name).load(ARN)
    with pytest.raises(CheckpointRefused):
        await DynamoCheckpointStore(dynamodb, settings.table_name).save(
            ARN, ShardCheckpoint(sorted(orphaned)[0], "1"), owner="w3"
        )
    await killed.poll_once()
    assert held(killed) == set()
    assert await DynamoCheckpointStore(dynamodb, settings.table_name).load(ARN) == before
    assert set(handled.counts().values()) == {1}


async def test_checkpoints_never_move_backwards(dynamodb: Any, settings: Settings) -> None:
    from services.dynamo.checkpoints import DynamoCheckpointStore
    from services.streams.ports import CheckpointRefused, ShardCheckpoint

    store = DynamoCheckpointStore(dynamodb, settings.table_name)
    # Real sequence numbers are 21 to 40 digits: "9" after "10" is backwards, not forwards.
    await store.save(ARN, ShardCheckpoint("s", "100000000000000000010"))
    with pytest.raises(CheckpointRefused):
        await store.save(ARN, ShardCheckpoint("s", "99000000000000000009"))
    await store.save(ARN, ShardCheckpoint("s", "100000000000000000011"))
    assert (await store.load(ARN))["s"].sequence_number == "100000000000000000011"


async def test_three_wired_workers_on_the_endpoints_stream_handle_each_record_once(
    stream_settings: Settings,
) -> None:
    await verify_sender(stream_settings)
    settings = stream_settings.model_copy(update={"stream_lease_seconds": LEASE})
    handled = Handled()
    async with (
        bootstrap(settings) as one,
        bootstrap(settings) as two,
        bootstrap(settings) as three,
    ):
        wired: list[Services] = [one, two, three]
        workers = []
        for index, services in enumerate(wired):
            worker = services.stream_worker
            worker._processor = StreamProcessor([handled.recorder(f"worker-{index}")])
            workers.append(worker)
        ledger = one.ledger
        await ledger.create_account_with_balance("a", "1000")
        await ledger.create_account_with_balance("b", "0")
        for _ in range(10):
            await ledger.transfer_credits("a", "b", "1")
        await asyncio.gather(*(w.catch_up() for w in workers))
        await asyncio.gather(*(w.catch_up() for w in workers))
        counts = handled.counts()
        assert len(counts) == 21  # a: 1 opening + 10 debits, b: 10 credits
        assert set(counts.values()) == {1}, f"handled more than once: {counts}"

        # The worker holding the shard dies without a word (no release); once its lease has
        # expired another takes the shard over and goes on from its checkpoint.
        holder = next(w for w in workers if held(w))
        holder._leases = None  # type: ignore[assignment]  # it never renews nor releases
        others = [w for w in workers if w is not holder]
        for _ in range(5):
            await ledger.transfer_credits("a", "b", "1")
        deadline = time.monotonic() + 10 * LEASE
        while len(handled.counts()) < 31 and time.monotonic() < deadline:
            await asyncio.gather(*(w.catch_up() for w in others))
            await asyncio.sleep(0.1)
        counts = handled.counts()
        assert len(counts) == 31
        assert set(counts.values()) == {1}


async def test_a_stopped_worker_hands_its_shard_over_at_once(stream_settings: Settings) -> None:
    settings = stream_settings.model_copy(update={"stream_lease_seconds": 60.0})
    handled = Handled()
    async with bootstrap(settings) as second:
        second.stream_worker._processor = StreamProcessor([handled.recorder("second")])
        async with bootstrap(settings) as first:
            first.stream_worker._processor = StreamProcessor([handled.recorder("first")])
            await first.ledger.create_account_with_balance("a", "10")
            await first.stream_worker.catch_up()
            await second.stream_worker.catch_up()
            assert held(first.stream_worker)
            assert not held(second.stream_worker)
        # The first one stopped cleanly (its lease released), long before the lease's 60 s.
        await second.ledger.create_account_with_balance("b", "10")
        started = time.monotonic()
        await second.stream_worker.catch_up()
        assert time.monotonic() - started < 10
        assert handled.by["first"] == [("a", 1)]
        assert handled.by["second"] == [("b", 1)]
