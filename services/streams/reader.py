"""ShardReader: pages of a stream's shards from GetRecords, following each shard's iterator
from the last processed position (or the checkpoint, or the shard's start). An expired iterator
is renewed; a position older than the stream's retention resumes at the oldest record left,
logged and counted."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from services.streams.ports import ShardCheckpoint
from services.streams.shards import Shard

if TYPE_CHECKING:
    from types_aiobotocore_dynamodbstreams import DynamoDBStreamsClient

log = logging.getLogger(__name__)


@dataclass
class PollerStats:
    """Counters for monitoring (the metrics wrapper reads them)."""

    #: Times a shard's position had been trimmed away: records were lost to the worker.
    trimmed_gaps: int = 0
    #: Failed reads of one shard (each backed off alone, the other shards unaffected).
    shard_failures: int = 0
    #: Times a shard stopped at a record its handlers failed on (retried with backoff).
    stalls: int = 0


class ShardReader:
    def __init__(self, streams: DynamoDBStreamsClient, batch_size: int, stats: PollerStats):
        self._streams = streams
        self._batch_size = batch_size
        self._stats = stats
        self.iterators: dict[str, str] = {}
        #: Last sequence number processed per shard, saved or not.
        self.positions: dict[str, str] = {}

    async def list_shards(self, arn: str) -> list[Shard]:
        shards: list[Shard] = []
        kwargs: dict[str, Any] = {"StreamArn": arn}
        while True:
            description = (await self._streams.describe_stream(**kwargs))["StreamDescription"]
            shards.extend(Shard.from_description(s) for s in description.get("Shards", []))
            last = description.get("LastEvaluatedShardId")
            if not last:
                return shards
            kwargs["ExclusiveStartShardId"] = last

    async def read_page(
        self, arn: str, shard: Shard, saved: ShardCheckpoint | None
    ) -> tuple[list[dict[str, Any]], str | None]:
        iterator = self.iterators.get(shard.shard_id) or await self._new_iterator(arn, shard, saved)
        try:
            page = await self._streams.get_records(ShardIterator=iterator, Limit=self._batch_size)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            self.iterators.pop(shard.shard_id, None)
            if code == "TrimmedDataAccessException":
                iterator = await self._oldest_iterator(arn, shard, saved)
            elif code == "ExpiredIteratorException":
                iterator = await self._new_iterator(arn, shard, saved)
            else:
                raise
            page = await self._streams.get_records(ShardIterator=iterator, Limit=self._batch_size)
        return [dict(r) for r in page.get("Records", [])], page.get("NextShardIterator")

    async def _new_iterator(self, arn: str, shard: Shard, saved: ShardCheckpoint | None) -> str:
        position = self.positions.get(shard.shard_id)
        if position is None:
            position = saved.sequence_number if saved else None
        kwargs: dict[str, Any] = {"StreamArn": arn, "ShardId": shard.shard_id}
        if position is None:
            kwargs["ShardIteratorType"] = "TRIM_HORIZON"
        else:
            kwargs.update(ShardIteratorType="AFTER_SEQUENCE_NUMBER", SequenceNumber=position)
        try:
            response = await self._streams.get_shard_iterator(**kwargs)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "TrimmedDataAccessException":
                raise
            return await self._oldest_iterator(arn, shard, saved)
        return response["ShardIterator"]

    async def _oldest_iterator(self, arn: str, shard: Shard, saved: ShardCheckpoint | None) -> str:
        """Our position was trimmed (older than the stream's retention): the records between
        it and the oldest one left are lost to us. Say so, count it, and go on from there;
        falling back to the trimmed position again would stall this shard forever."""
        self._stats.trimmed_gaps += 1
        log.error(
            "stream records trimmed before they were read: resuming at the oldest record",
            extra={
                "shard_id": shard.shard_id,
                "after_sequence_number": self.positions.get(shard.shard_id)
                or (saved.sequence_number if saved else None),
            },
        )
        self.positions.pop(shard.shard_id, None)
        response = await self._streams.get_shard_iterator(
            StreamArn=arn, ShardId=shard.shard_id, ShardIteratorType="TRIM_HORIZON"
        )
        return response["ShardIterator"]
