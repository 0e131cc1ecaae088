"""Reversals: full or partial, never beyond the original, linked both ways, idempotent."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from services import (
    ErrorCode,
    IdempotencyConflict,
    InsufficientFunds,
    InvalidAmount,
    Ledger,
    LedgerError,
    ReversalExceedsOriginal,
    TransferNotFound,
)
from services.domain.errors import Forbidden
from services.identity.principal import AuthMethod, Principal
from services.settings import Settings
from tests.helpers import balances_by_account, items_of_type, table_items

ALICE = Principal(subject="alice-sub", is_operator=False, method=AuthMethod.JWT)
BOB = Principal(subject="bob-sub", is_operator=False, method=AuthMethod.JWT)
MALLORY = Principal(subject="mallory-sub", is_operator=False, method=AuthMethod.JWT)


@pytest.fixture
async def paid(ledger: Ledger) -> tuple[Ledger, str]:
    await ledger.create_account_with_balance("alice", "100.00", owner_id="alice-sub")
    await ledger.create_account_with_balance("bob", "0", owner_id="bob-sub")
    transfer = await ledger.transfer_credits("alice", "bob", "40.00", memo="order")
    return ledger, transfer.id


async def test_partial_then_full_reversal_links_both_ways(paid: tuple[Ledger, str]) -> None:
    ledger, original_id = paid
    first = await ledger.reverse_transfer(original_id, "15.00", memo="partial refund")
    assert (first.from_account_id, first.to_account_id, first.amount) == (
        "bob",
        "alice",
        Decimal("15.00"),
    )
    assert first.reversal_of == original_id
    rest = await ledger.reverse_transfer(original_id)  # all that is left
    assert rest.amount == Decimal("25.00")
    original = await ledger.get_transfer(original_id)
    assert original is not None
    assert original.reversed_amount == Decimal("40.00")
    assert original.reversals == (first.id, rest.id)
    assert await ledger.inquire_balance("alice") == Decimal("100.00")
    with pytest.raises(ReversalExceedsOriginal) as raised:
        await ledger.reverse_transfer(original_id, "0.01")
    assert (raised.value.code, raised.value.field) == (
        ErrorCode.REVERSAL_EXCEEDS_ORIGINAL,
        "amount",
    )


async def test_concurrent_reversals_never_exceed_the_original(
    paid: tuple[Ledger, str], settings: Settings
) -> None:
    ledger, original_id = paid
    async with Ledger.connect(settings) as other:

        async def one(on: Ledger) -> str:
            try:
                return (await on.reverse_transfer(original_id, "7.00")).id
            except ReversalExceedsOriginal:
                return "refused"

        outcomes = await asyncio.gather(*(one(on) for on in [ledger, other] * 5))
    assert outcomes.count("refused") == 10 - 5  # 5 x 7.00 fit in 40.00, a sixth does not
    original = await ledger.get_transfer(original_id)
    assert original is not None
    assert original.reversed_amount == Decimal("35.00")
    assert set(original.reversals) == {o for o in outcomes if o != "refused"}
    balances = balances_by_account(await table_items(settings))
    assert balances == {"alice": Decimal("95.00"), "bob": Decimal("5.00")}


async def test_a_replay_returns_the_original_reversal(
    paid: tuple[Ledger, str], settings: Settings
) -> None:
    ledger, original_id = paid
    first = await ledger.reverse_transfer(original_id, "5", idempotency_key="refund-1")
    again = await ledger.reverse_transfer(original_id, "5.00", idempotency_key="refund-1")
    assert again == first
    with pytest.raises(IdempotencyConflict):
        await ledger.reverse_transfer(original_id, "6", idempotency_key="refund-1")
    assert len(items_of_type(await table_items(settings), "TRANSFER")) == 2


async def test_who_may_reverse(paid: tuple[Ledger, str], settings: Settings) -> None:
    ledger, original_id = paid
    before = await table_items(settings)
    with pytest.raises(TransferNotFound):  # a stranger cannot even tell it exists
        await ledger.reverse_transfer(original_id, principal=MALLORY)
    with pytest.raises(Forbidden):  # the sender sees it but the money is not in its account
        await ledger.reverse_transfer(original_id, principal=ALICE)
    assert await table_items(settings) == before
    refund = await ledger.reverse_transfer(original_id, "1.00", principal=BOB)
    assert refund.initiated_by == "bob-sub"


@pytest.mark.parametrize(
    ("transfer_id", "amount", "error", "code"),
    [
        ("no-such-transfer", None, TransferNotFound, ErrorCode.TRANSFER_NOT_FOUND),
        (" ", None, TransferNotFound, ErrorCode.TRANSFER_NOT_FOUND),
        (None, "0", InvalidAmount, ErrorCode.INVALID_AMOUNT),
        (None, "-1", InvalidAmount, ErrorCode.INVALID_AMOUNT),
        (None, "0.001", InvalidAmount, ErrorCode.INVALID_AMOUNT),
        (None, "1e40", InvalidAmount, ErrorCode.INVALID_AMOUNT),
        (None, "40.01", ReversalExceedsOriginal, ErrorCode.REVERSAL_EXCEEDS_ORIGINAL),
    ],
)
async def test_refused_reversals_write_nothing(
    paid: tuple[Ledger, str],
    settings: Settings,
    transfer_id: str | None,
    amount: str | None,
    error: type[LedgerError],
    code: ErrorCode,
) -> None:
    ledger, original_id = paid
    before = await table_items(settings)
    with pytest.raises(error) as raised:
        await ledger.reverse_transfer(
            transfer_id if transfer_id is not None else original_id, amount
        )
    assert raised.value.code is code
    assert await table_items(settings) == before


async def test_a_reversal_needs_the_money_back_in_the_account(
    paid: tuple[Ledger, str], settings: Settings
) -> None:
    ledger, original_id = paid
    await ledger.create_account_with_balance("carol", "0")
    await ledger.transfer_credits("bob", "carol", "39.00")
    before = await table_items(settings)
    with pytest.raises(InsufficientFunds):
        await ledger.reverse_transfer(original_id, "2.00")
    assert await table_items(settings) == before
