"""RedisHub: events carried between processes by Redis pub/sub, one channel per account.

Every server subscribes to the channels of the accounts its clients watch (one Redis
subscription per account, however many local subscribers) and fans out locally. Pub/sub
drops messages while a connection is down, so each server tracks the last version it has
seen per account and fills any gap from the table: on a version jump, and whenever a channel
subscription is (re)confirmed after a reconnect.

A publish that fails is not left for the account's next event to reveal: the account's latest
unpublished change is kept and published again in the background, with backoff, until Redis
takes it; every server's subscribers then fill whatever it jumps over from the table.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError

from services.domain.errors import AccountNotFound
from services.domain.events import BalanceChanged
from services.hub import wire
from services.hub.memory import InProcessHub
from services.hub.ports import HistorySource
from services.hub.replay import committed_changes, continuing
from services.hub.subscription import Subscription
from services.retry import Backoff

log = logging.getLogger(__name__)

CHANNEL_PREFIX = "ledger:balance:"


@dataclass(slots=True)
class _ChannelState:
    """This server's view of one account's channel."""

    ready: asyncio.Future[None]
    #: The last version delivered locally (None until known).
    last: int | None = None


class RedisHub:
    def __init__(
        self,
        url: str,
        history: HistorySource,
        *,
        capacity: int = 256,
        channel_prefix: str = CHANNEL_PREFIX,
        subscribe_timeout_seconds: float = 5.0,
    ) -> None:
        self._history = history
        self._prefix = channel_prefix
        self._timeout = subscribe_timeout_seconds
        self._local = InProcessHub(capacity, on_first=self._on_first, on_idle=self._on_idle)
        self._publisher: Redis = Redis.from_url(url)
        self._listener: Redis = Redis.from_url(url)
        self._pubsub = self._listener.pubsub()
        self._watches: dict[str, _ChannelState] = {}
        self._control = asyncio.Lock()
        self._subscribed: set[str] = set()
        self._reader: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._backoff = Backoff(0.05, 2.0)
        self._closed = False
        #: The newest change per account that Redis has not taken yet.
        self._unpublished: dict[str, BalanceChanged] = {}
        self._republisher: asyncio.Task[None] | None = None

    def channel(self, account_id: str) -> str:
        return f"{self._prefix}{account_id}"

    async def publish(self, event: BalanceChanged) -> None:
        """Publish, or (Redis unreachable) keep the change to publish again in the background.
        Never raises for Redis: the stream worker goes on, subscribers get the change when
        Redis is back, not at the account's next event."""
        pending = self._unpublished.get(event.account_id)
        if pending is not None:  # keep the order: the republisher sends the newest
            if event.version > pending.version:
                self._unpublished[event.account_id] = event
            return
        try:
            await self._publisher.publish(self.channel(event.account_id), wire.dumps(event))
        except (RedisError, OSError) as exc:
            log.warning(
                "redis publish failed: retrying in the background",
                extra={"account_id": event.account_id, "error": repr(exc)},
            )
            self._unpublished[event.account_id] = event
            if self._republisher is None or self._republisher.done():
                self._republisher = asyncio.get_running_loop().create_task(self._republish())

    def unpublished(self) -> int:
        """Accounts whose latest change Redis has not taken yet (readiness, tests)."""
        return len(self._unpublished)

    async def _republish(self) -> None:
        attempt = 0
        while self._unpublished and not self._closed:
            await self._backoff.sleep(attempt)
            for account_id, event in list(self._unpublished.items()):
                try:
                    await self._publisher.publish(self.channel(account_id), wire.dumps(event))
                except (RedisError, OSError) as exc:
                    attempt += 1
                    log.warning("redis publish retry failed", extra={"error": repr(exc)})
                    break
                if self._unpublished.get(account_id) is event:
                    del self._unpublished[account_id]
                # else a newer change came meanwhile: the next round sends it
            else:
                attempt = 0
        if self._unpublished:
            log.error(
                "redis hub closed with unpublished changes",
                extra={"accounts": len(self._unpublished)},
            )

    async def subscribe(self, account_id: str, *, capacity: int | None = None) -> Subscription:
        subscription = self._local.add(account_id, capacity=capacity)
        watch = self._watches[account_id]
        try:
            await asyncio.wait_for(asyncio.shield(watch.ready), self._timeout)
        except TimeoutError:
            log.warning("redis subscription not confirmed yet", extra={"account_id": account_id})
        if watch.last is None:
            try:
                version = (await self._history.get_account(account_id)).version
            except AccountNotFound:
                version = 0
            if watch.last is None:  # no message came in meanwhile
                watch.last = version
        return subscription

    def subscriber_count(self, account_id: str | None = None) -> int:
        return self._local.subscriber_count(account_id)

    async def close(self) -> None:
        self._closed = True
        await self._local.close()
        tasks = [
            *self._tasks,
            *([self._reader] if self._reader else []),
            *([self._republisher] if self._republisher else []),
        ]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, RedisError, OSError):
                await task
        with contextlib.suppress(RedisError, OSError):
            await self._pubsub.aclose()  # type: ignore[no-untyped-call]
        await self._listener.aclose()
        await self._publisher.aclose()

    def _on_first(self, account_id: str) -> None:
        if account_id not in self._watches:
            self._watches[account_id] = _ChannelState(
                ready=asyncio.get_running_loop().create_future()
            )
        self._spawn(self._reconcile(account_id))

    def _on_idle(self, account_id: str) -> None:
        self._spawn(self._reconcile(account_id))

    def _spawn(self, coroutine: Any) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _reconcile(self, account_id: str) -> None:
        """Make the Redis subscription match whether the account has local subscribers."""
        attempt = 0
        while not self._closed:
            try:
                async with self._control:
                    wanted = self._local.subscriber_count(account_id) > 0
                    channel = self.channel(account_id)
                    if wanted and channel not in self._subscribed:
                        await self._pubsub.subscribe(channel)
                        self._subscribed.add(channel)
                        self._start_reader()
                    elif not wanted:
                        if channel in self._subscribed:
                            self._subscribed.discard(channel)
                            await self._pubsub.unsubscribe(channel)
                        if self._local.subscriber_count(account_id) > 0:
                            # Someone subscribed while we unsubscribed and reused this watch:
                            # keep it and subscribe again (its confirmation fills the gap).
                            continue
                        self._watches.pop(account_id, None)
                return
            except (RedisError, OSError) as exc:
                log.warning("redis subscribe failed", extra={"error": repr(exc)})
                await self._backoff.sleep(attempt)
                attempt += 1

    def _start_reader(self) -> None:
        if self._reader is None or self._reader.done():
            self._reader = asyncio.get_running_loop().create_task(self._read())

    async def _read(self) -> None:
        attempt = 0
        while not self._closed:
            try:
                message = await self._pubsub.get_message(timeout=1.0)
                attempt = 0
            except (RedisError, OSError) as exc:
                # redis-py reconnects and resubscribes on the next read; the confirmations
                # that follow trigger a fill of whatever was published meanwhile.
                log.warning("redis connection lost", extra={"error": repr(exc)})
                await self._backoff.sleep(attempt)
                attempt += 1
                continue
            if message is not None:
                await self._dispatch(message)

    async def _dispatch(self, message: dict[str, Any]) -> None:
        channel = _text(message.get("channel"))
        if not channel or not channel.startswith(self._prefix):
            return
        account_id = channel[len(self._prefix) :]
        watch = self._watches.get(account_id)
        if watch is None:
            return
        kind = message.get("type")
        if kind == "subscribe":
            if not watch.ready.done():
                watch.ready.set_result(None)
            if watch.last is not None:  # a resubscription: messages may have been lost
                await self._fill(account_id, watch, None)
        elif kind == "message":
            try:
                event = wire.loads(message["data"])
            except (ValueError, KeyError, TypeError) as exc:
                log.error("undecodable hub message", extra={"channel": channel, "error": repr(exc)})
                return
            await self._deliver(account_id, watch, event)

    async def _deliver(self, account_id: str, watch: _ChannelState, event: BalanceChanged) -> None:
        if watch.last is None:
            watch.last = event.version
            self._local.deliver(event)
            return
        try:
            async for change in continuing(
                self._history, account_id, watch.last, event, page_size=500, where="redis hub"
            ):
                watch.last = change.version
                self._local.deliver(change)
        except Exception as exc:  # noqa: BLE001 - the next message or reconnect retries
            log.error("hub gap fill failed", extra={"account_id": account_id, "error": repr(exc)})

    async def _fill(self, account_id: str, watch: _ChannelState, up_to: int | None) -> None:
        """Deliver the committed entries after `watch.last` (up to `up_to`) from the table."""
        assert watch.last is not None
        start = watch.last
        try:
            async for event in committed_changes(
                self._history, account_id, start, up_to, page_size=500
            ):
                watch.last = event.version
                self._local.deliver(event)
        except Exception as exc:  # noqa: BLE001 - the next message or reconnect retries
            log.error("hub gap fill failed", extra={"account_id": account_id, "error": repr(exc)})
            return
        if watch.last != start:
            log.info(
                "hub gap filled from the table",
                extra={"account_id": account_id, "after": start, "up_to": watch.last},
            )


def _text(value: object) -> str | None:
    if isinstance(value, bytes):
        return value.decode()
    return value if isinstance(value, str) else None
