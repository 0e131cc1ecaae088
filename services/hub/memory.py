"""InProcessHub: fan-out inside one process, per account."""

from __future__ import annotations

import logging
from collections.abc import Callable

from services.domain.events import BalanceChanged
from services.hub.subscription import Subscription

log = logging.getLogger(__name__)


class InProcessHub:
    """Subscribers indexed by account: publishing costs O(subscribers of that account).

    Runs on one event loop; publish never waits for a subscriber.
    """

    def __init__(
        self,
        capacity: int = 256,
        *,
        on_first: Callable[[str], None] | None = None,
        on_idle: Callable[[str], None] | None = None,
    ) -> None:
        self._capacity = capacity
        self._subscribers: dict[str, set[Subscription]] = {}
        # Told when an account gains its first subscriber and loses its last (the Redis hub
        # subscribes and unsubscribes its channel).
        self._on_first = on_first
        self._on_idle = on_idle

    async def subscribe(self, account_id: str, *, capacity: int | None = None) -> Subscription:
        return self.add(account_id, capacity=capacity)

    def add(self, account_id: str, *, capacity: int | None = None) -> Subscription:
        """`subscribe` without waiting: the subscription is live as soon as this returns."""
        subscription = Subscription(account_id, capacity or self._capacity, self._remove)
        subscribers = self._subscribers.get(account_id)
        if subscribers is None:
            subscribers = self._subscribers[account_id] = set()
            if self._on_first is not None:
                self._on_first(account_id)
        subscribers.add(subscription)
        return subscription

    async def publish(self, event: BalanceChanged) -> None:
        self.deliver(event)

    def deliver(self, event: BalanceChanged) -> int:
        """Offer the event to the account's subscribers; returns how many took it."""
        subscribers = self._subscribers.get(event.account_id)
        if not subscribers:
            return 0
        delivered = 0
        for subscription in list(subscribers):  # an overflow removes itself while we iterate
            if subscription.offer(event):
                delivered += 1
            else:
                log.warning(
                    "slow subscriber closed",
                    extra={"account_id": event.account_id, "capacity": subscription.capacity},
                )
        return delivered

    def subscriber_count(self, account_id: str | None = None) -> int:
        if account_id is not None:
            return len(self._subscribers.get(account_id, ()))
        return sum(len(s) for s in self._subscribers.values())

    async def close(self) -> None:
        for subscribers in list(self._subscribers.values()):
            for subscription in list(subscribers):
                subscription.close("server shutting down")
        self._subscribers.clear()

    def _remove(self, subscription: Subscription) -> None:
        subscribers = self._subscribers.get(subscription.account_id)
        if subscribers is None:
            return
        subscribers.discard(subscription)
        if not subscribers:
            del self._subscribers[subscription.account_id]
            if self._on_idle is not None:
                self._on_idle(subscription.account_id)
