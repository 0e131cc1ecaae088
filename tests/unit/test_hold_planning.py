"""Pure planning of holds: what an authorization, a capture, a void and an expiry write."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from services.domain.errors import (
    AmountExceedsAuthorized,
    CurrencyMismatch,
    InsufficientFunds,
    InvalidAmount,
    TransferNotPending,
)
from services.domain.events import BalanceChanged
from services.domain.holds import HoldStatus
from services.domain.model import Account, ChangeKind, Direction, Entry
from services.hub import wire
from services.integrity.verify import AccountHead, verify_entries
from services.ledger import chaining
from services.ledger.hold_planning import (
    AuthorizeRequest,
    plan_authorize,
    plan_capture,
    plan_release,
)
from services.ledger.planning import opening_entry

NOW = datetime(2026, 11, 30, 4, 30, tzinfo=UTC)
#: The opening entry of each account `opened` last built.
OPENINGS: dict[str, Entry | None] = {}


def clock() -> datetime:
    return NOW


def opened(
    account_id: str, balance: str, limit: str | None = "0", currency: str = "USD"
) -> Account:
    account = Account(
        id=account_id,
        balance=Decimal(balance),
        currency=currency,
        created_at=NOW - timedelta(days=1),
        version=0,
        overdraft_limit=None if limit is None else Decimal(limit),
    )
    at = account.created_at
    opening = (
        opening_entry(account, f"O-{account_id}", f"OT-{account_id}", at)
        if Decimal(balance)
        else None
    )
    start, first = chaining.opened(account, opening)
    OPENINGS[account_id] = first
    return start


def request(amount: str, expires_in: int = 60) -> AuthorizeRequest:
    return AuthorizeRequest(
        "H1", "E1", "alice", "bob", Decimal(amount), expires_in, "memo", {"k": "v"}, "key", "sub"
    )


def test_authorize_reserves_on_the_source_only() -> None:
    alice, bob = opened("alice", "100"), opened("bob", "0")
    plan = plan_authorize(request("30.00"), alice, bob, clock)
    [change] = plan.changes
    [entry] = change.entries
    assert (entry.direction, entry.kind, entry.amount, entry.delta) == (
        Direction.HOLD,
        ChangeKind.HOLD_AUTHORIZED,
        Decimal("30.00"),
        Decimal(0),
    )
    assert (entry.balance_after, entry.pending_after, entry.available_after) == (
        Decimal(100),
        Decimal("30.00"),
        Decimal("70.00"),
    )
    after = change.after
    assert (after.version, after.pending_debits, after.available_balance) == (
        2,
        Decimal("30.00"),
        Decimal("70.00"),
    )
    assert after.head_hash == entry.hash is not None
    hold = plan.after
    assert (hold.status, hold.expires_at, hold.metadata) == (
        HoldStatus.PENDING,
        NOW + timedelta(seconds=60),
        {"k": "v"},
    )
    assert plan.before is None


@pytest.mark.parametrize(
    ("balance", "pending", "limit", "amount", "allowed"),
    [
        ("100", "0", "0", "100", True),
        ("100", "0", "0", "100.01", False),
        ("100", "60", "0", "40", True),
        ("100", "60", "0", "40.01", False),
        ("100", "60", "25", "65", True),
        ("100", "60", "25", "65.01", False),
        ("-10", "0", None, "1000000", True),
    ],
)
def test_authorize_needs_available_balance_within_the_overdraft(
    balance: str, pending: str, limit: str | None, amount: str, allowed: bool
) -> None:
    alice = replace(opened("alice", balance, limit), pending_debits=Decimal(pending))
    bob = opened("bob", "0")
    if allowed:
        plan_authorize(request(amount), alice, bob, clock)
    else:
        with pytest.raises(InsufficientFunds):
            plan_authorize(request(amount), alice, bob, clock)


def test_authorize_refuses_other_currencies_and_too_many_decimals() -> None:
    with pytest.raises(CurrencyMismatch):
        plan_authorize(
            request("1"), opened("alice", "9"), opened("bob", "0", currency="EUR"), clock
        )
    with pytest.raises(InvalidAmount):
        plan_authorize(request("1.001"), opened("alice", "9"), opened("bob", "0"), clock)


def authorized() -> tuple[Account, Account, object]:
    alice, bob = opened("alice", "100"), opened("bob", "0")
    plan = plan_authorize(request("30"), alice, bob, clock)
    return plan.changes[0].after, bob, plan


def test_partial_capture_releases_all_then_debits_the_part() -> None:
    alice, bob, first = authorized()
    hold = first.after  # type: ignore[attr-defined]
    plan = plan_capture(
        hold, {"alice": alice, "bob": bob}, Decimal("12.5"), ("T", "R", "D", "C"), clock
    )
    source, destination = plan.changes
    release, debit = source.entries
    assert (release.direction, release.amount, release.pending_after) == (
        Direction.RELEASE,
        Decimal("30.00"),
        Decimal(0),
    )
    assert (debit.direction, debit.amount, debit.balance_after, debit.version) == (
        Direction.DEBIT,
        Decimal("12.50"),
        Decimal("87.50"),
        4,
    )
    assert debit.previous_hash == release.hash
    [credit] = destination.entries
    assert (credit.direction, credit.balance_after, credit.kind) == (
        Direction.CREDIT,
        Decimal("12.50"),
        ChangeKind.HOLD_CAPTURED,
    )
    assert plan.transfer is not None
    assert (plan.transfer.debit_version, plan.transfer.credit_version) == (4, 1)
    assert (plan.after.status, plan.after.captured_amount, plan.after.transfer_id) == (
        HoldStatus.POSTED,
        Decimal("12.50"),
        "T",
    )
    # The whole history still verifies: HOLD and RELEASE move no balance.
    opening = OPENINGS["alice"]
    assert opening is not None
    entries = [opening, *first.changes[0].entries, release, debit]  # type: ignore[attr-defined]
    head = AccountHead.of(source.after, source.after.head_hash)
    assert list(verify_entries(head, entries)) == []


def test_capture_refuses_more_than_authorized_and_ended_holds() -> None:
    alice, bob, first = authorized()
    hold = first.after  # type: ignore[attr-defined]
    accounts = {"alice": alice, "bob": bob}
    with pytest.raises(AmountExceedsAuthorized):
        plan_capture(hold, accounts, Decimal("30.01"), ("T", "R", "D", "C"), clock)
    for status in (HoldStatus.POSTED, HoldStatus.VOIDED, HoldStatus.EXPIRED):
        with pytest.raises(TransferNotPending):
            plan_capture(replace(hold, status=status), accounts, None, ("T", "R", "D", "C"), clock)
        with pytest.raises(TransferNotPending):
            plan_release(replace(hold, status=status), alice, HoldStatus.VOIDED, "E", clock)


@pytest.mark.parametrize(
    ("status", "kind"),
    [(HoldStatus.VOIDED, ChangeKind.HOLD_VOIDED), (HoldStatus.EXPIRED, ChangeKind.HOLD_EXPIRED)],
)
def test_void_and_expiry_release_the_whole_hold(status: HoldStatus, kind: ChangeKind) -> None:
    alice, _, first = authorized()
    plan = plan_release(first.after, alice, status, "E2", clock)  # type: ignore[attr-defined]
    [change] = plan.changes
    [entry] = change.entries
    assert (entry.direction, entry.kind, entry.pending_after, entry.balance_after) == (
        Direction.RELEASE,
        kind,
        Decimal(0),
        Decimal(100),
    )
    assert (plan.after.status, plan.after.ended_at) == (status, NOW)
    assert change.after.available_balance == Decimal(100)


def test_hold_entries_cross_the_wire_with_their_kind_and_pending_debits() -> None:
    _, _, first = authorized()
    [entry] = first.changes[0].entries  # type: ignore[attr-defined]
    event = BalanceChanged(entry)
    back = wire.loads(wire.dumps(event))
    assert (back.entry.kind, back.entry.pending_after, back.entry.direction) == (
        ChangeKind.HOLD_AUTHORIZED,
        Decimal("30.00"),
        Direction.HOLD,
    )
