"""Many concurrent transfers from several connections: money is never created, lost or overdrawn."""

from __future__ import annotations

import asyncio
import random
from collections import Counter, defaultdict
from decimal import Decimal

from services import InsufficientFunds, Ledger
from services.settings import Settings
from tests.helpers import balances_by_account, items_of_type, table_items

ACCOUNTS = [f"acct-{n}" for n in range(8)]
TRANSFERS = 500


async def test_random_concurrent_transfers_keep_every_invariant(settings: Settings) -> None:
    # Four processes hammering eight accounts through one endpoint conflict far more often than
    # production traffic: give optimistic retries the room they need to finish every transfer.
    settings = settings.model_copy(
        update={"transfer_max_attempts": 200, "retry_max_delay_seconds": 0.25}
    )
    rng = random.Random(20261124)
    # Four connections stand for four server processes racing on the same items in DynamoDB.
    async with (
        Ledger.connect(settings) as ledger,
        Ledger.connect(settings) as second,
        Ledger.connect(settings) as third,
        Ledger.connect(settings) as fourth,
    ):
        for index, account_id in enumerate(ACCOUNTS):
            await ledger.create_account_with_balance(account_id, Decimal(20 + 15 * index))
        total_before = sum(balances_by_account(await table_items(settings)).values())
        ledgers = [ledger, second, third, fourth]

        async def one(n: int) -> str:
            source, destination = rng.sample(ACCOUNTS, 2)
            amount = Decimal(rng.randint(1, 4000)) / 100  # some are bound to lack funds
            try:
                transfer = await ledgers[n % 4].transfer_credits(source, destination, amount)
            except InsufficientFunds:
                return "refused"
            return transfer.id

        outcomes = await asyncio.gather(*(one(n) for n in range(TRANSFERS)))
        history = {
            account_id: await ledger.get_transactions(account_id, 1000) for account_id in ACCOUNTS
        }

    committed = {outcome for outcome in outcomes if outcome != "refused"}
    assert 0 < outcomes.count("refused") < TRANSFERS, "the mix must include refusals"

    items = await table_items(settings)
    balances = balances_by_account(items)
    assert sum(balances.values()) == total_before
    assert all(balance >= 0 for balance in balances.values())

    entries = items_of_type(items, "ENTRY")
    sums: dict[str, Decimal] = defaultdict(Decimal)
    versions: dict[str, list[int]] = defaultdict(list)
    for entry in entries:
        signed = Decimal(entry["amount"]["N"])
        sums[entry["account_id"]["S"]] += signed if entry["direction"]["S"] == "CREDIT" else -signed
        versions[entry["account_id"]["S"]].append(int(entry["version"]["N"]))
    assert dict(sums) == balances
    for account in items_of_type(items, "ACCOUNT"):
        account_id = account["account_id"]["S"]
        assert sorted(versions[account_id]) == list(range(1, int(account["version"]["N"]) + 1))

    per_transfer = Counter(e["transfer_id"]["S"] for e in entries if "counterparty_id" in e)
    assert set(per_transfer) == committed
    assert set(per_transfer.values()) == {2}
    assert {t["transfer_id"]["S"] for t in items_of_type(items, "TRANSFER")} == committed

    # Every entry's balance_after replays exactly from the entries before it.
    for account_id in ACCOUNTS:
        running = Decimal(0)
        for entry in reversed(history[account_id].entries):
            running += entry.delta
            assert entry.balance_after == running
        assert running == balances[account_id]
