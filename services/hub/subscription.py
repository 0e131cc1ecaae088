"""One subscriber's bounded queue of events, read as an async iterator or taken as they come
(`listen` + `take`, for a reader that holds no task while it waits)."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable

from services.domain.events import BalanceChanged

#: How an overflow's reason begins.
TOO_SLOW = "subscriber too slow"


class SubscriptionClosed(Exception):
    """The hub closed the subscription; `reason` says why (resume after the last version seen)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Subscription:
    """Events of one account for one subscriber, in publish order.

    Bounded: when `capacity` events are waiting and another arrives, the subscription is closed
    (its iterator raises SubscriptionClosed) instead of slowing the publisher or growing.
    """

    __slots__ = (
        "_closed",
        "_events",
        "_listener",
        "_on_close",
        "_waiter",
        "account_id",
        "capacity",
    )

    def __init__(
        self,
        account_id: str,
        capacity: int,
        on_close: Callable[[Subscription], None] | None = None,
    ) -> None:
        self.account_id = account_id
        self.capacity = max(1, capacity)
        # Created on the first event: most subscriptions sit idle, and an empty deque is
        # ~600 bytes of the ~30 KB an idle subscriber may cost.
        self._events: deque[BalanceChanged] | None = None
        self._waiter: asyncio.Future[None] | None = None
        #: None while open; "" when ended by the reader; else the hub's reason.
        self._closed: str | None = None
        self._on_close = on_close
        self._listener: Callable[[], None] | None = None

    @property
    def closed(self) -> bool:
        return self._closed is not None

    @property
    def overflowed(self) -> bool:
        """Closed because its reader fell `capacity` events behind."""
        return self._closed is not None and self._closed.startswith(TOO_SLOW)

    @property
    def pending(self) -> int:
        return len(self._events) if self._events is not None else 0

    def offer(self, event: BalanceChanged) -> bool:
        """Queue an event without waiting. False (and the subscription closed) on overflow."""
        if self._closed is not None:
            return False
        if self._events is None:
            self._events = deque()
        elif len(self._events) >= self.capacity:
            self.close(
                f"{TOO_SLOW}: more than {self.capacity} changes waiting; "
                "resubscribe with afterVersion set to the last version received"
            )
            return False
        self._events.append(event)
        self._wake()
        return True

    def close(self, reason: str | None = None) -> None:
        """Stop the subscription. With a reason (the hub closing it) the reader gets
        SubscriptionClosed(reason); without one (the reader's own close) iteration just ends."""
        if self._closed is not None:
            return
        self._closed = reason or ""
        if reason:
            self._events = None  # the reader resumes from its last version: free memory now
        self._wake()
        # Its last call: the listener (a bound method of the feed holding this subscription)
        # is a cycle that would outlive the subscriber until a full collection.
        self._listener = None
        if self._on_close is not None:
            self._on_close(self)
            self._on_close = None

    def listen(self, listener: Callable[[], None]) -> None:
        """Call `listener` (it must not block) whenever an event arrives or the subscription
        closes; the listener then `take`s what is there."""
        self._listener = listener

    def take(self) -> BalanceChanged | None:
        """The next event without waiting; None when none is waiting or the reader closed the
        subscription. Raises SubscriptionClosed once the hub closed it and it is drained."""
        if self._events:
            return self._events.popleft()
        self._events = None  # drained: an idle subscription holds no queue
        if self._closed:
            raise SubscriptionClosed(self._closed)
        return None

    def __aiter__(self) -> Subscription:
        return self

    async def __anext__(self) -> BalanceChanged:
        while True:
            event = self.take()
            if event is not None:
                return event
            if self._closed == "":
                raise StopAsyncIteration
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)
        if self._listener is not None:
            self._listener()
