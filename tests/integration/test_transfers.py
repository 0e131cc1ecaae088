"""Transfers: one transaction, exact amounts, typed refusals that write nothing, idempotency."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from decimal import Decimal

import pytest

from services import (
    AccountNotFound,
    CurrencyMismatch,
    Direction,
    ErrorCode,
    IdempotencyConflict,
    InsufficientFunds,
    InvalidAmount,
    InvalidInput,
    Ledger,
    LedgerError,
    SameAccount,
)
from services.settings import Settings
from tests.helpers import items_of_type, table_items


@pytest.fixture
async def funded(ledger: Ledger) -> Ledger:
    await ledger.create_account_with_balance("alice", "100.00", currency="USD")
    await ledger.create_account_with_balance("bob", "5.00", currency="USD")
    await ledger.create_account_with_balance("yen", "1000", currency="JPY")
    await ledger.create_account_with_balance("yen2", "0", currency="JPY")
    await ledger.create_account_with_balance("dinar", "10.000", currency="KWD")
    await ledger.create_account_with_balance("dinar2", "0", currency="KWD")
    return ledger


async def test_transfer_writes_both_sides_and_the_record(
    funded: Ledger, settings: Settings
) -> None:
    transfer = await funded.transfer_credits("alice", "bob", "12.34", memo="lunch")
    assert (transfer.amount, transfer.currency, transfer.memo) == (Decimal("12.34"), "USD", "lunch")
    assert await funded.inquire_balance("alice") == Decimal("87.66")
    assert await funded.inquire_balance("bob") == Decimal("17.34")
    [debit] = (await funded.get_transactions("alice", 1)).entries
    [credit] = (await funded.get_transactions("bob", 1)).entries
    assert (debit.direction, debit.counterparty_id, debit.balance_after, debit.version) == (
        Direction.DEBIT,
        "bob",
        Decimal("87.66"),
        2,
    )
    assert (credit.direction, credit.counterparty_id, credit.balance_after, credit.version) == (
        Direction.CREDIT,
        "alice",
        Decimal("17.34"),
        2,
    )
    assert debit.transfer_id == credit.transfer_id == transfer.id
    assert debit.memo == credit.memo == "lunch"
    assert debit.created_at.utcoffset() == timedelta(0)
    assert await funded.get_transfer(transfer.id) == transfer
    transfers = items_of_type(await table_items(settings), "TRANSFER")
    assert [t["amount"] for t in transfers] == [{"N": "12.34"}]


async def test_whole_balance_can_move(funded: Ledger) -> None:
    await funded.transfer_credits("bob", "alice", Decimal("5"))
    assert await funded.inquire_balance("bob") == Decimal("0.00")


@pytest.mark.parametrize(
    ("from_id", "to_id", "amount", "error", "code", "field"),
    [
        ("ghost", "bob", "1.00", AccountNotFound, ErrorCode.ACCOUNT_NOT_FOUND, "from_id"),
        ("alice", "ghost", "1.00", AccountNotFound, ErrorCode.ACCOUNT_NOT_FOUND, "to_id"),
        ("", "bob", "1.00", AccountNotFound, ErrorCode.ACCOUNT_NOT_FOUND, "from_id"),
        ("alice", "bob", "100.01", InsufficientFunds, ErrorCode.INSUFFICIENT_FUNDS, "amount"),
        ("bob", "alice", "5.01", InsufficientFunds, ErrorCode.INSUFFICIENT_FUNDS, "amount"),
        ("alice", "alice", "1.00", SameAccount, ErrorCode.SAME_ACCOUNT, "to_id"),
        ("alice", "yen", "1", CurrencyMismatch, ErrorCode.CURRENCY_MISMATCH, "to_id"),
        ("alice", "bob", "0", InvalidAmount, ErrorCode.INVALID_AMOUNT, "amount"),
        ("alice", "bob", "0.00", InvalidAmount, ErrorCode.INVALID_AMOUNT, "amount"),
        ("alice", "bob", "-1.00", InvalidAmount, ErrorCode.INVALID_AMOUNT, "amount"),
        ("alice", "bob", "NaN", InvalidAmount, ErrorCode.INVALID_AMOUNT, "amount"),
        ("alice", "bob", "-Infinity", InvalidAmount, ErrorCode.INVALID_AMOUNT, "amount"),
        ("alice", "bob", "Infinity", InvalidAmount, ErrorCode.INVALID_AMOUNT, "amount"),
        ("alice", "bob", "1000000000000.01", InvalidAmount, ErrorCode.INVALID_AMOUNT, "amount"),
        ("alice", "bob", "1e30", InvalidAmount, ErrorCode.INVALID_AMOUNT, "amount"),
        ("alice", "bob", "0.001", InvalidAmount, ErrorCode.INVALID_AMOUNT, "amount"),
        ("alice", "bob", "1.999", InvalidAmount, ErrorCode.INVALID_AMOUNT, "amount"),
        ("alice", "bob", 0.5, InvalidAmount, ErrorCode.INVALID_AMOUNT, "amount"),
        ("alice", "bob", "1,00", InvalidAmount, ErrorCode.INVALID_AMOUNT, "amount"),
        ("alice", "bob", "", InvalidAmount, ErrorCode.INVALID_AMOUNT, "amount"),
        ("alice", "bob", None, InvalidAmount, ErrorCode.INVALID_AMOUNT, "amount"),
        ("yen", "yen2", "0.5", InvalidAmount, ErrorCode.INVALID_AMOUNT, "amount"),
        ("dinar", "dinar2", "0.0001", InvalidAmount, ErrorCode.INVALID_AMOUNT, "amount"),
    ],
)
async def test_refused_transfers_write_nothing(
    funded: Ledger,
    settings: Settings,
    from_id: str,
    to_id: str,
    amount: object,
    error: type[LedgerError],
    code: ErrorCode,
    field: str,
) -> None:
    before = await table_items(settings)
    with pytest.raises(error) as raised:
        await funded.transfer_credits(from_id, to_id, amount)  # type: ignore[arg-type]
    assert raised.value.code is code
    assert raised.value.field == field
    assert raised.value.message
    assert await table_items(settings) == before


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"memo": "x" * 257}, "memo"),
        ({"memo": "line\nbreak"}, "memo"),
        ({"idempotency_key": ""}, "idempotency_key"),
        ({"idempotency_key": "k" * 129}, "idempotency_key"),
        ({"idempotency_key": " padded "}, "idempotency_key"),
    ],
)
async def test_refused_options_write_nothing(
    funded: Ledger, settings: Settings, kwargs: dict[str, str], field: str
) -> None:
    before = await table_items(settings)
    with pytest.raises(InvalidInput) as raised:
        await funded.transfer_credits("alice", "bob", "1.00", **kwargs)  # type: ignore[arg-type]
    assert raised.value.field == field
    assert await table_items(settings) == before


async def test_three_decimal_and_zero_decimal_currencies(funded: Ledger) -> None:
    await funded.transfer_credits("dinar", "dinar2", "0.125")
    await funded.transfer_credits("yen", "yen2", 999)
    assert format(await funded.inquire_balance("dinar"), "f") == "9.875"
    assert format(await funded.inquire_balance("yen2"), "f") == "999"


async def test_idempotent_retry_moves_money_once(funded: Ledger, settings: Settings) -> None:
    first = await funded.transfer_credits("alice", "bob", "10.00", idempotency_key="pay-1")
    again = await funded.transfer_credits("alice", "bob", "10", idempotency_key="pay-1")
    assert again == first
    # Still the original answer once the balance could no longer cover it.
    await funded.transfer_credits("alice", "bob", "90.00")
    assert await funded.transfer_credits("alice", "bob", "10.0", idempotency_key="pay-1") == first
    assert await funded.inquire_balance("bob") == Decimal("105.00")
    assert len(items_of_type(await table_items(settings), "TRANSFER")) == 2


async def test_changed_payload_under_a_key_is_a_conflict(
    funded: Ledger, settings: Settings
) -> None:
    await funded.transfer_credits("alice", "bob", "10.00", idempotency_key="pay-2", memo="a")
    before = await table_items(settings)
    for changed in (
        {"from_id": "alice", "to_id": "bob", "amount": "10.01", "memo": "a"},
        {"from_id": "bob", "to_id": "alice", "amount": "10.00", "memo": "a"},
        {"from_id": "alice", "to_id": "bob", "amount": "10.00", "memo": "b"},
        {"from_id": "alice", "to_id": "bob", "amount": "10.00", "memo": None},
    ):
        with pytest.raises(IdempotencyConflict) as raised:
            await funded.transfer_credits(idempotency_key="pay-2", **changed)  # type: ignore[arg-type]
        assert raised.value.code is ErrorCode.IDEMPOTENCY_CONFLICT
    assert await table_items(settings) == before


async def test_concurrent_retries_with_one_key_move_money_once(
    funded: Ledger, settings: Settings
) -> None:
    # Separate connections stand for separate server processes: no shared in-process lock.
    async with Ledger.connect(settings) as other, Ledger.connect(settings) as third:
        callers = [funded, other, third] * 10
        results = await asyncio.gather(
            *(
                ledger.transfer_credits("alice", "bob", "7.00", idempotency_key="pay-3")
                for ledger in callers
            )
        )
    assert len({result.id for result in results}) == 1
    assert await funded.inquire_balance("alice") == Decimal("93.00")
    assert len(items_of_type(await table_items(settings), "TRANSFER")) == 1
    assert len(items_of_type(await table_items(settings), "IDEMPOTENCY")) == 1
