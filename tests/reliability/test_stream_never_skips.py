"""Defect 6 (remainder): a record whose notification outbox write keeps failing used to be
skipped after `max_record_attempts`, and its notification was lost. Now its shard stops at it
and retries with backoff (the checkpoint never passes it) while the other shards go on, until
the write succeeds."""

from __future__ import annotations

from services.domain.events import BalanceChanged
from services.retry import Backoff
from services.streams.poller import StreamPoller
from services.streams.processor import Handler, StreamProcessor
from tests.unit.test_stream_poller import FakeStreams, FakeTable, MemoryCheckpoints, entry_record


class FlakyOutbox:
    """Fails every write for account `a`'s version 2 until `healed`."""

    def __init__(self) -> None:
        self.healed = False
        self.written: list[tuple[str, int]] = []
        self.failures = 0

    async def __call__(self, event: BalanceChanged) -> None:
        if (event.account_id, event.version) == ("a", 2) and not self.healed:
            self.failures += 1
            raise ConnectionError("outbox write failed")
        self.written.append((event.account_id, event.version))


async def test_a_record_whose_outbox_write_keeps_failing_stalls_its_shard_only() -> None:
    streams = FakeStreams()
    for shard in ("stuck", "other"):
        streams.add_shard(shard)
    streams.records["stuck"] = [entry_record("a", v, v) for v in (1, 2, 3)]
    streams.records["other"] = [entry_record("b", v, 10 + v) for v in (1, 2)]
    outbox, checkpoints = FlakyOutbox(), MemoryCheckpoints()
    worker = StreamPoller(
        streams=streams,  # type: ignore[arg-type]
        dynamodb=FakeTable(),  # type: ignore[arg-type]
        table_name="ledger",
        checkpoints=checkpoints,
        processor=StreamProcessor(
            [Handler("notifications", outbox)], max_attempts=1, backoff=Backoff(0, 0)
        ),
        batch_size=10,
        shard_refresh_seconds=0,
        max_record_attempts=3,
    )

    for _ in range(10):  # far more rounds than max_record_attempts
        await worker.poll_once()
        worker.retry_failed_shards_now()
        streams.records["other"].append(entry_record("b", len(streams.records["other"]) + 1, 0))
        streams.records["other"][-1]["dynamodb"]["SequenceNumber"] = str(
            10 + len(streams.records["other"])
        )

    assert outbox.failures >= 10
    # Records after the failing one may be handled meanwhile (handlers are idempotent), but the
    # shard's position stays before it, so a restart or another worker retries it too.
    assert checkpoints.saved["stuck"].sequence_number == "1"
    assert worker.stats.stalls >= 10
    # The other shard went on all along.
    assert [v for a, v in outbox.written if a == "b"] == list(range(1, 12))

    outbox.healed = True
    worker.retry_failed_shards_now()
    await worker.catch_up()
    assert sorted(set(v for a, v in outbox.written if a == "a")) == [1, 2, 3]
    assert checkpoints.saved["stuck"].sequence_number == "3"
