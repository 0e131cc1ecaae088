"""Per-account locks inside one process.

Transfers that touch the same account must serialize anyway (each needs the account's latest
version). Queuing them here, instead of letting them collide in DynamoDB and retry, turns a hot
account's conflicts into a short wait. Other processes are still handled by the version checks.

The wait is bounded: beyond `max_waiting` transfers queued on one key, another is refused at
once (QueueFull) rather than holding a request, its memory and its client for as long as the
queue ahead of it takes. The Ledger gives every use case that writes balances (transfers,
batches, reversals, exchanges, holds) the same KeyedLocks, so they queue behind each other on
an account instead of colliding in DynamoDB, under the one bound.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from contextlib import AsyncExitStack, asynccontextmanager

from services.domain.errors import AccountBusy


class QueueFull(Exception):
    """`max_waiting` holders already wait for `key`'s lock; nothing was taken."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


class KeyedLocks:
    def __init__(self, max_waiting: int | None = None) -> None:
        self._max_users = None if max_waiting is None else max_waiting + 1  # and its holder
        self._locks: dict[str, asyncio.Lock] = {}
        self._users: dict[str, int] = {}

    @asynccontextmanager
    async def hold(self, keys: Iterable[str]) -> AsyncIterator[None]:
        """Hold the locks of all `keys`, taken in sorted order so two holders never deadlock.
        Raises QueueFull (with every lock taken so far released) when one key's queue is full."""
        async with AsyncExitStack() as stack:
            for key in sorted(set(keys)):
                await stack.enter_async_context(self._one(key))
            yield

    @asynccontextmanager
    async def hold_accounts(self, account_ids: Iterable[str]) -> AsyncIterator[None]:
        """`hold` for a use case: a full queue is refused as AccountBusy (typed, retryable)."""
        async with AsyncExitStack() as stack:
            try:
                await stack.enter_async_context(self.hold(account_ids))
            except QueueFull as full:
                raise AccountBusy(full.key) from None
            yield

    @asynccontextmanager
    async def _one(self, key: str) -> AsyncIterator[None]:
        if self._max_users is not None and self._users.get(key, 0) >= self._max_users:
            raise QueueFull(key)
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._users[key] = self._users.get(key, 0) + 1
        try:
            async with lock:
                yield
        finally:
            self._users[key] -= 1
            if self._users[key] == 0:  # nobody holds or waits: forget it, memory stays flat
                del self._users[key]
                del self._locks[key]
