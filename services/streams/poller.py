"""StreamPoller: reads the table's DynamoDB stream and feeds `StreamProcessor.process_records`.

Discovers shards, reads parents before children, follows splits and closures, and keeps the
last processed sequence number of each shard in the table, so a restart resumes where the last
run stopped (records after the last checkpoint are processed again: handlers are idempotent).

Each shard fails on its own: a shard whose reads keep failing backs off alone while the others
go on. A checkpoint older than the stream's retention (after a day-long outage) resumes from
the oldest record still there; the gap is logged and counted (`stats.trimmed_gaps`), never
retried forever.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from services.dynamo.stream_records import is_bookkeeping, sequence_number
from services.retry import Backoff
from services.streams.ports import CheckpointStore, ShardCheckpoint
from services.streams.processor import StreamProcessor
from services.streams.shards import Shard, finished_and_trimmed, readable_shards

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient
    from types_aiobotocore_dynamodbstreams import DynamoDBStreamsClient

log = logging.getLogger(__name__)


class StreamNotEnabled(Exception):
    """The table has no stream: the worker has nothing to read."""


@dataclass
class PollerStats:
    """Counters for monitoring (the metrics wrapper reads them)."""

    #: Times a shard's position had been trimmed away: records were lost to the worker.
    trimmed_gaps: int = 0
    #: Failed reads of one shard (each backed off alone, the other shards unaffected).
    shard_failures: int = 0


class StreamPoller:
    def __init__(
        self,
        *,
        streams: DynamoDBStreamsClient,
        dynamodb: DynamoDBClient,
        table_name: str,
        checkpoints: CheckpointStore,
        processor: StreamProcessor,
        poll_interval_seconds: float = 1.0,
        batch_size: int = 1000,
        shard_refresh_seconds: float = 10.0,
        max_record_attempts: int = 5,
        delay_seconds: float = 0.0,
    ) -> None:
        self._streams = streams
        self._dynamodb = dynamodb
        self._table = table_name
        self._checkpoints = checkpoints
        self._processor = processor
        self._poll_interval = poll_interval_seconds
        self._batch_size = batch_size
        self._refresh_every = shard_refresh_seconds
        self._max_record_attempts = max_record_attempts
        #: Tests and benchmarks: a page is handled this long after it was read (AWS's lag).
        self._delay = delay_seconds
        self._backoff = Backoff(0.1, 5.0)
        self._stream_arn: str | None = None
        self._shards: list[Shard] = []
        self._state: dict[str, ShardCheckpoint] = {}
        self._refreshed_at = float("-inf")
        self._iterators: dict[str, str] = {}
        #: Last sequence number processed per shard, saved or not.
        self._positions: dict[str, str] = {}
        self._attempts: dict[tuple[str, str], int] = {}
        self._shard_failures: dict[str, int] = {}
        self._shard_resume_at: dict[str, float] = {}
        self.stats = PollerStats()

    async def run(self, stop: asyncio.Event | None = None) -> None:
        """Poll until cancelled (or `stop` is set). Survives errors: logs, backs off, resumes."""
        stop = stop or asyncio.Event()
        failures = 0
        log.info("stream worker started", extra={"table": self._table})
        while not stop.is_set():
            try:
                read = await self.poll_once()
                failures = 0
            except Exception as exc:  # noqa: BLE001 - the worker outlives any one failure
                log.warning("stream poll failed", extra={"error": repr(exc), "attempt": failures})
                self._forget_positions()
                await self._wait(stop, self._backoff.delay(failures) + self._poll_interval)
                failures += 1
                continue
            if not read:
                await self._wait(stop, self._poll_interval)
        log.info("stream worker stopped", extra={"table": self._table})

    async def catch_up(self, max_rounds: int = 10_000) -> int:
        """Poll until a round reads nothing new; returns the records read (tests, `--once`)."""
        total = 0
        for _ in range(max_rounds):
            read = await self.poll_once()
            total += read
            if not read:
                break
        return total

    async def poll_once(self) -> int:
        """Read every readable shard up to its current end. Returns the records read."""
        if self._stream_arn is None or time.monotonic() - self._refreshed_at > self._refresh_every:
            await self._refresh()
        total, progress = 0, True
        while progress:
            progress = False
            for shard in readable_shards(self._shards, self._state):
                if self._shard_resume_at.get(shard.shard_id, 0.0) > time.monotonic():
                    continue  # backing off after failures: the other shards go on
                try:
                    read, finished = await self._drain(shard)
                except Exception as exc:  # noqa: BLE001 - one shard must never stop the others
                    self._shard_failed(shard.shard_id, exc)
                    continue
                self._shard_failures.pop(shard.shard_id, None)
                self._shard_resume_at.pop(shard.shard_id, None)
                total += read
                progress = progress or finished  # a finished parent makes its children readable
        return total

    def retry_failed_shards_now(self) -> None:
        """End the backoff of every failing shard (tests, an operator's nudge)."""
        self._shard_resume_at.clear()

    def _shard_failed(self, shard_id: str, exc: Exception) -> None:
        failures = self._shard_failures.get(shard_id, 0)
        self._shard_failures[shard_id] = failures + 1
        self._shard_resume_at[shard_id] = time.monotonic() + self._backoff.delay(failures)
        self._iterators.pop(shard_id, None)
        self.stats.shard_failures += 1
        log.warning(
            "stream shard read failed",
            extra={"shard_id": shard_id, "error": repr(exc), "attempt": failures + 1},
        )

    async def _refresh(self) -> None:
        table = await self._dynamodb.describe_table(TableName=self._table)
        arn = table["Table"].get("LatestStreamArn")
        if not arn:
            raise StreamNotEnabled(f"table {self._table!r} has no stream")
        if arn != self._stream_arn:
            self._stream_arn = arn
            self._forget_positions()
            self._positions.clear()
        self._shards = await self._list_shards(arn)
        self._state = await self._checkpoints.load(arn)
        stale = finished_and_trimmed(self._shards, self._state)
        if stale:
            await self._checkpoints.forget(arn, stale)
        self._refreshed_at = time.monotonic()

    async def _list_shards(self, arn: str) -> list[Shard]:
        shards: list[Shard] = []
        kwargs: dict[str, Any] = {"StreamArn": arn}
        while True:
            description = (await self._streams.describe_stream(**kwargs))["StreamDescription"]
            shards.extend(Shard.from_description(s) for s in description.get("Shards", []))
            last = description.get("LastEvaluatedShardId")
            if not last:
                return shards
            kwargs["ExclusiveStartShardId"] = last

    async def _drain(self, shard: Shard) -> tuple[int, bool]:
        """Read one shard to its current end. Returns (records read, shard finished)."""
        total = 0
        while True:
            records, next_iterator = await self._read_page(shard)
            total += len(records)
            if records and not await self._handle(shard, records):
                return total, False
            if next_iterator is None:  # closed, and every record of it is processed
                await self._save(shard.shard_id, finished=True)
                log.info("stream shard finished", extra={"shard_id": shard.shard_id})
                return total, True
            self._iterators[shard.shard_id] = next_iterator
            if not records:
                return total, False

    async def _read_page(self, shard: Shard) -> tuple[list[dict[str, Any]], str | None]:
        iterator = self._iterators.get(shard.shard_id) or await self._new_iterator(shard)
        try:
            page = await self._streams.get_records(ShardIterator=iterator, Limit=self._batch_size)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            self._iterators.pop(shard.shard_id, None)
            if code == "TrimmedDataAccessException":
                iterator = await self._oldest_iterator(shard)
            elif code == "ExpiredIteratorException":
                iterator = await self._new_iterator(shard)
            else:
                raise
            page = await self._streams.get_records(ShardIterator=iterator, Limit=self._batch_size)
        return [dict(r) for r in page.get("Records", [])], page.get("NextShardIterator")

    async def _new_iterator(self, shard: Shard) -> str:
        assert self._stream_arn is not None
        position = self._positions.get(shard.shard_id)
        if position is None:
            saved = self._state.get(shard.shard_id)
            position = saved.sequence_number if saved else None
        kwargs: dict[str, Any] = {"StreamArn": self._stream_arn, "ShardId": shard.shard_id}
        if position is None:
            kwargs["ShardIteratorType"] = "TRIM_HORIZON"
        else:
            kwargs.update(ShardIteratorType="AFTER_SEQUENCE_NUMBER", SequenceNumber=position)
        try:
            response = await self._streams.get_shard_iterator(**kwargs)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "TrimmedDataAccessException":
                raise
            return await self._oldest_iterator(shard)
        return response["ShardIterator"]

    async def _oldest_iterator(self, shard: Shard) -> str:
        """Our position was trimmed (older than the stream's retention): the records between
        it and the oldest one left are lost to us. Say so, count it, and go on from there;
        falling back to the trimmed position again would stall this shard forever."""
        assert self._stream_arn is not None
        saved = self._state.get(shard.shard_id)
        self.stats.trimmed_gaps += 1
        log.error(
            "stream records trimmed before they were read: resuming at the oldest record",
            extra={
                "shard_id": shard.shard_id,
                "after_sequence_number": self._positions.get(shard.shard_id)
                or (saved.sequence_number if saved else None),
            },
        )
        self._positions.pop(shard.shard_id, None)
        response = await self._streams.get_shard_iterator(
            StreamArn=self._stream_arn, ShardId=shard.shard_id, ShardIteratorType="TRIM_HORIZON"
        )
        return response["ShardIterator"]

    async def _handle(self, shard: Shard, records: Sequence[Mapping[str, Any]]) -> bool:
        """Process a page. False when a record failed and should be read again later."""
        if self._delay:
            await asyncio.sleep(self._delay)
        result = await self._processor.process_records(records)
        for failed in result.failed:
            key = (shard.shard_id, failed)
            self._attempts[key] = self._attempts.get(key, 0) + 1
            if self._attempts[key] < self._max_record_attempts:
                index = next(i for i, r in enumerate(records) if sequence_number(r) == failed)
                await self._advance(shard.shard_id, records[:index])
                self._iterators.pop(shard.shard_id, None)  # read again from the failed record
                return False
            log.error(
                "stream record skipped after repeated failures",
                extra={"shard_id": shard.shard_id, "sequence_number": failed},
            )
            del self._attempts[key]
        await self._advance(shard.shard_id, records)
        return True

    async def _advance(self, shard_id: str, processed: Sequence[Mapping[str, Any]]) -> None:
        if not processed:
            return
        self._positions[shard_id] = sequence_number(processed[-1])
        # Our own checkpoint writes come back through the stream: saving a position for a page
        # of nothing else would write again forever.
        if any(not is_bookkeeping(r) for r in processed):
            await self._save(shard_id, finished=False)

    async def _save(self, shard_id: str, *, finished: bool) -> None:
        assert self._stream_arn is not None
        checkpoint = ShardCheckpoint(shard_id, self._positions.get(shard_id), finished)
        await self._checkpoints.save(self._stream_arn, checkpoint)
        self._state[shard_id] = checkpoint

    def _forget_positions(self) -> None:
        self._iterators.clear()
        self._refreshed_at = float("-inf")

    @staticmethod
    async def _wait(stop: asyncio.Event, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=seconds)
