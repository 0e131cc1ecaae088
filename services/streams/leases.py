"""ShardLeases: the shards this worker may read, so that N workers on one stream split its
shards and each record is handled by one of them.

A worker holds a shard through a lease (owner, until) in the `LeaseStore`. Each round it
says it is alive, renews what it holds (when due: a third of the lease's length), sheds
what exceeds its share (the live workers divided into the readable shards, rounded up) and
takes free or expired leases up to that share. A dead worker's leases are taken over once
they expire; a clean shutdown releases them at once. A worker that lost a lease stops
reading the shard, and its checkpoint writes are refused (see `CheckpointStore.save`).
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
import socket
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from services.streams.ports import LeaseStore

log = logging.getLogger(__name__)


def worker_id() -> str:
    """A name unique to this worker process, readable in the table and in logs."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass(slots=True)
class Rebalanced:
    held: set[str]
    #: Shards taken in this round: their checkpoints must be read again before reading.
    gained: set[str] = field(default_factory=set)


class ShardLeases:
    def __init__(
        self,
        store: LeaseStore,
        *,
        owner: str | None = None,
        lease_seconds: float = 30.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.owner = owner or worker_id()
        self.held: set[str] = set()
        self._store = store
        self._lease = lease_seconds
        self._renew_every = lease_seconds / 3
        self._clock = clock
        self._checked_at = float("-inf")
        self._known: frozenset[str] = frozenset()
        self._lock = asyncio.Lock()
        #: Holding less than its share: look for a released or expired lease every round.
        self._wanting = True

    def due(self) -> bool:
        return time.monotonic() - self._checked_at >= self._renew_every

    async def keep_alive(self, stream_arn: str) -> set[str]:
        """Renew the held leases when due (between pages, and from `heartbeat` while a page
        is handled). Returns the shards whose lease was lost."""
        async with self._lock:
            if not self.due():
                return set()
            return await self._renew(stream_arn)

    async def heartbeat(self, stream_arn: Callable[[], str | None]) -> None:
        """Renew the held leases every third of their length until cancelled, however long
        the handling of one page takes (`stream_arn`: the stream's, once known)."""
        while True:
            try:
                arn = stream_arn()
                if arn is not None:
                    await self.keep_alive(arn)
            except Exception as exc:  # noqa: BLE001 - the next beat tries again
                log.warning("stream lease renewal failed", extra={"error": repr(exc)})
            await asyncio.sleep(self._renew_every / 2)

    async def rebalance(self, stream_arn: str, readable: Sequence[str]) -> Rebalanced:
        """Heartbeat, renew, shed and take leases (when due, or when the readable shards
        changed). Returns the shards to read now."""
        async with self._lock:
            return await self._rebalance(stream_arn, readable)

    async def _rebalance(self, stream_arn: str, readable: Sequence[str]) -> Rebalanced:
        shards = frozenset(readable)
        if not self.due() and shards == self._known and not self._wanting:
            return Rebalanced(set(self.held))
        self._known = shards
        done = sorted(self.held - shards)  # finished (or trimmed): nothing left to read
        if done:
            await self._release(stream_arn, done)
        if self.due():
            await self._renew(stream_arn)
        now = self._clock()
        table = await self._store.load(stream_arn)
        workers = {w for w, until in table.workers.items() if until > now} | {self.owner}
        share = math.ceil(len(shards) / len(workers)) if shards else 0
        excess = sorted(self.held)[share:]
        if excess:
            log.info("stream shards shed", extra={"owner": self.owner, "shards": excess})
            await self._release(stream_arn, excess)
        gained: set[str] = set()
        for shard_id in readable:
            if len(self.held) >= share:
                break
            lease = table.leases.get(shard_id)
            if shard_id in self.held or (
                lease is not None and lease.owner != self.owner and lease.until > now
            ):
                continue
            if await self._store.acquire(stream_arn, shard_id, self.owner, now + self._lease, now):
                self.held.add(shard_id)
                gained.add(shard_id)
                taken_from = lease.owner if lease is not None else None
                log.info(
                    "stream shard leased",
                    extra={"owner": self.owner, "shard_id": shard_id, "taken_from": taken_from},
                )
        self._wanting = len(self.held) < share
        return Rebalanced(set(self.held), gained)

    def lost(self, shard_id: str) -> None:
        """Another worker holds the shard now (a checkpoint was refused): stop reading it."""
        if shard_id in self.held:
            self.held.discard(shard_id)
            log.warning("stream shard lease lost", extra={"owner": self.owner, "shard": shard_id})

    async def release_all(self, stream_arn: str) -> None:
        """A clean shutdown: hand every shard over at once instead of after expiry."""
        await self._release(stream_arn, sorted(self.held))
        await self._store.leave(stream_arn, self.owner)

    async def _renew(self, stream_arn: str) -> set[str]:
        until = self._clock() + self._lease
        await self._store.heartbeat(stream_arn, self.owner, until)
        lost = set()
        for shard_id in sorted(self.held):
            if not await self._store.renew(stream_arn, shard_id, self.owner, until):
                lost.add(shard_id)
                self.lost(shard_id)
        self._checked_at = time.monotonic()
        return lost

    async def _release(self, stream_arn: str, shard_ids: list[str]) -> None:
        await self._store.release(stream_arn, shard_ids, self.owner)
        self.held.difference_update(shard_ids)
