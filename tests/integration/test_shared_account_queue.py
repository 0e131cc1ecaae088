"""One bounded queue per account for every use case that writes balances, against the embedded
endpoint: transfers, batches, reversals and holds on one hot account wait behind each other
(no version collisions between them in one process), and past the bound each is refused at
once with ACCOUNT_BUSY, a typed and retryable error, while the books stay exact."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

import pytest

from services.domain.errors import AccountBusy, ErrorCode
from services.domain.movements import TransferLeg
from services.ledger import Ledger
from services.ledger.locks import KeyedLocks
from services.settings import Settings
from tests.helpers import balances_by_account, items_of_type, table_items


async def test_a_full_queue_is_account_busy_and_takes_nothing() -> None:
    locks = KeyedLocks(max_waiting=0)
    async with locks.hold_accounts(["a", "b"]):
        with pytest.raises(AccountBusy) as busy:
            async with locks.hold_accounts(["b", "c"]):
                raise AssertionError("the queue of b is full")
    assert (busy.value.code, busy.value.account_id) == (ErrorCode.ACCOUNT_BUSY, "b")
    async with locks.hold_accounts(["a", "b", "c"]):  # everything was released
        pass


async def test_every_kind_of_write_shares_one_bounded_queue(settings: Settings) -> None:
    bounded = settings.model_copy(update={"transfer_max_waiting_per_account": 2})
    async with Ledger.connect(bounded) as ledger:
        await ledger.create_account_with_balance("hot", "1000.00")
        for other in ("p1", "p2", "p3"):
            await ledger.create_account_with_balance(other, "0")
        paid = await ledger.transfer_credits("hot", "p1", "5.00")
        holds = ledger.hold_service()

        def kinds() -> dict[str, Callable[[int], Awaitable[Any]]]:
            return {
                "transfer": lambda n: ledger.transfer_credits("hot", "p2", "1.00"),
                "batch": lambda n: ledger.post_transfers(
                    [TransferLeg("hot", "p1", "1.00"), TransferLeg("hot", "p3", "1.00")]
                ),
                "reversal": lambda n: ledger.reverse_transfer(paid.id, "0.01"),
                "hold": lambda n: holds.authorize_transfer("hot", "p3", "1.00"),
            }

        calls = [(kind, call(n)) for n in range(15) for kind, call in kinds().items()]
        results = await asyncio.gather(*(call for _, call in calls), return_exceptions=True)

    refused: Counter[str] = Counter()
    done: Counter[str] = Counter()
    for (kind, _), result in zip(calls, results, strict=True):
        if isinstance(result, AccountBusy):
            refused[kind] += 1
        else:
            assert not isinstance(result, BaseException), (kind, result)
            done[kind] += 1
    # Each kind met the one queue full (separate queues per use case would let most through).
    assert set(refused) == {"transfer", "batch", "reversal", "hold"}, (refused, done)
    assert sum(done.values()) >= 3  # the holder and the two that waited, at least

    items = await table_items(settings)
    balances = balances_by_account(items)
    assert sum(balances.values()) == Decimal("1000.00")  # nothing created or lost
    for account_id, balance in balances.items():
        entries = [e for e in items_of_type(items, "ENTRY") if e["account_id"]["S"] == account_id]
        moved = sum(
            Decimal(e["amount"]["N"]) * {"CREDIT": 1, "DEBIT": -1}.get(e["direction"]["S"], 0)
            for e in entries
        )
        assert balance == moved, account_id
