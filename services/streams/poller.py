"""StreamPoller: reads the table's DynamoDB stream and feeds `StreamProcessor.process_records`.

Discovers shards, reads parents before children, follows splits and closures, and keeps the
last processed sequence number of each shard in the table, so a restart resumes where the last
run stopped (records after the last checkpoint are processed again: handlers are idempotent).

Each shard fails on its own: a shard whose reads keep failing backs off alone while the others
go on. A record a required handler keeps failing on (the notification outbox cannot be written)
is never skipped: its shard stops there and retries with backoff, the other shards go on; only
a record that cannot be decoded is skipped, after `max_record_attempts`. A checkpoint older
than the stream's retention (after a day-long outage) resumes from the oldest record still
there; the gap is logged and counted (`stats.trimmed_gaps`), never retried forever.

With `leases`, several workers share one stream: each reads only the shards it holds a lease
on (see `leases.py`), and its checkpoints are written only while it holds them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from services.dynamo.stream_records import is_bookkeeping, sequence_number
from services.retry import Backoff
from services.streams.leases import ShardLeases
from services.streams.ports import CheckpointRefused, CheckpointStore, ShardCheckpoint
from services.streams.processor import StreamProcessor
from services.streams.reader import PollerStats, ShardReader
from services.streams.shards import Shard, finished_and_trimmed, readable_shards

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient
    from types_aiobotocore_dynamodbstreams import DynamoDBStreamsClient

log = logging.getLogger(__name__)


class StreamNotEnabled(Exception):
    """The table has no stream: the worker has nothing to read."""


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
        leases: ShardLeases | None = None,
        delay_seconds: float = 0.0,
    ) -> None:
        self._reader = ShardReader(streams, batch_size, stats := PollerStats())
        self._dynamodb = dynamodb
        self._table = table_name
        self._checkpoints = checkpoints
        self._processor = processor
        self._poll_interval = poll_interval_seconds
        self._refresh_every = shard_refresh_seconds
        self._max_record_attempts = max_record_attempts
        self._leases = leases
        #: Tests and benchmarks: a page is handled this long after it was read (AWS's lag).
        self._delay = delay_seconds
        self._backoff = Backoff(0.1, 5.0)
        self._stream_arn: str | None = None
        self._shards: list[Shard] = []
        self._state: dict[str, ShardCheckpoint] = {}
        self._refreshed_at = float("-inf")
        self._iterators = self._reader.iterators
        #: Last sequence number processed per shard, saved or not.
        self._positions = self._reader.positions
        self._attempts: dict[tuple[str, str], int] = {}
        self._shard_failures: dict[str, int] = {}
        self._shard_resume_at: dict[str, float] = {}
        self.stats = stats

    async def run(self, stop: asyncio.Event | None = None) -> None:
        """Poll until cancelled (or `stop` is set). Survives errors: logs, backs off, resumes."""
        stop = stop or asyncio.Event()
        log.info("stream worker started", extra={"table": self._table})
        try:
            await self._poll_until(stop)
        finally:
            await self.close()
        log.info("stream worker stopped", extra={"table": self._table})

    async def close(self) -> None:
        """Release this worker's leases, so that another takes its shards over at once."""
        if self._leases is None or self._stream_arn is None:
            return
        try:
            await self._leases.release_all(self._stream_arn)
        except Exception as exc:  # noqa: BLE001 - they expire on their own
            log.warning("stream leases not released", extra={"error": repr(exc)})

    async def _poll_until(self, stop: asyncio.Event) -> None:
        failures = 0
        heartbeat: asyncio.Task[None] | None = None
        if self._leases is not None:
            heartbeat = asyncio.create_task(self._leases.heartbeat(lambda: self._stream_arn))
        try:
            while not stop.is_set():
                read = await self._poll_guarded(stop, failures)
                failures = 0 if read is not None else failures + 1
                if read == 0:
                    await self._wait(stop, self._poll_interval)
        finally:
            if heartbeat is not None:
                heartbeat.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await heartbeat

    async def _poll_guarded(self, stop: asyncio.Event, failures: int) -> int | None:
        """One round; None when it failed (logged, then backed off)."""
        try:
            return await self.poll_once()
        except Exception as exc:  # noqa: BLE001 - the worker outlives any one failure
            log.warning("stream poll failed", extra={"error": repr(exc), "attempt": failures})
            self._forget_positions()
            await self._wait(stop, self._backoff.delay(failures) + self._poll_interval)
            return None

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
            for shard in await self._leased(readable_shards(self._shards, self._state)):
                if self._shard_resume_at.get(shard.shard_id, 0.0) > time.monotonic():
                    continue  # backing off after failures: the other shards go on
                try:
                    read, finished = await self._drain(shard)
                except CheckpointRefused as exc:
                    self._lost(shard.shard_id, exc)
                    continue
                except Exception as exc:  # noqa: BLE001 - one shard must never stop the others
                    self._shard_failed(shard.shard_id, exc)
                    continue
                self._shard_failures.pop(shard.shard_id, None)
                total += read
                progress = progress or finished  # a finished parent makes its children readable
        return total

    async def _leased(self, readable: list[Shard]) -> list[Shard]:
        """The readable shards this worker holds (all of them without leases)."""
        if self._leases is None:
            return readable
        assert self._stream_arn is not None
        leased = await self._leases.rebalance(self._stream_arn, [s.shard_id for s in readable])
        if leased.gained:  # where the last holder got to
            self._state = await self._checkpoints.load(self._stream_arn)
            for shard_id in leased.gained:
                self._forget_shard(shard_id)
        return [shard for shard in readable if shard.shard_id in leased.held]

    def _lost(self, shard_id: str, exc: Exception) -> None:
        """Our checkpoint was refused: another worker holds the shard, or is further on."""
        log.warning("stream checkpoint refused", extra={"shard_id": shard_id, "error": str(exc)})
        if self._leases is not None:
            self._leases.lost(shard_id)
        self._forget_shard(shard_id)
        self._refreshed_at = float("-inf")  # read the checkpoints again

    async def _lease_lost(self, shard_id: str) -> bool:
        """Renew the leases when due (a long read); True when this shard's was lost."""
        if self._leases is None or self._stream_arn is None:
            return False
        if shard_id not in await self._leases.keep_alive(self._stream_arn):
            return False
        self._forget_shard(shard_id)
        return True

    def _forget_shard(self, shard_id: str) -> None:
        self._iterators.pop(shard_id, None)
        self._positions.pop(shard_id, None)
        for key in [key for key in self._attempts if key[0] == shard_id]:
            del self._attempts[key]

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
        self._shards = await self._reader.list_shards(arn)
        self._state = await self._checkpoints.load(arn)
        stale = finished_and_trimmed(self._shards, self._state)
        if stale:
            await self._checkpoints.forget(arn, stale)
        self._refreshed_at = time.monotonic()

    async def _drain(self, shard: Shard) -> tuple[int, bool]:
        """Read one shard to its current end. Returns (records read, shard finished)."""
        total = 0
        while True:
            if await self._lease_lost(shard.shard_id):
                return total, False
            assert self._stream_arn is not None
            saved = self._state.get(shard.shard_id)
            records, next_iterator = await self._reader.read_page(self._stream_arn, shard, saved)
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

    async def _handle(self, shard: Shard, records: Sequence[Mapping[str, Any]]) -> bool:
        """Process a page. False when a record failed and should be read again later."""
        if self._delay:
            await asyncio.sleep(self._delay)
        result = await self._processor.process_records(records)
        for failed in result.failed:
            key = (shard.shard_id, failed)
            attempts = self._attempts[key] = self._attempts.get(key, 0) + 1
            poison = failed in result.undecodable
            if poison and attempts >= self._max_record_attempts:
                log.error(
                    "undecodable stream record skipped after repeated failures",
                    extra={"shard_id": shard.shard_id, "sequence_number": failed},
                )
                del self._attempts[key]
                continue
            index = next(i for i, r in enumerate(records) if sequence_number(r) == failed)
            await self._advance(shard.shard_id, records[:index])
            self._iterators.pop(shard.shard_id, None)  # read again from the failed record
            if not poison:
                self._stall(shard.shard_id, failed, attempts)
            return False
        await self._advance(shard.shard_id, records)
        return True

    def _stall(self, shard_id: str, failed: str, attempts: int) -> None:
        """A handler keeps failing on this record: never skip it (its notification would be
        lost); hold this shard there and retry with backoff while the other shards go on."""
        self.stats.stalls += 1
        if attempts > 1:  # the first retry is at once: the handlers already backed off inside
            self._shard_resume_at[shard_id] = time.monotonic() + self._backoff.delay(attempts - 2)
        log.log(
            logging.ERROR if attempts >= self._max_record_attempts else logging.WARNING,
            "stream shard stalled at a failing record: retrying with backoff",
            extra={"shard_id": shard_id, "sequence_number": failed, "attempt": attempts},
        )

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
        owner = None if self._leases is None else self._leases.owner
        await self._checkpoints.save(self._stream_arn, checkpoint, owner=owner)
        self._state[shard_id] = checkpoint

    def _forget_positions(self) -> None:
        self._iterators.clear()
        self._refreshed_at = float("-inf")

    @staticmethod
    async def _wait(stop: asyncio.Event, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=seconds)
