"""Defect 3: a checkpoint older than the stream's retention (trimmed) resumes from the oldest
record still there, logging and counting the gap; and one failing shard never stops the
others (they used to be drained in order inside one try)."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from botocore.exceptions import ClientError

from services.streams.ports import ShardCheckpoint
from tests.unit.test_stream_poller import (
    FakeStreams,
    MemoryCheckpoints,
    Seen,
    entry_record,
    poller,
)


def trimmed() -> ClientError:
    return ClientError(
        {"Error": {"Code": "TrimmedDataAccessException", "Message": "trimmed"}},
        "GetShardIterator",
    )


class TrimmingStreams(FakeStreams):
    """Records before `horizon[shard]` are gone: DynamoDB refuses an iterator after a trimmed
    sequence number, and TRIM_HORIZON starts at the oldest record left."""

    def __init__(self) -> None:
        super().__init__()
        self.horizon: dict[str, int] = {}
        self.broken: set[str] = set()

    async def get_shard_iterator(self, **kwargs: Any) -> dict[str, Any]:
        shard = kwargs["ShardId"]
        oldest = self.horizon.get(shard, 0)
        if kwargs["ShardIteratorType"] == "TRIM_HORIZON":
            return {"ShardIterator": f"{shard}|{oldest}"}
        numbers = [r["dynamodb"]["SequenceNumber"] for r in self.records[shard]]
        position = numbers.index(kwargs["SequenceNumber"]) + 1
        if position < oldest:
            raise trimmed()
        return {"ShardIterator": f"{shard}|{position}"}

    async def get_records(self, ShardIterator: str, Limit: int) -> dict[str, Any]:
        shard = ShardIterator.split("|")[0]
        if shard in self.broken:
            raise ClientError(
                {"Error": {"Code": "InternalServerError", "Message": "boom"}}, "GetRecords"
            )
        return await super().get_records(ShardIterator=ShardIterator, Limit=Limit)


async def test_a_trimmed_checkpoint_resumes_from_the_oldest_record_and_counts_the_gap(
    caplog: pytest.LogCaptureFixture,
) -> None:
    streams = TrimmingStreams()
    streams.add_shard("s")
    streams.records["s"] = [entry_record("a", v, v) for v in range(1, 9)]
    streams.horizon["s"] = 5  # records 1-5 trimmed: a day-long outage
    checkpoints, seen = MemoryCheckpoints(), Seen()
    checkpoints.saved["s"] = ShardCheckpoint("s", "3")
    worker = poller(streams, checkpoints, seen)

    with caplog.at_level(logging.ERROR):
        assert await worker.catch_up() == 3
    assert seen.events == [("a", 6), ("a", 7), ("a", 8)]
    assert checkpoints.saved["s"].sequence_number == "8"
    assert worker.stats.trimmed_gaps == 1
    assert any("trimmed" in r.getMessage() for r in caplog.records)


async def test_one_failing_shard_does_not_stop_the_others() -> None:
    streams = TrimmingStreams()
    for shard in ("bad", "good"):
        streams.add_shard(shard)
    streams.records["bad"] = [entry_record("a", 1, 1)]
    streams.records["good"] = [entry_record("b", v, 10 + v) for v in (1, 2, 3)]
    streams.broken.add("bad")
    checkpoints, seen = MemoryCheckpoints(), Seen()
    worker = poller(streams, checkpoints, seen)

    await worker.poll_once()
    assert seen.events == [("b", 1), ("b", 2), ("b", 3)]
    assert checkpoints.saved["good"].sequence_number == "13"
    assert worker.stats.shard_failures >= 1

    streams.broken.clear()  # the bad shard heals: it is read again after its backoff
    worker.retry_failed_shards_now()
    await worker.catch_up()
    assert ("a", 1) in seen.events
