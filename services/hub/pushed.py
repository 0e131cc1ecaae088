"""PushedChanges: one account's balance feed handed to callbacks, with a task only while there
is something to deliver.

A subscriber reading the feed as an async generator holds, while it waits, the generator and
every frame and task awaiting it; with thousands of idle subscribers that chain is most of
their memory. Here an idle feed is its state alone (the last version delivered, the hub
subscription): the hub's listener makes a task when an event arrives, and the task ends once
the subscription's queue is empty. The order is the generator's (`replay.continuing`): every
version after the start exactly once, in order, gaps filled from the table.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
from collections.abc import Awaitable, Callable

from services.domain.events import BalanceChanged
from services.hub.ports import EventHub, HistorySource
from services.hub.replay import committed_changes, continuing
from services.hub.subscription import Subscription

#: Receives each change in order; the next waits until it returns.
Deliver = Callable[[BalanceChanged], Awaitable[None]]
#: Told once why the feed stopped: SubscriptionClosed (the hub closed it: resume after the
#: last version), a LedgerError of a replay, or what `Deliver` raised.
End = Callable[[Exception], Awaitable[None]]


async def _stopped(_: object) -> None:
    """A stopped feed's `deliver` and `end`: it calls neither again."""


class PushedChanges:
    __slots__ = (
        "_account_id",
        "_context",
        "_deliver",
        "_end",
        "_history",
        "_hub",
        "_last",
        "_page_size",
        "_replayed",
        "_stopped",
        "_subscription",
        "_task",
    )

    def __init__(
        self,
        hub: EventHub,
        history: HistorySource,
        subscription: Subscription,
        *,
        after: int,
        deliver: Deliver,
        end: End,
        page_size: int,
        context: contextvars.Context | None = None,
    ) -> None:
        self._hub = hub
        self._history = history
        self._account_id = subscription.account_id
        self._subscription = subscription
        self._last = after
        self._deliver = deliver
        self._end = end
        self._page_size = page_size
        # The delivering tasks run in the subscriber's context (its request id, its trace),
        # not in that of whichever commit woke them.
        self._context = context
        self._replayed = False
        self._stopped = False
        self._task: asyncio.Task[None] | None = None

    @property
    def last(self) -> int:
        """The last version delivered (the start version before any)."""
        return self._last

    @property
    def delivering(self) -> bool:
        return self._task is not None

    def start(self) -> None:
        """Replay what was committed after the start version, then deliver live changes."""
        self._subscription.listen(self._wake)
        self._wake()

    async def aclose(self) -> None:
        """Stop: nothing is delivered once this returns, and the hub subscription is closed."""
        self._stopped = True
        self._subscription.close()
        task = self._task
        if task is not None and task is not asyncio.current_task():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            self._task = None  # a task cancelled before it ran never reached its `finally`
        self._let_go()

    def _let_go(self) -> None:
        """Drop the owner's callbacks once stopped: they are bound methods of an owner that
        holds this feed, a cycle that would outlive the subscriber until a full collection."""
        self._deliver = _stopped
        self._end = _stopped

    def _wake(self) -> None:
        if self._task is None and not self._stopped:
            loop = asyncio.get_running_loop()
            self._task = loop.create_task(self._drain(), context=self._context)

    async def _drain(self) -> None:
        try:
            if not self._replayed:
                await self._replay()
                self._replayed = True
            while not self._stopped and (event := self._subscription.take()) is not None:
                async for change in continuing(
                    self._history,
                    self._account_id,
                    self._last,
                    event,
                    page_size=self._page_size,
                    where="balance feed",
                ):
                    self._last = change.version
                    await self._deliver(change)
        except Exception as error:  # noqa: BLE001 - every reason to stop goes to `end`
            self._stopped = True
            self._subscription.close()
            await self._end(error)  # still this feed's task: `aclose` may cancel it
        finally:
            # No await since the last empty `take`: an event arriving after it finds no task
            # and makes one.
            self._task = None
            if self._stopped:
                self._let_go()

    async def _replay(self) -> None:
        while True:
            async for change in committed_changes(
                self._history, self._account_id, self._last, None, page_size=self._page_size
            ):
                self._last = change.version
                await self._deliver(change)
            if self._stopped or not self._subscription.overflowed:
                return  # (closed by the hub otherwise: the live part says so)
            # The live buffer overflowed while we replayed: listen afresh, replay the rest.
            self._subscription.close()
            self._subscription = await self._hub.subscribe(self._account_id)
            self._subscription.listen(self._wake)
