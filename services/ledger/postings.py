"""Pure planning of N postings over M accounts: the exact records one transaction writes.

A posting moves an amount from one account to another (one transfer record and two entries).
DynamoDB allows one operation per item per transaction, so an account that takes part in
several postings is updated once, with its net effect and its final version; each posting
still gets its own entry, with consecutive versions (credits first, so no entry shows a
balance the commit never allowed). The overdraft rule is checked on the net effect:
balance + net >= -overdraft_limit for every account whose balance goes down.

Items of one transaction (DynamoDB caps a transaction at MAX_TRANSACTION_ITEMS):

    accounts touched (one Update each)        M
    transfers (one record, two entries each)  3 x N
    the batch record and the idempotency key  2

so M + 3N + 2 <= 100: 19 transfers always fit (M <= 2N), up to 32 when they share accounts.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal

from services.domain.errors import (
    AccountNotFound,
    BatchTooLarge,
    CurrencyMismatch,
    InsufficientFunds,
    ReversalExceedsOriginal,
)
from services.domain.model import Account, ChangeKind, Direction, Entry, Exchange, Transfer
from services.domain.money import in_currency
from services.domain.movements import Batch
from services.identity import policy
from services.identity.principal import Principal
from services.ledger import chaining

MAX_TRANSACTION_ITEMS = 100
ITEMS_PER_POSTING = 3
FIXED_ITEMS = 2
#: The most postings that fit whatever accounts they touch: M <= 2N, so 5N + 2 <= 100.
ALWAYS_FITS = (MAX_TRANSACTION_ITEMS - FIXED_ITEMS) // (ITEMS_PER_POSTING + 2)


@dataclass(frozen=True, slots=True)
class Posting:
    """One checked posting of a request: ids fixed once, so a retry never moves money twice."""

    transfer_id: str
    debit_id: str
    credit_id: str
    from_id: str
    to_id: str
    amount: Decimal
    memo: str | None
    metadata: Mapping[str, str]
    #: The exchange this posting is a leg of (on its transfer and both entries).
    exchange: Exchange | None = None
    #: The ledger debits the source on its own authority (an exchange's liquidity account).
    house: bool = False


@dataclass(frozen=True, slots=True)
class PostingRequest:
    batch_id: str
    postings: tuple[Posting, ...]
    metadata: Mapping[str, str]
    key: str | None
    fingerprint: str | None
    principal: Principal
    #: Write a batch record and set `batch_id` on the transfers (postTransfers).
    batch: bool = True
    #: The transfer its one posting reverses, as read (reverseTransfer).
    reverses: Transfer | None = None
    #: Accounts the transaction creates (liquidity accounts, Put only if still missing).
    creates: frozenset[str] = frozenset()
    #: The quote the transaction marks used (an exchange), conditioned on it being usable.
    quote_id: str | None = None

    @property
    def stored_key(self) -> str | None:
        return policy.scoped_idempotency_key(self.principal, self.key)

    @property
    def account_ids(self) -> list[str]:
        return sorted({i for p in self.postings for i in (p.from_id, p.to_id)})


@dataclass(frozen=True, slots=True)
class AccountChange:
    """One account's single update in the transaction, and the entries that explain it."""

    before: Account
    entries: tuple[Entry, ...]
    #: The account does not exist yet: the transaction creates it (`before` at version 0).
    created: bool = False

    @property
    def net(self) -> Decimal:
        return sum((entry.delta for entry in self.entries), Decimal(0))

    @property
    def after(self) -> Account:
        """The account once its entries (chained in version order) are committed."""
        return chaining.after(self.before, self.entries[-1])

    @property
    def floor(self) -> Decimal | None:
        """The least balance the account may have before the commit for it to stay within
        its overdraft limit (None: no condition needed: no limit, or no net debit)."""
        limit = self.before.overdraft_limit
        if limit is None or self.net >= 0:
            return None
        return -self.net - limit


@dataclass(frozen=True, slots=True)
class PostingPlan:
    batch: Batch
    changes: tuple[AccountChange, ...]
    fingerprint: str | None
    stored_key: str | None
    #: Whether `batch` is written as a record of its own (postTransfers).
    write_batch: bool = True
    #: The reversed transfer before and after the reversal, conditioned on the former.
    reverses: Transfer | None = None
    reversed_after: Transfer | None = None
    quote_id: str | None = None

    @property
    def result_id(self) -> str:
        """What the idempotency record points at: the batch, or the one transfer."""
        return self.batch.id if self.write_batch else self.batch.transfers[0].id

    @property
    def entries(self) -> list[Entry]:
        return [entry for change in self.changes for entry in change.entries]

    @property
    def item_count(self) -> int:
        records = int(self.write_batch) + int(self.stored_key is not None)
        records += int(self.reverses is not None) + int(self.quote_id is not None)
        return len(self.changes) + ITEMS_PER_POSTING * len(self.batch.transfers) + records


def transaction_items(postings: int, accounts: int) -> int:
    return accounts + ITEMS_PER_POSTING * postings + FIXED_ITEMS


def check_size(postings: int, accounts: int) -> None:
    """Raises BatchTooLarge when the transaction would exceed DynamoDB's item cap."""
    items = transaction_items(postings, accounts)
    if items > MAX_TRANSACTION_ITEMS:
        raise BatchTooLarge(postings, accounts, items, MAX_TRANSACTION_ITEMS)


