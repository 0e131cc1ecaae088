"""Point-in-time balances (issue 13.4): after a version in one read, as of a moment in O(log n).

Every entry stores the balance after it, and an account's entry times never decrease (the commit
enforces it with `commit_time`), so "the last entry at or before `at`" is a binary search over
versions, each probe one GetItem on the entry's sort key.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from services.domain.errors import InvalidInput
from services.integrity.chain import EntryFields


class EntryReader(Protocol):
    """One account's history by version; the DynamoDB store implements it with GetItem."""

    async def head_version(self) -> int:
        """The account's current version: 0 when it has no entries."""
        ...

    async def entry_at(self, version: int) -> EntryFields:
        """The entry with this version, 1 <= version <= head. Raises LookupError when absent."""
        ...


@dataclass(frozen=True, slots=True)
class BalancePoint:
    #: The version whose balance this is: 0 before the account's first entry.
    version: int
    balance: Decimal


async def balance_at_version(reader: EntryReader, version: int) -> BalancePoint:
    """The balance right after `version`, in one read (none for version 0).

    Raises InvalidInput for a negative version or one the account has not reached.
    """
    if type(version) is not int or version < 0:
        raise InvalidInput("version must be zero or more", field="version")
    if version == 0:
        return BalancePoint(0, Decimal(0))
    try:
        entry = await reader.entry_at(version)
    except LookupError:
        raise InvalidInput(f"the account has no version {version}", field="version") from None
    return BalancePoint(version, entry.balance_after)


async def balance_at_time(reader: EntryReader, at: datetime) -> BalancePoint:
    """The balance after the last entry created at or before `at`; 0 before the first entry.

    At most ceil(log2(head)) + 2 reads: the head version, the head entry (the common "recent"
    question stops there), then a binary search. Raises InvalidInput for a naive `at`.
    """
    if at.utcoffset() is None:
        raise InvalidInput("the moment needs a time zone", field="at")
    head = await reader.head_version()
    if head == 0:
        return BalancePoint(0, Decimal(0))
    last = await reader.entry_at(head)
    if last.created_at <= at:
        return BalancePoint(head, last.balance_after)
    # Invariant: version `low` is at or before `at` (0 standing for "before everything"),
    # version `high` is after it. `low` only ever becomes a version just read.
    low, high, found = 0, head, Decimal(0)
    while high - low > 1:
        middle = (low + high) // 2
        entry = await reader.entry_at(middle)
        if entry.created_at <= at:
            low, found = middle, entry.balance_after
        else:
            high = middle
    return BalancePoint(low, found)


def commit_time(now: datetime, *previous: datetime) -> datetime:
    """The time a commit stamps on its entries: `now`, or the latest entry time of the accounts
    it touches when a host clock lags, so entry times never decrease within an account."""
    return max((now, *previous))
