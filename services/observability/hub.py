"""Subscription metrics and the delivery span, around the event hub the balance feed uses.

`ObservedHub(hub)` hands out `ObservedSubscription`s: each is counted in
ledger_subscriptions_active while open, counted in ledger_hub_queue_overflows_total when the
hub closes it for falling a whole queue behind, and (when traces are on) records a span in the
committing transfer's trace as it hands each event to its subscriber.
"""

from __future__ import annotations

from collections.abc import Callable

from services.domain.events import BalanceChanged
from services.hub.fast_path import LiveFastPath
from services.hub.ports import EventHub
from services.hub.subscription import TOO_SLOW, Subscription, SubscriptionClosed
from services.observability import metrics
from services.observability.tracing import continued_span, tracing_enabled

#: How Subscription.offer words the reason of an overflow (a test pins it): the hub's other
#: reason to close a subscription is its own shutdown, which is no overflow.
OVERFLOW_REASON = TOO_SLOW


class ObservedHub:
    def __init__(self, hub: EventHub) -> None:
        self._hub = hub

    async def publish(self, event: BalanceChanged) -> None:
        await self._hub.publish(event)

    async def subscribe(self, account_id: str, *, capacity: int | None = None) -> Subscription:
        return ObservedSubscription(await self._hub.subscribe(account_id, capacity=capacity))

    async def close(self) -> None:
        await self._hub.close()


class ObservedSubscription(Subscription):
    """A Subscription delegating to the hub's own; every public member is overridden."""

    __slots__ = ("_counted", "_inner")

    def __init__(self, inner: Subscription) -> None:
        # The parent's state stays unused: the hub offers events to `inner`.
        self.account_id = inner.account_id
        self.capacity = inner.capacity
        self._inner = inner
        self._counted = True
        metrics.subscriptions_active.inc()

    @property
    def closed(self) -> bool:
        return self._inner.closed

    @property
    def overflowed(self) -> bool:
        return self._inner.overflowed

    @property
    def pending(self) -> int:
        return self._inner.pending

    def offer(self, event: BalanceChanged) -> bool:
        return self._inner.offer(event)

    def close(self, reason: str | None = None) -> None:
        self._inner.close(reason)
        self._release()

    def listen(self, listener: Callable[[], None]) -> None:
        self._inner.listen(listener)

    def take(self) -> BalanceChanged | None:
        try:
            event = self._inner.take()
        except SubscriptionClosed as closed:
            self._ended(closed)
            raise
        if event is None:
            if self._inner.closed:
                self._release()  # closed by its reader
            return None
        return self._delivered(event)

    def __aiter__(self) -> ObservedSubscription:
        return self

    async def __anext__(self) -> BalanceChanged:
        try:
            event = await self._inner.__anext__()
        except SubscriptionClosed as closed:
            self._ended(closed)
            raise
        except StopAsyncIteration:
            self._release()
            raise
        return self._delivered(event)

    def _ended(self, closed: SubscriptionClosed) -> None:
        if self._counted and closed.reason.startswith(OVERFLOW_REASON):
            metrics.hub_queue_overflows.inc()
        self._release()

    @staticmethod
    def _delivered(event: BalanceChanged) -> BalanceChanged:
        if event.traceparent and tracing_enabled():
            with continued_span(
                "balanceChanged deliver",
                event.traceparent,
                attributes={"ledger.account_id": event.account_id, "ledger.version": event.version},
            ):
                pass
        return event

    def _release(self) -> None:
        if self._counted:
            self._counted = False
            metrics.subscriptions_active.dec()


class MeteredLiveFastPath(LiveFastPath):
    """The commit-time fast path, counting what it published, failed and skipped."""

    def published(self, event: BalanceChanged) -> None:
        metrics.live_fast_path_events.labels("published").inc()

    def failed(self, event: BalanceChanged, error: Exception) -> None:
        metrics.live_fast_path_events.labels("failed").inc()
        super().failed(event, error)

    def skipped(self, count: int) -> None:
        metrics.live_fast_path_events.labels("skipped").inc(count)
        super().skipped(count)
