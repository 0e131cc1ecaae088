"""What the stream poller needs: a place to keep its position in each shard."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class ShardCheckpoint:
    shard_id: str
    #: The last sequence number fully processed in this shard (None: nothing yet).
    sequence_number: str | None
    #: The shard is closed and every record of it was processed: its children may start.
    finished: bool = False


class CheckpointStore(Protocol):
    async def load(self, stream_arn: str) -> dict[str, ShardCheckpoint]: ...

    async def save(self, stream_arn: str, checkpoint: ShardCheckpoint) -> None: ...

    async def forget(self, stream_arn: str, shard_ids: list[str]) -> None: ...
