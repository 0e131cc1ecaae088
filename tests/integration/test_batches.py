"""Atomic batches: one transaction for N transfers, net updates, all or none, idempotency."""

from __future__ import annotations

import asyncio
from collections import Counter
from decimal import Decimal

import pytest

from services import (
    AccountNotFound,
    BatchTooLarge,
    CurrencyMismatch,
    ErrorCode,
    IdempotencyConflict,
    InsufficientFunds,
    InvalidAmount,
    InvalidInput,
    Ledger,
    LedgerError,
    SameAccount,
    TransferLeg,
)
from services.settings import Settings
from tests.helpers import balances_by_account, items_of_type, table_items


@pytest.fixture
async def funded(ledger: Ledger) -> Ledger:
    await ledger.create_account_with_balance("payer", "100.00")
    await ledger.create_account_with_balance("shop", "0")
    await ledger.create_account_with_balance("fees", "0")
    await ledger.create_account_with_balance("yen", "1000", currency="JPY")
    return ledger


SPLIT = [
    TransferLeg("payer", "shop", "30.00", memo="order 17", metadata={"order": "17"}),
    TransferLeg("shop", "fees", "0.90", memo="fee"),
    TransferLeg("payer", "fees", "1.00"),
]


async def test_a_batch_commits_every_transfer_once_per_account(
    funded: Ledger, settings: Settings
) -> None:
    batch = await funded.post_transfers(SPLIT, idempotency_key="b1", metadata={"cart": "c9"})
    assert [t.amount for t in batch.transfers] == [Decimal("30.00"), Decimal("0.90"), Decimal(1)]
    assert dict(batch.metadata) == {"cart": "c9"}
    assert all(t.batch_id == batch.id for t in batch.transfers)
    items = await table_items(settings)
    assert balances_by_account(items) == {
        "payer": Decimal("69.00"),
        "shop": Decimal("29.10"),
        "fees": Decimal("1.90"),
        "yen": Decimal(1000),
    }
    entries = items_of_type(items, "ENTRY")
    per_account = Counter(e["account_id"]["S"] for e in entries if "counterparty_id" in e)
    assert per_account == {"payer": 2, "shop": 2, "fees": 2}
    assert (await funded.get_account("shop")).version == 2
    history = (await funded.get_transactions("shop", 10)).entries
    assert [(e.version, e.balance_after) for e in history] == [
        (2, Decimal("29.10")),
        (1, Decimal("30.00")),
    ]
    first = await funded.get_transfer(batch.transfers[0].id)
    assert first is not None
    assert dict(first.metadata) == {"order": "17"}
    assert await funded.get_batch(batch.id) == batch


async def test_a_replay_returns_the_original_batch_and_moves_money_once(
    funded: Ledger, settings: Settings
) -> None:
    first = await funded.post_transfers(SPLIT, idempotency_key="b2")
    async with Ledger.connect(settings) as other:
        replays = await asyncio.gather(
            *(ledger.post_transfers(SPLIT, idempotency_key="b2") for ledger in [funded, other] * 5)
        )
    assert {r.id for r in replays} == {first.id}
    assert await funded.inquire_balance("payer") == Decimal("69.00")
    before = await table_items(settings)
    with pytest.raises(IdempotencyConflict):
        await funded.post_transfers(SPLIT[:2], idempotency_key="b2")
    await funded.transfer_credits("payer", "shop", "1", idempotency_key="t1")
    with pytest.raises(IdempotencyConflict):  # a transfer's key is not a batch's
        await funded.post_transfers(SPLIT, idempotency_key="t1")
    assert len(items_of_type(await table_items(settings), "BATCH")) == 1
    assert len(items_of_type(before, "BATCH")) == 1


