from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from services.domain.model import Account, Direction, Transfer
from services.ledger.planning import fingerprint, opening_entry, plan_transfer

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def account(account_id: str, balance: str, version: int, currency: str = "USD") -> Account:
    return Account(
        id=account_id,
        balance=Decimal(balance),
        currency=currency,
        created_at=NOW,
        version=version,
        email=f"{account_id}@example.com",
    )


def transfer(amount: str, memo: str | None = "rent") -> Transfer:
    return Transfer(
        id="T1",
        from_account_id="alice",
        to_account_id="bob",
        amount=Decimal(amount),
        currency="USD",
        created_at=NOW,
        memo=memo,
        idempotency_key="key-1",
    )


@pytest.mark.parametrize(
    ("first", "second"),
    [("10", "10.00"), ("10.5", "10.50"), ("1E+2", "100"), ("100", "100.000"), ("0.1", "0.10")],
)
def test_fingerprint_compares_amounts_by_value(first: str, second: str) -> None:
    assert fingerprint("alice", "bob", Decimal(first), "m") == fingerprint(
        "alice", "bob", Decimal(second), "m"
    )


def test_fingerprint_is_a_stable_sha256_hex_digest() -> None:
    # Stored idempotency records hold this digest: its input format must never drift.
    value = fingerprint("alice", "bob", Decimal("10.50"), None)
    assert value == hashlib.sha256(b"alice\x1fbob\x1f10.5\x1f").hexdigest()


@pytest.mark.parametrize(
    "changed",
    [
        ("bob", "alice", Decimal("10"), "m"),
        ("alice", "carol", Decimal("10"), "m"),
        ("carol", "bob", Decimal("10"), "m"),
        ("alice", "bob", Decimal("10.01"), "m"),
        ("alice", "bob", Decimal("1"), "m"),
        ("alice", "bob", Decimal("100"), "m"),
        ("alice", "bob", Decimal("10.0000000000000000000000000000001"), "m"),
        ("alice", "bob", Decimal("10"), "other"),
        ("alice", "bob", Decimal("10"), None),
    ],
)
def test_fingerprint_differs_when_any_parameter_differs(
    changed: tuple[str, str, Decimal, str | None],
) -> None:
    assert fingerprint(*changed) != fingerprint("alice", "bob", Decimal("10"), "m")


def test_fingerprint_treats_no_memo_and_empty_memo_alike() -> None:
    assert fingerprint("a", "b", Decimal(1), None) == fingerprint("a", "b", Decimal(1), "")


def test_fingerprint_fields_cannot_run_into_each_other() -> None:
    assert fingerprint("ab", "c", Decimal(1), None) != fingerprint("a", "bc", Decimal(1), None)


def test_plan_transfer_computes_both_sides() -> None:
    source = account("alice", "100.00", 3)
    destination = account("bob", "5.50", 0)
    plan = plan_transfer(
        transfer=transfer("30.25"),
        source=source,
        destination=destination,
        debit_id="D1",
        credit_id="C1",
        request_fingerprint="fp",
    )

    assert plan.source_before is source
    assert plan.destination_before is destination
    assert plan.fingerprint == "fp"

    debit, credit = plan.debit, plan.credit
    assert (debit.id, debit.transfer_id, debit.account_id, debit.counterparty_id) == (
        "D1",
        "T1",
        "alice",
        "bob",
    )
    assert debit.direction is Direction.DEBIT
    assert debit.amount == Decimal("30.25")
    assert debit.balance_after == Decimal("69.75")
    assert debit.version == 4
    assert debit.delta == Decimal("-30.25")

    assert (credit.id, credit.transfer_id, credit.account_id, credit.counterparty_id) == (
        "C1",
        "T1",
        "bob",
        "alice",
    )
    assert credit.direction is Direction.CREDIT
    assert credit.amount == Decimal("30.25")
    assert credit.balance_after == Decimal("35.75")
    assert credit.version == 1
    assert credit.delta == Decimal("30.25")

    for entry in (debit, credit):
        assert entry.currency == "USD"
        assert entry.created_at == NOW
        assert entry.memo == "rent"

    # The account after remembers its last entry's time (the chain's `head_at`).
    assert plan.source_after == replace(account("alice", "69.75", 4), head_at=NOW)
    assert plan.destination_after == replace(account("bob", "35.75", 1), head_at=NOW)
    assert debit.delta + credit.delta == 0


def test_plan_transfer_can_empty_the_source_exactly() -> None:
    plan = plan_transfer(
        transfer=transfer("0.30"),
        source=account("alice", "0.30", 1),
        destination=account("bob", "0", 0),
        debit_id="D",
        credit_id="C",
        request_fingerprint=None,
    )
    assert plan.debit.balance_after == 0
    assert plan.credit.balance_after == Decimal("0.30")
    assert plan.fingerprint is None


def test_opening_entry_is_the_first_credit() -> None:
    opened = account("alice", "12.34", 1)
    entry = opening_entry(opened, "E1", "T0", NOW)
    assert entry.id == "E1"
    assert entry.transfer_id == "T0"
    assert entry.account_id == "alice"
    assert entry.counterparty_id is None
    assert entry.direction is Direction.CREDIT
    assert entry.amount == entry.balance_after == Decimal("12.34")
    assert entry.version == 1
    assert entry.currency == "USD"
    assert entry.created_at == NOW