def fingerprint(postings: Sequence[Posting], metadata: Mapping[str, str]) -> str:
    """What makes two batch requests under one key the same: every leg, in order, by value."""
    parts = ["batch", _labels(metadata)]
    for p in postings:
        parts += [p.from_id, p.to_id, _exact_text(p.amount), p.memo or "", _labels(p.metadata)]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def _labels(metadata: Mapping[str, str]) -> str:
    return "\x1e".join(f"{k}\x1d{v}" for k, v in sorted(metadata.items()))


def _exact_text(amount: Decimal) -> str:
    text = format(amount, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def plan_postings(
    request: PostingRequest,
    accounts: Mapping[str, Account],
    clock: Callable[[], datetime],
) -> PostingPlan:
    """Check every posting against the accounts and plan the one transaction.

    Raises AccountNotFound (missing, or a source `principal` may not debit), CurrencyMismatch,
    InvalidAmount (too many decimals for the currency) and InsufficientFunds (an account's
    net debit would take it below -overdraft_limit).
    """
    # Never before the last entry of an account it touches: entry times stay ordered per chain.
    now = chaining.stamp(clock(), *accounts.values())
    transfers: list[Transfer] = []
    for posting in request.postings:
        source, destination = accounts.get(posting.from_id), accounts.get(posting.to_id)
        if source is None or not (
            posting.house or policy.may_debit_account(request.principal, source.owner_id)
        ):
            raise AccountNotFound(posting.from_id, field="transfers")
        if destination is None:
            raise AccountNotFound(posting.to_id, field="transfers")
        if source.currency != destination.currency:
            raise CurrencyMismatch(source.currency, destination.currency)
        transfers.append(
            Transfer(
                id=posting.transfer_id,
                from_account_id=source.id,
                to_account_id=destination.id,
                amount=in_currency(posting.amount, source.currency, field="transfers"),
                currency=source.currency,
                created_at=now,
                memo=posting.memo,
                idempotency_key=request.key,
                initiated_by=request.principal.subject,
                batch_id=request.batch_id if request.batch else None,
                metadata=posting.metadata,
                reversal_of=request.reverses.id if request.reverses is not None else None,
                exchange=posting.exchange,
            )
        )
    reversed_after = _reversed(request.reverses, transfers)
    kind = (
        ChangeKind.REVERSAL
        if request.reverses is not None
        else ChangeKind.BATCH
        if request.batch
        else None
    )
    changes = tuple(
        _change(
            accounts[account_id],
            request.postings,
            transfers,
            created=account_id in request.creates,
            kind=kind,
        )
        for account_id in request.account_ids
    )
    for change in changes:
        if not change.before.can_cover(-change.net):
            raise InsufficientFunds(change.before.id)
    batch = Batch(
        id=request.batch_id,
        transfers=tuple(transfers),
        created_at=now,
        idempotency_key=request.key,
        initiated_by=request.principal.subject,
        metadata=request.metadata,
    )
    return PostingPlan(
        batch,
        changes,
        request.fingerprint,
        request.stored_key,
        write_batch=request.batch,
        reverses=request.reverses,
        reversed_after=reversed_after,
        quote_id=request.quote_id,
    )


def _reversed(original: Transfer | None, transfers: Sequence[Transfer]) -> Transfer | None:
    """The original transfer once `transfers` (its one reversal) commit. Raises
    ReversalExceedsOriginal when the reversals would give back more than it moved."""
    if original is None:
        return None
    [reversal] = transfers
    total = original.reversed_amount + reversal.amount
    if total > original.amount:
        remaining = format(original.amount - original.reversed_amount, "f")
        raise ReversalExceedsOriginal(original.id, remaining)
    return replace(original, reversed_amount=total, reversals=(*original.reversals, reversal.id))


def _change(
    account: Account,
    postings: Sequence[Posting],
    transfers: Sequence[Transfer],
    *,
    created: bool,
    kind: ChangeKind | None = None,
) -> AccountChange:
    sides: list[tuple[Direction, Posting, Transfer]] = []
    for direction in (Direction.CREDIT, Direction.DEBIT):
        for posting, transfer in zip(postings, transfers, strict=True):
            own = posting.to_id if direction is Direction.CREDIT else posting.from_id
            if own == account.id:
                sides.append((direction, posting, transfer))
    entries: list[Entry] = []
    head = account
    balance, version = account.balance, account.version
    for direction, posting, transfer in sides:
        credit = direction is Direction.CREDIT
        balance += transfer.amount if credit else -transfer.amount
        version += 1
        entry = chaining.chain(
            head,
            Entry(
                id=posting.credit_id if credit else posting.debit_id,
                transfer_id=transfer.id,
                account_id=account.id,
                counterparty_id=posting.from_id if credit else posting.to_id,
                direction=direction,
                amount=transfer.amount,
                balance_after=balance,
                version=version,
                currency=transfer.currency,
                created_at=transfer.created_at,
                memo=transfer.memo,
                exchange=posting.exchange,
                pending_after=account.pending_debits,
                kind=kind,
                metadata=posting.metadata,
            ),
        )
        head = chaining.after(head, entry)
        entries.append(entry)
    return AccountChange(account, tuple(entries), created)
