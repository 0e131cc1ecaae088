"""Which shards to read now: parents before children, finished shards never again."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from services.streams.ports import ShardCheckpoint


@dataclass(frozen=True, slots=True)
class Shard:
    shard_id: str
    parent_id: str | None
    #: Present once DynamoDB has closed the shard (it was split or the stream rolled over).
    ending_sequence_number: str | None = None

    @classmethod
    def from_description(cls, shard: Mapping[str, Any]) -> Shard:
        numbers = shard.get("SequenceNumberRange") or {}
        return cls(
            shard_id=str(shard["ShardId"]),
            parent_id=shard.get("ParentShardId"),
            ending_sequence_number=numbers.get("EndingSequenceNumber"),
        )


def readable_shards(
    shards: Sequence[Shard], checkpoints: Mapping[str, ShardCheckpoint]
) -> list[Shard]:
    """Unfinished shards whose parent is finished or no longer listed (trimmed), in listing
    order. A child waits for its parent, so one key's changes are read in commit order."""
    listed = {shard.shard_id for shard in shards}

    def finished(shard_id: str) -> bool:
        checkpoint = checkpoints.get(shard_id)
        return checkpoint is not None and checkpoint.finished

    return [
        shard
        for shard in shards
        if not finished(shard.shard_id)
        and (shard.parent_id is None or shard.parent_id not in listed or finished(shard.parent_id))
    ]


def finished_and_trimmed(
    shards: Sequence[Shard], checkpoints: Mapping[str, ShardCheckpoint]
) -> list[str]:
    """Checkpoints of finished shards that the stream no longer lists (trimmed after 24 h)."""
    listed = {shard.shard_id for shard in shards}
    return [
        shard_id
        for shard_id, checkpoint in checkpoints.items()
        if checkpoint.finished and shard_id not in listed
    ]
