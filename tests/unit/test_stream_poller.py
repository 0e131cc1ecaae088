"""StreamPoller over a fake stream with real DynamoDB's shapes: splits, closed shards, pages
of shard listings, expired iterators, failing records and checkpoints."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from services.domain.events import BalanceChanged
from services.retry import Backoff
from services.streams.poller import StreamPoller
from services.streams.ports import ShardCheckpoint
from services.streams.processor import Handler, StreamProcessor
from tests.unit.test_events_decode import ENTRY_IMAGE, stream_record

ARN = "arn:aws:dynamodb:us-east-1:123456789012:table/ledger/stream/1"


def entry_record(account: str, version: int, sequence: int) -> dict[str, Any]:
    image = {
        **ENTRY_IMAGE,
        "PK": {"S": f"ACCOUNT#{account}"},
        "SK": {"S": f"ENTRY#{version:020d}"},
        "account_id": {"S": account},
        "version": {"N": str(version)},
    }
    record = stream_record(image)
    record["dynamodb"]["SequenceNumber"] = str(sequence)
    return record


def checkpoint_record(sequence: int) -> dict[str, Any]:
    image = {"PK": {"S": "STREAM#x"}, "SK": {"S": "SHARD#y"}, "type": {"S": "STREAM_CHECKPOINT"}}
    record = stream_record(image)
    record["dynamodb"]["SequenceNumber"] = str(sequence)
    return record


class FakeStreams:
    """Shards with records; a closed shard ends its last page without NextShardIterator."""

    def __init__(self) -> None:
        self.shards: list[dict[str, Any]] = []
        self.records: dict[str, list[dict[str, Any]]] = {}
        self.closed: set[str] = set()
        self.expire_next = False
        self.reads: list[str] = []

    def add_shard(self, shard_id: str, parent: str | None = None) -> None:
        shard: dict[str, Any] = {"ShardId": shard_id, "SequenceNumberRange": {}}
        if parent:
            shard["ParentShardId"] = parent
        self.shards.append(shard)
        self.records[shard_id] = []

    def close(self, shard_id: str) -> None:
        self.closed.add(shard_id)
        last = self.records[shard_id][-1]["dynamodb"]["SequenceNumber"]
        next(s for s in self.shards if s["ShardId"] == shard_id)["SequenceNumberRange"][
            "EndingSequenceNumber"
        ] = last

    async def describe_stream(self, **kwargs: Any) -> dict[str, Any]:
        start = 0
        if "ExclusiveStartShardId" in kwargs:
            ids = [s["ShardId"] for s in self.shards]
            start = ids.index(kwargs["ExclusiveStartShardId"]) + 1
        page = self.shards[start : start + 2]  # two per page: the listing is paginated
        description: dict[str, Any] = {"Shards": page}
        if start + 2 < len(self.shards):
            description["LastEvaluatedShardId"] = page[-1]["ShardId"]
        return {"StreamDescription": description}

    async def get_shard_iterator(self, **kwargs: Any) -> dict[str, Any]:
        shard = kwargs["ShardId"]
        if kwargs["ShardIteratorType"] == "TRIM_HORIZON":
            position = 0
        else:
            numbers = [r["dynamodb"]["SequenceNumber"] for r in self.records[shard]]
            position = numbers.index(kwargs["SequenceNumber"]) + 1
        return {"ShardIterator": f"{shard}|{position}"}

    async def get_records(self, ShardIterator: str, Limit: int) -> dict[str, Any]:
        if self.expire_next:
            self.expire_next = False
            raise ClientError(
                {"Error": {"Code": "ExpiredIteratorException", "Message": "expired"}}, "GetRecords"
            )
        shard, position_text = ShardIterator.split("|")
        position = int(position_text)
        records = self.records[shard][position : position + Limit]
        self.reads.append(shard)
        end = position + len(records)
        response: dict[str, Any] = {"Records": records}
        if not (shard in self.closed and end >= len(self.records[shard])):
            response["NextShardIterator"] = f"{shard}|{end}"
        return response


class FakeTable:
    async def describe_table(self, TableName: str) -> dict[str, Any]:
        return {"Table": {"LatestStreamArn": ARN}}


class MemoryCheckpoints:
    def __init__(self) -> None:
        self.saved: dict[str, ShardCheckpoint] = {}
        self.writes = 0

    async def load(self, stream_arn: str) -> dict[str, ShardCheckpoint]:
        return dict(self.saved)

    async def save(
        self, stream_arn: str, checkpoint: ShardCheckpoint, *, owner: str | None = None
    ) -> None:
        self.writes += 1
        self.saved[checkpoint.shard_id] = checkpoint

    async def forget(self, stream_arn: str, shard_ids: list[str]) -> None:
        for shard_id in shard_ids:
            del self.saved[shard_id]


class Seen:
    def __init__(self, fail_on: set[int] | None = None) -> None:
        self.events: list[tuple[str, int]] = []
        self.fail_on = fail_on or set()

    async def __call__(self, event: BalanceChanged) -> None:
        if event.version in self.fail_on:
            self.fail_on.discard(event.version)
            raise RuntimeError("once")
        self.events.append((event.account_id, event.version))


def poller(
    streams: FakeStreams, checkpoints: MemoryCheckpoints, seen: Seen, **options: Any
) -> StreamPoller:
    processor = StreamProcessor([Handler("seen", seen)], max_attempts=1, backoff=Backoff(0, 0))
    return StreamPoller(
        streams=streams,  # type: ignore[arg-type]
        dynamodb=FakeTable(),  # type: ignore[arg-type]
        table_name="ledger",
        checkpoints=checkpoints,
        processor=processor,
        batch_size=2,
        shard_refresh_seconds=0,
        **options,
    )


async def test_a_split_is_read_parent_first_then_both_children() -> None:
    streams = FakeStreams()
    streams.add_shard("parent")
    streams.records["parent"] = [entry_record("a", v, v) for v in (1, 2, 3)]
    streams.close("parent")
    streams.add_shard("left", "parent")
    streams.add_shard("right", "parent")
    streams.records["left"] = [entry_record("a", 4, 10), entry_record("a", 5, 11)]
    streams.records["right"] = [entry_record("b", 1, 20)]
    checkpoints, seen = MemoryCheckpoints(), Seen()

    assert await poller(streams, checkpoints, seen).catch_up() == 6
    assert seen.events == [("a", 1), ("a", 2), ("a", 3), ("a", 4), ("a", 5), ("b", 1)]
    assert checkpoints.saved["parent"] == ShardCheckpoint("parent", "3", finished=True)
    assert checkpoints.saved["left"] == ShardCheckpoint("left", "11")
    assert checkpoints.saved["right"] == ShardCheckpoint("right", "20")


async def test_a_restart_resumes_after_the_checkpoint() -> None:
    streams = FakeStreams()
    streams.add_shard("s")
    streams.records["s"] = [entry_record("a", v, v) for v in (1, 2, 3)]
    checkpoints = MemoryCheckpoints()
    await poller(streams, checkpoints, Seen()).catch_up()
    streams.records["s"] += [entry_record("a", v, v) for v in (4, 5)]

    seen = Seen()
    await poller(streams, checkpoints, seen).catch_up()
    assert seen.events == [("a", 4), ("a", 5)]


async def test_a_failed_record_is_read_again_from_where_it_failed() -> None:
    streams = FakeStreams()
    streams.add_shard("s")
    streams.records["s"] = [entry_record("a", v, v) for v in (1, 2, 3, 4)]
    checkpoints, seen = MemoryCheckpoints(), Seen(fail_on={2})
    worker = poller(streams, checkpoints, seen)
    await worker.catch_up()
    assert seen.events == [("a", 1), ("a", 2), ("a", 3), ("a", 4)]
    assert checkpoints.saved["s"].sequence_number == "4"


async def test_a_record_failing_every_time_is_skipped_after_the_limit() -> None:
    streams = FakeStreams()
    streams.add_shard("s")
    streams.records["s"] = [entry_record("a", 1, 1)]
    broken = entry_record("a", 2, 2)
    del broken["dynamodb"]["NewImage"]["amount"]
    streams.records["s"] += [broken, entry_record("a", 3, 3)]
    seen, checkpoints = Seen(), MemoryCheckpoints()
    worker = poller(streams, checkpoints, seen, max_record_attempts=3)
    for _ in range(3):
        await worker.poll_once()
    # Delivery is at least once: records after a failed one may come again (effects are
    # idempotent), but the poison record no longer holds the shard back.
    assert set(seen.events) == {("a", 1), ("a", 3)}
    assert checkpoints.saved["s"].sequence_number == "3"
    await worker.catch_up()
    assert seen.events.count(("a", 1)) == 1


async def test_an_expired_iterator_is_renewed_from_the_position() -> None:
    streams = FakeStreams()
    streams.add_shard("s")
    streams.records["s"] = [entry_record("a", 1, 1)]
    seen = Seen()
    worker = poller(streams, MemoryCheckpoints(), seen)
    await worker.catch_up()
    streams.records["s"].append(entry_record("a", 2, 2))
    streams.expire_next = True
    await worker.catch_up()
    assert seen.events == [("a", 1), ("a", 2)]


async def test_pages_of_only_our_own_checkpoints_are_not_checkpointed_again() -> None:
    streams = FakeStreams()
    streams.add_shard("s")
    streams.records["s"] = [entry_record("a", 1, 1)]
    checkpoints = MemoryCheckpoints()
    worker = poller(streams, checkpoints, Seen())
    await worker.catch_up()
    writes = checkpoints.writes
    streams.records["s"].append(checkpoint_record(2))  # the echo of our own write
    await worker.catch_up()
    assert checkpoints.writes == writes


async def test_finished_shards_are_forgotten_once_trimmed() -> None:
    streams = FakeStreams()
    streams.add_shard("old")
    streams.records["old"] = [entry_record("a", 1, 1)]
    streams.close("old")
    streams.add_shard("new", "old")
    checkpoints = MemoryCheckpoints()
    worker = poller(streams, checkpoints, Seen())
    await worker.catch_up()
    assert checkpoints.saved["old"].finished
    streams.shards = [s for s in streams.shards if s["ShardId"] != "old"]  # trimmed after 24 h
    await worker.catch_up()
    assert "old" not in checkpoints.saved
