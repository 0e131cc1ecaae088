"""Domain records of the ledger. Plain frozen dataclasses: no I/O, no AWS, no GraphQL."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum


class Direction(StrEnum):
    DEBIT = "DEBIT"
    CREDIT = "CREDIT"
    #: A hold reserved `amount` (pending debits grew): the balance is unchanged.
    HOLD = "HOLD"
    #: A hold released `amount` (captured, voided or expired): the balance is unchanged.
    RELEASE = "RELEASE"


#: Directions that move the balance; HOLD and RELEASE move only the pending debits.
POSTING_DIRECTIONS = frozenset({Direction.DEBIT, Direction.CREDIT})


class ChangeKind(StrEnum):
    """What a versioned change of an account was (BalanceChange.kind)."""

    OPENING = "OPENING"
    TRANSFER = "TRANSFER"
    BATCH = "BATCH"
    REVERSAL = "REVERSAL"
    HOLD_AUTHORIZED = "HOLD_AUTHORIZED"
    HOLD_CAPTURED = "HOLD_CAPTURED"
    HOLD_VOIDED = "HOLD_VOIDED"
    HOLD_EXPIRED = "HOLD_EXPIRED"


@dataclass(frozen=True, slots=True)
class Account:
    id: str
    balance: Decimal
    currency: str
    created_at: datetime
    #: Number of entries ever written for this account: 0 for a new empty account.
    version: int
    email: str | None = None
    phone: str | None = None
    #: The holder (a principal's subject) who may see and debit it; None: operators only.
    owner_id: str | None = None
    #: How far below zero a debit may take the balance: 0 by default; None: no limit (an
    #: external account such as bank:settlement, which carries the other side of deposits).
    overdraft_limit: Decimal | None = Decimal(0)
    #: The caller's labels (services.domain.metadata bounds them).
    metadata: Mapping[str, str] = field(default_factory=dict)

    def can_cover(self, debit: Decimal) -> bool:
        """True when taking `debit` leaves the available balance (balance - pending debits)
        at or above -overdraft_limit."""
        if self.overdraft_limit is None:
            return True
        return self.balance - self.pending_debits - debit >= -self.overdraft_limit

    @property
    def available_balance(self) -> Decimal:
        """The balance less what pending holds reserve."""
        return self.balance - self.pending_debits

    #: The hash of the entry at `version` (the chain's genesis at 0); None: an account written
    #: before the hash chain, whose entries stay unchained until a backfill.
    head_hash: str | None = None
    #: The last entry's time: the next commit never stamps an earlier one.
    head_at: datetime | None = None
    #: What the account's pending holds reserve (authorized, not yet captured or released).
    pending_debits: Decimal = Decimal(0)


@dataclass(frozen=True, slots=True)
class Exchange:
    """What an entry (or leg) of a currency exchange shows about the other side: the quoted
    `rate` (target units per source unit), the amount and currency on the other side, and the
    quote it booked."""

    rate: Decimal
    counter_amount: Decimal
    counter_currency: str
    quote_id: str


@dataclass(frozen=True, slots=True)
class Transfer:
    id: str
    from_account_id: str
    to_account_id: str
    amount: Decimal
    currency: str
    created_at: datetime
    memo: str | None = None
    idempotency_key: str | None = None
    #: The subject of the principal that sent it (whose idempotency key it is).
    initiated_by: str | None = None
    #: The batch (postTransfers) it was committed in; None for a single transfer.
    batch_id: str | None = None
    #: The caller's labels (services.domain.metadata bounds them).
    metadata: Mapping[str, str] = field(default_factory=dict)
    #: The transfer this one reverses (in the opposite direction); None for others.
    reversal_of: str | None = None
    #: How much of this transfer its reversals have given back: never above `amount`.
    reversed_amount: Decimal = Decimal(0)
    #: The ids of the transfers that reverse it, oldest first.
    reversals: tuple[str, ...] = ()
    #: The versions of its DEBIT and CREDIT entries, so verification reads both by key.
    debit_version: int | None = None
    credit_version: int | None = None
    #: The exchange this transfer is a leg of (to or from a liquidity account); None for others.
    exchange: Exchange | None = None


@dataclass(frozen=True, slots=True)
class Entry:
    """One side of a transfer (or an opening balance) as seen by one account."""

    id: str
    transfer_id: str
    account_id: str
    #: The other account of the transfer; None for an opening balance.
    counterparty_id: str | None
    direction: Direction
    amount: Decimal
    balance_after: Decimal
    #: The account's version after this entry: 1, 2, 3, ... with no gaps.
    version: int
    currency: str
    created_at: datetime
    memo: str | None = None
    #: SHA-256 over `previous_hash` and the entry's canonical encoding; None when unchained.
    hash: str | None = None
    #: The hash of the account's previous entry (its genesis for version 1).
    previous_hash: str | None = None
    #: The other side of the currency exchange this entry is part of; None for others.
    exchange: Exchange | None = None
    #: The account's pending debits right after this entry (holds not yet released).
    pending_after: Decimal = Decimal(0)
    #: What the change was; None: told by the entry itself (OPENING or TRANSFER).
    kind: ChangeKind | None = None
    #: The labels of the transfer or hold it belongs to, for the stream's consumers.
    metadata: Mapping[str, str] = field(default_factory=dict)

    @property
    def delta(self) -> Decimal:
        """Signed change this entry made to the balance (0 for HOLD and RELEASE)."""
        if self.direction is Direction.CREDIT:
            return self.amount
        if self.direction is Direction.DEBIT:
            return -self.amount
        return Decimal(0)

    @property
    def available_after(self) -> Decimal:
        return self.balance_after - self.pending_after

    @property
    def change_kind(self) -> ChangeKind:
        if self.kind is not None:
            return self.kind
        return ChangeKind.OPENING if self.counterparty_id is None else ChangeKind.TRANSFER


@dataclass(frozen=True, slots=True)
class Page:
    """A page of entries, newest first, and the cursor for the next (older) page."""

    entries: list[Entry]
    next_cursor: str | None
    #: One opaque cursor per entry, in the same order: pass one as `after` to read on from it.
    cursors: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class AccountPage:
    """A page of accounts in id order, one cursor per account, and the cursor for the next."""

    accounts: list[Account]
    cursors: list[str]
    next_cursor: str | None
