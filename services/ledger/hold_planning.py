"""Pure planning of holds: the exact records one transaction writes for an authorization, a
capture, a void or an expiry.

Every change of a hold moves its source account's pending debits, so each is a versioned
change of that account with an entry of its own (HOLD when funds are reserved, RELEASE when
they are given back), chained like every other entry: `balanceChanged` delivers it in order
and the replay of missed versions reads it back. A capture releases the whole hold and posts
the captured part as an ordinary transfer (a DEBIT after the RELEASE on the source, a CREDIT
on the destination), so what is not captured is released in the same transaction.

Items of one transaction:

    authorize  account, HOLD entry, hold record, its copy in the account, due item, key   <= 6
    capture    2 accounts, 3 entries, transfer, hold record, copy, due item, key         <= 10
    void       account, RELEASE entry, hold record, copy, due item                          5
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal

from services.domain.errors import (
    AccountNotFound,
    AmountExceedsAuthorized,
    CurrencyMismatch,
    InsufficientFunds,
    TransferNotPending,
)
from services.domain.holds import HoldStatus, PendingTransfer
from services.domain.model import Account, ChangeKind, Direction, Entry, Transfer
from services.domain.money import in_currency
from services.ledger import chaining
from services.ledger.postings import AccountChange

#: The terminal status each ending writes, and the kind of change its RELEASE entry is.
ENDINGS = {
    HoldStatus.POSTED: ChangeKind.HOLD_CAPTURED,
    HoldStatus.VOIDED: ChangeKind.HOLD_VOIDED,
    HoldStatus.EXPIRED: ChangeKind.HOLD_EXPIRED,
}


@dataclass(frozen=True, slots=True)
class AuthorizeRequest:
    hold_id: str
    entry_id: str
    from_id: str
    to_id: str
    amount: Decimal
    expires_in: int
    memo: str | None
    metadata: dict[str, str]
    key: str | None
    initiated_by: str | None


@dataclass(frozen=True, slots=True)
class HoldPlan:
    """One transaction: the account changes, the hold before (None: new) and after, and the
    transfer a capture posts."""

    changes: tuple[AccountChange, ...]
    before: PendingTransfer | None
    after: PendingTransfer
    transfer: Transfer | None = None

    @property
    def entries(self) -> list[Entry]:
        return [entry for change in self.changes for entry in change.entries]


def plan_authorize(
    request: AuthorizeRequest,
    source: Account,
    destination: Account,
    clock: Callable[[], datetime],
) -> HoldPlan:
    """Reserve `request.amount` on `source`. Raises CurrencyMismatch, InvalidAmount and
    InsufficientFunds (available balance - amount would go below -overdraft_limit)."""
    if source.currency != destination.currency:
        raise CurrencyMismatch(source.currency, destination.currency)
    amount = in_currency(request.amount, source.currency, field="amount")
    if not source.can_cover(amount):
        raise InsufficientFunds(source.id)
    now = chaining.stamp(clock(), source)
    hold = PendingTransfer(
        id=request.hold_id,
        from_account_id=source.id,
        to_account_id=destination.id,
        amount=amount,
        currency=source.currency,
        status=HoldStatus.PENDING,
        expires_at=now + timedelta(seconds=request.expires_in),
        created_at=now,
        memo=request.memo,
        metadata=request.metadata,
        idempotency_key=request.key,
        initiated_by=request.initiated_by,
    )
    entry = _pending_entry(
        source, request.entry_id, hold, Direction.HOLD, ChangeKind.HOLD_AUTHORIZED, now
    )
    return HoldPlan((AccountChange(source, (entry,)),), None, hold)


def plan_release(
    hold: PendingTransfer,
    source: Account,
    status: HoldStatus,
    entry_id: str,
    clock: Callable[[], datetime],
) -> HoldPlan:
    """Void (VOIDED) or expire (EXPIRED) a PENDING hold. Raises TransferNotPending."""
    _check_pending(hold)
    now = chaining.stamp(clock(), source)
    entry = _pending_entry(source, entry_id, hold, Direction.RELEASE, ENDINGS[status], now)
    after = replace(hold, status=status, ended_at=now)
    return HoldPlan((AccountChange(source, (entry,)),), hold, after)


def plan_capture(
    hold: PendingTransfer,
    accounts: dict[str, Account],
    amount: Decimal | None,
    ids: tuple[str, str, str, str],
    clock: Callable[[], datetime],
) -> HoldPlan:
    """Post `amount` (all when None) of a PENDING hold and release the rest.

    `ids` are the transfer's, the RELEASE entry's, the DEBIT's and the CREDIT's. Raises
    TransferNotPending, AmountExceedsAuthorized, InvalidAmount and AccountNotFound (an
    account of the hold was deleted).
    """
    _check_pending(hold)
    value = hold.amount if amount is None else in_currency(amount, hold.currency, field="amount")
    if value > hold.amount:
        raise AmountExceedsAuthorized(hold.id, format(hold.amount, "f"))
    source, destination = accounts.get(hold.from_account_id), accounts.get(hold.to_account_id)
    if source is None:
        raise AccountNotFound(hold.from_account_id, field="pending_transfer_id")
    if destination is None:
        raise AccountNotFound(hold.to_account_id, field="pending_transfer_id")
    now = chaining.stamp(clock(), source, destination)
    kind = ChangeKind.HOLD_CAPTURED
    release = _pending_entry(source, ids[1], hold, Direction.RELEASE, kind, now)
    released = chaining.after(source, release)
    transfer = Transfer(
        id=ids[0],
        from_account_id=source.id,
        to_account_id=destination.id,
        amount=value,
        currency=hold.currency,
        created_at=now,
        memo=hold.memo,
        initiated_by=hold.initiated_by,
        metadata=hold.metadata,
        debit_version=released.version + 1,
        credit_version=destination.version + 1,
    )
    debit = _posting_entry(released, ids[2], transfer, destination.id, Direction.DEBIT)
    credit = _posting_entry(destination, ids[3], transfer, source.id, Direction.CREDIT)
    after = replace(
        hold, status=HoldStatus.POSTED, captured_amount=value, transfer_id=ids[0], ended_at=now
    )
    changes = (
        AccountChange(source, (release, debit)),
        AccountChange(destination, (credit,)),
    )
    return HoldPlan(changes, hold, after, transfer)


def _check_pending(hold: PendingTransfer) -> None:
    if hold.status is not HoldStatus.PENDING:
        raise TransferNotPending(hold.id, hold.status.value)


def _pending_entry(
    account: Account,
    entry_id: str,
    hold: PendingTransfer,
    direction: Direction,
    kind: ChangeKind,
    now: datetime,
) -> Entry:
    pending = account.pending_debits + (
        hold.amount if direction is Direction.HOLD else -hold.amount
    )
    entry = Entry(
        id=entry_id,
        transfer_id=hold.id,
        account_id=account.id,
        counterparty_id=hold.to_account_id,
        direction=direction,
        amount=hold.amount,
        balance_after=account.balance,
        version=account.version + 1,
        currency=account.currency,
        created_at=now,
        memo=hold.memo,
        pending_after=pending,
        kind=kind,
        metadata=hold.metadata,
    )
    return chaining.chain(account, entry)


def _posting_entry(
    account: Account, entry_id: str, transfer: Transfer, other: str, direction: Direction
) -> Entry:
    credit = direction is Direction.CREDIT
    entry = Entry(
        id=entry_id,
        transfer_id=transfer.id,
        account_id=account.id,
        counterparty_id=other,
        direction=direction,
        amount=transfer.amount,
        balance_after=account.balance + (transfer.amount if credit else -transfer.amount),
        version=account.version + 1,
        currency=account.currency,
        created_at=transfer.created_at,
        memo=transfer.memo,
        pending_after=account.pending_debits,
        kind=ChangeKind.HOLD_CAPTURED,
        metadata=transfer.metadata,
    )
    return chaining.chain(account, entry)
