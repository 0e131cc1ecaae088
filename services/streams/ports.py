"""What the stream poller needs: a place to keep its position in each shard, and leases that
give each shard to one worker at a time."""

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


class CheckpointRefused(Exception):
    """The checkpoint was not written: it would move the shard's position backwards, or the
    writer no longer holds the shard's lease (another worker took it over)."""


class CheckpointStore(Protocol):
    async def load(self, stream_arn: str) -> dict[str, ShardCheckpoint]: ...

    async def save(
        self, stream_arn: str, checkpoint: ShardCheckpoint, *, owner: str | None = None
    ) -> None:
        """Write unless it moves the position backwards; with `owner`, only while `owner`
        holds the shard's lease. Raises CheckpointRefused otherwise."""
        ...

    async def forget(self, stream_arn: str, shard_ids: list[str]) -> None: ...


@dataclass(frozen=True, slots=True)
class ShardLease:
    shard_id: str
    owner: str
    #: Epoch seconds (wall clock: workers are separate processes, often separate machines).
    until: float


@dataclass(frozen=True, slots=True)
class LeaseTable:
    """Every lease of a stream, and the workers that said they were alive (until when)."""

    leases: dict[str, ShardLease]
    workers: dict[str, float]


class LeaseStore(Protocol):
    async def load(self, stream_arn: str) -> LeaseTable: ...

    async def heartbeat(self, stream_arn: str, owner: str, until: float) -> None:
        """Say that worker `owner` is alive until `until` (so the others share shards with it)."""
        ...

    async def acquire(
        self, stream_arn: str, shard_id: str, owner: str, until: float, now: float
    ) -> bool:
        """Take or renew the lease: only when it is free, expired at `now`, or `owner`'s."""
        ...

    async def renew(self, stream_arn: str, shard_id: str, owner: str, until: float) -> bool:
        """Extend the lease while `owner` still holds it; False when it was taken or released."""
        ...

    async def release(self, stream_arn: str, shard_ids: list[str], owner: str) -> None:
        """Give up the leases `owner` still holds (a clean shutdown, or shedding a share)."""
        ...

    async def leave(self, stream_arn: str, owner: str) -> None:
        """Forget worker `owner` (a clean shutdown)."""
        ...
