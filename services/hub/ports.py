"""What the balance feed needs: a hub to subscribe to and the account history to replay."""

from __future__ import annotations

from typing import Protocol

from services.domain.events import BalanceChanged
from services.domain.model import Account, Entry
from services.hub.subscription import Subscription
from services.identity.principal import Principal


class EventHub(Protocol):
    """Fans BalanceChanged events out to the subscribers of their account."""

    async def publish(self, event: BalanceChanged) -> None:
        """Deliver to every current subscriber of the event's account (never waits for one)."""
        ...

    async def subscribe(self, account_id: str, *, capacity: int | None = None) -> Subscription:
        """A new bounded subscription to one account's changes, returned once the hub listens
        for them (every event published after this returns reaches it). `close()` it when
        done."""
        ...

    async def close(self) -> None: ...


class HistorySource(Protocol):
    """The committed entries, read from the table (the Ledger satisfies it)."""

    async def entries_after(
        self, account_id: str, after_version: int, limit: int = 100
    ) -> list[Entry]: ...

    async def get_account(self, account_id: str, *, principal: Principal = ...) -> Account: ...
