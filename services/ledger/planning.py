"""Pure transfer planning: from two account snapshots to the exact records one commit writes."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal

from services.domain.errors import AccountNotFound, CurrencyMismatch, InsufficientFunds
from services.domain.model import Account, Direction, Entry, Transfer
from services.domain.money import in_currency
from services.identity import policy
from services.identity.principal import Principal
from services.ledger import chaining


@dataclass(frozen=True, slots=True)
class TransferRequest:
    """One call's fixed identity: its ids survive re-planning, so no retry moves money twice."""

    transfer_id: str
    debit_id: str
    credit_id: str
    from_id: str
    to_id: str
    amount: Decimal
    memo: str | None
    #: The client's idempotency key, as it sent it.
    key: str | None
    fingerprint: str | None
    principal: Principal

    @property
    def stored_key(self) -> str | None:
        """The idempotency key as stored: scoped to the principal that sent it."""
        return policy.scoped_idempotency_key(self.principal, self.key)


@dataclass(frozen=True, slots=True)
class TransferPlan:
    """Everything one TransactWriteItems writes, with the versions it expects to replace."""

    transfer: Transfer
    source_before: Account
    destination_before: Account
    debit: Entry
    credit: Entry
    #: Present when the caller gave an idempotency key: stored in the same transaction.
    fingerprint: str | None
    #: The idempotency key as stored (scoped to the principal); None without a key.
    stored_key: str | None = None

    @property
    def source_after(self) -> Account:
        return chaining.after(self.source_before, self.debit)

    @property
    def destination_after(self) -> Account:
        return chaining.after(self.destination_before, self.credit)


def fingerprint(from_id: str, to_id: str, amount: Decimal, memo: str | None) -> str:
    """What makes two requests under one idempotency key "the same transfer".

    The amount is compared by value: "10.5" and "10.50" are the same request.
    """
    canonical = "\x1f".join((from_id, to_id, _exact_text(amount), memo or ""))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _exact_text(amount: Decimal) -> str:
    # Not `normalize()`: it rounds to the context's 28 digits, so amounts differing further
    # down would share a fingerprint.
    text = format(amount, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def plan_request(
    request: TransferRequest,
    source: Account | None,
    destination: Account | None,
    clock: Callable[[], datetime],
) -> TransferPlan:
    """Check `request` against the two accounts and plan it.

    Raises AccountNotFound, CurrencyMismatch, InvalidAmount (too many decimals for the
    currency) and InsufficientFunds.
    """
    # Someone else's account is indistinguishable from a missing one: ids cannot be probed.
    if source is None or not policy.may_debit_account(request.principal, source.owner_id):
        raise AccountNotFound(request.from_id, field="from_id")
    if destination is None:
        raise AccountNotFound(request.to_id, field="to_id")
    if source.currency != destination.currency:
        raise CurrencyMismatch(source.currency, destination.currency)
    amount = in_currency(request.amount, source.currency, field="amount")
    if not source.can_cover(amount):  # balance - amount >= -overdraft_limit
        raise InsufficientFunds(source.id)
    transfer = Transfer(
        id=request.transfer_id,
        from_account_id=source.id,
        to_account_id=destination.id,
        amount=amount,
        currency=source.currency,
        created_at=chaining.stamp(clock(), source, destination),
        memo=request.memo,
        idempotency_key=request.key,
        initiated_by=request.principal.subject,
    )
    return plan_transfer(
        transfer=transfer,
        source=source,
        destination=destination,
        debit_id=request.debit_id,
        credit_id=request.credit_id,
        request_fingerprint=request.fingerprint,
        stored_key=request.stored_key,
    )


def plan_transfer(
    *,
    transfer: Transfer,
    source: Account,
    destination: Account,
    debit_id: str,
    credit_id: str,
    request_fingerprint: str | None,
    stored_key: str | None = None,
) -> TransferPlan:
    """Balances, versions and chained entries after the transfer; the caller has checked
    funds and currency."""
    transfer = replace(
        transfer, debit_version=source.version + 1, credit_version=destination.version + 1
    )
    debit = Entry(
        id=debit_id,
        transfer_id=transfer.id,
        account_id=source.id,
        counterparty_id=destination.id,
        direction=Direction.DEBIT,
        amount=transfer.amount,
        balance_after=source.balance - transfer.amount,
        version=source.version + 1,
        currency=transfer.currency,
        created_at=transfer.created_at,
        memo=transfer.memo,
        pending_after=source.pending_debits,
    )
    credit = Entry(
        id=credit_id,
        transfer_id=transfer.id,
        account_id=destination.id,
        counterparty_id=source.id,
        direction=Direction.CREDIT,
        amount=transfer.amount,
        balance_after=destination.balance + transfer.amount,
        version=destination.version + 1,
        currency=transfer.currency,
        created_at=transfer.created_at,
        memo=transfer.memo,
        pending_after=destination.pending_debits,
    )
    return TransferPlan(
        transfer=transfer,
        source_before=source,
        destination_before=destination,
        debit=chaining.chain(source, debit),
        credit=chaining.chain(destination, credit),
        fingerprint=request_fingerprint,
        stored_key=stored_key,
    )


def opening_entry(account: Account, entry_id: str, transfer_id: str, at: datetime) -> Entry:
    """The first entry of an account opened with a non-zero balance."""
    return Entry(
        id=entry_id,
        transfer_id=transfer_id,
        account_id=account.id,
        counterparty_id=None,
        direction=Direction.CREDIT,
        amount=account.balance,
        balance_after=account.balance,
        version=1,
        currency=account.currency,
        created_at=at,
        memo="opening balance",
    )