async def test_concurrent_batches_and_transfers_on_shared_accounts(
    funded: Ledger, settings: Settings
) -> None:
    async with Ledger.connect(settings) as other:
        await asyncio.gather(
            *(
                ledger.post_transfers(
                    [TransferLeg("payer", "shop", "1.00"), TransferLeg("shop", "fees", "0.10")]
                )
                for ledger in [funded, other] * 10
            ),
            *(funded.transfer_credits("payer", "fees", "0.50") for _ in range(10)),
        )
    balances = balances_by_account(await table_items(settings))
    assert balances["payer"] == Decimal("75.00")
    assert balances["shop"] == Decimal("18.00")
    assert balances["fees"] == Decimal("7.00")


@pytest.mark.parametrize(
    ("legs", "error", "code"),
    [
        ([], InvalidInput, ErrorCode.INVALID_INPUT),
        ([TransferLeg("ghost", "shop", "1")], AccountNotFound, ErrorCode.ACCOUNT_NOT_FOUND),
        ([TransferLeg("payer", "ghost", "1")], AccountNotFound, ErrorCode.ACCOUNT_NOT_FOUND),
        ([TransferLeg("", "shop", "1")], AccountNotFound, ErrorCode.ACCOUNT_NOT_FOUND),
        ([TransferLeg("payer", "payer", "1")], SameAccount, ErrorCode.SAME_ACCOUNT),
        ([TransferLeg("payer", "yen", "1")], CurrencyMismatch, ErrorCode.CURRENCY_MISMATCH),
        ([TransferLeg("payer", "shop", "0")], InvalidAmount, ErrorCode.INVALID_AMOUNT),
        ([TransferLeg("payer", "shop", "-1")], InvalidAmount, ErrorCode.INVALID_AMOUNT),
        ([TransferLeg("payer", "shop", "1e40")], InvalidAmount, ErrorCode.INVALID_AMOUNT),
        ([TransferLeg("payer", "shop", "0.001")], InvalidAmount, ErrorCode.INVALID_AMOUNT),
        ([TransferLeg("payer", "shop", 0.5)], InvalidAmount, ErrorCode.INVALID_AMOUNT),
        ([TransferLeg("payer", "shop", "x" * 10)], InvalidAmount, ErrorCode.INVALID_AMOUNT),
        ([TransferLeg("payer", "shop", "1", memo="a\nb")], InvalidInput, ErrorCode.INVALID_INPUT),
        (
            [TransferLeg("payer", "shop", "1", metadata={"": "x"})],
            InvalidInput,
            ErrorCode.INVALID_INPUT,
        ),
        (
            # All or none: the second leg overdraws, so the first is not written either.
            [TransferLeg("payer", "shop", "60"), TransferLeg("payer", "fees", "40.01")],
            InsufficientFunds,
            ErrorCode.INSUFFICIENT_FUNDS,
        ),
        ([TransferLeg("payer", "shop", "0.01")] * 33, BatchTooLarge, ErrorCode.BATCH_TOO_LARGE),
        ([TransferLeg("payer", "shop", "0.01")] * 1000, BatchTooLarge, ErrorCode.BATCH_TOO_LARGE),
    ],
    ids=lambda value: None if isinstance(value, list) else str(value),
)
async def test_refused_batches_write_nothing(
    funded: Ledger,
    settings: Settings,
    legs: list[TransferLeg],
    error: type[LedgerError],
    code: ErrorCode,
) -> None:
    before = await table_items(settings)
    with pytest.raises(error) as raised:
        await funded.post_transfers(legs, idempotency_key="bad")
    assert raised.value.code is code
    assert raised.value.field is not None
    assert await table_items(settings) == before


async def test_the_largest_batch_commits(funded: Ledger, settings: Settings) -> None:
    accounts = [f"a{n}" for n in range(38)]
    for account_id in accounts:
        await funded.create_account_with_balance(account_id, "1.00")
    legs = [TransferLeg(accounts[2 * n], accounts[2 * n + 1], "1.00") for n in range(19)]
    batch = await funded.post_transfers(legs, idempotency_key="widest")
    assert len(batch.transfers) == 19
    repeated = [TransferLeg("payer", "shop", "0.01")] * 32
    assert len((await funded.post_transfers(repeated, idempotency_key="deepest")).transfers) == 32
    assert await funded.inquire_balance("shop") == Decimal("0.32")
