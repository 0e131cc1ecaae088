"""Events the ledger announces once an item is committed. Plain data: no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from services.domain.model import Account, Entry


@dataclass(frozen=True, slots=True)
class BalanceChanged:
    """A new entry was committed for `entry.account_id`: its balance and version moved."""

    entry: Entry
    #: The W3C traceparent of the operation that committed the entry, when traces were on.
    traceparent: str | None = None

    @property
    def account_id(self) -> str:
        return self.entry.account_id

    @property
    def balance(self) -> Decimal:
        """The account's balance right after this entry."""
        return self.entry.balance_after

    @property
    def delta(self) -> Decimal:
        """Signed change: positive for a credit, negative for a debit."""
        return self.entry.delta

    @property
    def version(self) -> int:
        """The account's version after this entry: 1, 2, 3, ... with no gaps."""
        return self.entry.version

    @property
    def at(self) -> datetime:
        return self.entry.created_at


@dataclass(frozen=True, slots=True)
class AccountOpened:
    """A new account item was committed (its opening balance, if any, is a BalanceChanged)."""

    account: Account


DomainEvent = BalanceChanged | AccountOpened
