"""BalanceFeed: one account's balance changes, resumable, with no gap and no duplicate.

`open(account_id, after_version)` checks its arguments, reads the account and subscribes to
the hub (buffering) before it returns; the stream's changes then replay the committed entries
after the start version from the table, then continue live, dropping live events the replay
already gave. A gap in live versions (a lost message) is
filled from the table, so the subscriber sees every version exactly once, in order.
"""

from __future__ import annotations

import contextvars
from collections.abc import AsyncGenerator, AsyncIterator

from services.domain.errors import InvalidInput
from services.domain.events import BalanceChanged
from services.domain.model import Account
from services.hub.ports import EventHub, HistorySource
from services.hub.pushed import Deliver, End, PushedChanges
from services.hub.replay import committed_changes, continuing
from services.hub.subscription import Subscription
from services.identity.principal import SYSTEM, Principal


class BalanceStream:
    """One account's open feed, continuing after version `start`: read it as `changes` (an
    async generator) or have it `push`ed to callbacks, not both. `aclose()` it when done:
    that closes its hub subscription, whichever way it was read, if at all."""

    __slots__ = ("_changes", "_feed", "_pushed", "account", "start", "subscription")

    def __init__(
        self, feed: BalanceFeed, account: Account, start: int, subscription: Subscription
    ) -> None:
        self._feed = feed
        self.account = account
        self.start = start
        self.subscription = subscription
        self._changes: AsyncGenerator[BalanceChanged, None] | None = None
        self._pushed: PushedChanges | None = None

    @property
    def changes(self) -> AsyncGenerator[BalanceChanged, None]:
        if self._changes is None:
            self._changes = self._feed.changes_of(self.subscription, self.start)
        return self._changes

    def push(
        self, deliver: Deliver, end: End, *, context: contextvars.Context | None = None
    ) -> PushedChanges:
        """Start delivering every change after `start` to `deliver`, in order, each once,
        with no task while there is nothing to deliver; `end` is told why it stopped."""
        self._pushed = self._feed.pushed(
            self.subscription, self.start, deliver, end, context=context
        )
        self._pushed.start()
        return self._pushed

    async def aclose(self) -> None:
        if self._pushed is not None:
            await self._pushed.aclose()
        if self._changes is not None:
            await self._changes.aclose()
        self.subscription.close()  # `changes` never started: its own cleanup did not run


class BalanceFeed:
    def __init__(
        self,
        hub: EventHub,
        history: HistorySource,
        *,
        page_size: int = 500,
        max_replay: int | None = None,
    ) -> None:
        self._max_replay = max_replay
        self._hub = hub
        self._history = history
        self._page_size = page_size

    async def open(
        self, account_id: str, after_version: int | None = None, *, principal: Principal = SYSTEM
    ) -> BalanceStream:
        """Subscribe to every change of `account_id` after `after_version` (None: after its
        current version): `changes` yields each exactly once and in version order, then live
        ones until the caller stops.

        Raises AccountNotFound (also for an account `principal` may not read) and
        InvalidInput (a negative version, one beyond the account's current version, or more
        than `max_replay` versions behind) before
        anything is read from the stream; the stream raises SubscriptionClosed when its reader
        falls too far behind (resume with the last version).
        """
        if after_version is not None and (isinstance(after_version, bool) or after_version < 0):
            raise InvalidInput(
                "the version to resume after must be 0 or more", field="after_version"
            )
        # Read first: once the hub lists the subscriber, where it starts is fixed. The replay,
        # which runs after the hub listens, gives whatever was committed in between.
        account = await self._history.get_account(account_id, principal=principal)
        if after_version is not None and after_version > account.version:
            # Every live event would be dropped as already seen: the subscriber would wait
            # forever. A version from another account, or from before a recreation, is refused.
            raise InvalidInput(
                f"the version to resume after is beyond the account's current version "
                f"{account.version}",
                field="after_version",
            )
        start = account.version if after_version is None else after_version
        if self._max_replay is not None and account.version - start > self._max_replay:
            raise InvalidInput(
                f"afterVersion {start} is {account.version - start} versions behind; a "
                f"subscription replays at most {self._max_replay}: page through `transactions` "
                "first, then subscribe after the last version read",
                field="after_version",
            )
        subscription = await self._hub.subscribe(account_id)
        return BalanceStream(self, account, start, subscription)

    def changes_of(
        self, subscription: Subscription, after: int
    ) -> AsyncGenerator[BalanceChanged, None]:
        """The changes after version `after` of the subscription's account: replayed, then
        live."""
        return self._changes(subscription.account_id, subscription, after)

    def pushed(
        self,
        subscription: Subscription,
        after: int,
        deliver: Deliver,
        end: End,
        *,
        context: contextvars.Context | None = None,
    ) -> PushedChanges:
        """`changes_of`, delivered to callbacks (not started: `start()` it)."""
        return PushedChanges(
            self._hub,
            self._history,
            subscription,
            after=after,
            deliver=deliver,
            end=end,
            page_size=self._page_size,
            context=context,
        )

    async def subscribe_balance(
        self, account_id: str, after_version: int | None = None
    ) -> AsyncIterator[BalanceChanged]:
        """`open(account_id, after_version).changes`, as one async iterator (the errors of
        `open` come from its first step)."""
        stream = await self.open(account_id, after_version)
        try:
            async for event in stream.changes:
                yield event
        finally:
            await stream.aclose()

    async def _changes(
        self, account_id: str, subscription: Subscription, last: int
    ) -> AsyncGenerator[BalanceChanged, None]:
        try:
            while True:
                async for event in committed_changes(
                    self._history, account_id, last, None, page_size=self._page_size
                ):
                    last = event.version
                    yield event
                if not subscription.overflowed:
                    break  # (closed by the hub otherwise: the live part says so)
                # The live buffer overflowed while we replayed: listen afresh, replay the rest.
                subscription.close()
                subscription = await self._hub.subscribe(account_id)
            async for event in subscription:
                async for change in continuing(
                    self._history,
                    account_id,
                    last,
                    event,
                    page_size=self._page_size,
                    where="balance feed",
                ):
                    last = change.version
                    yield change
        finally:
            subscription.close()
