"""500 concurrent exchanges and plain transfers across four currencies (two decimals, none and
three) from four connections: ledgerTotals never moves, every account's balance is the sum of
its entries, versions have no gaps, and each quote books at most once."""

from __future__ import annotations

import asyncio
import random
from collections import Counter, defaultdict
from decimal import Decimal

from services import InsufficientFunds, Ledger
from services.fx.errors import QuoteUsed
from services.fx.quotes import FixedSide
from services.identity.principal import SYSTEM
from services.settings import Settings
from tests.helpers import balances_by_account, items_of_type, table_items

CURRENCIES = {"USD": "500.00", "EUR": "400.00", "JPY": "60000", "KWD": "150.000"}
ACCOUNTS = {f"{c.lower()}-{n}": c for c in CURRENCIES for n in range(3)}
OPERATIONS = 500
SMALL = {"USD": "0.01", "EUR": "0.01", "JPY": "1", "KWD": "0.001"}


async def test_concurrent_exchanges_and_transfers_keep_totals_and_chains(
    settings: Settings,
) -> None:
    settings = settings.model_copy(
        update={"transfer_max_attempts": 300, "retry_max_delay_seconds": 0.05}
    )
    rng = random.Random(20261130)
    async with (
        Ledger.connect(settings) as ledger,
        Ledger.connect(settings) as second,
        Ledger.connect(settings) as third,
        Ledger.connect(settings) as fourth,
    ):
        for account_id, currency in ACCOUNTS.items():
            await ledger.create_account_with_balance(
                account_id, CURRENCIES[currency], currency=currency
            )
        ledgers = [ledger, second, third, fourth]
        operator = ledger.acting_as(SYSTEM)
        opening = await operator.ledger_totals()

        def amount(currency: str) -> Decimal:
            return Decimal(rng.randint(1, 4000)) * Decimal(SMALL[currency])

        async def one(n: int) -> tuple[str, str | None]:
            on = ledgers[n % 4].acting_as(SYSTEM)
            key = f"op-{n}" if rng.random() < 0.3 else None
            source = rng.choice(list(ACCOUNTS))
            if rng.random() < 0.55:
                target = rng.choice([a for a in ACCOUNTS if ACCOUNTS[a] != ACCOUNTS[source]])
                side = rng.choice(list(FixedSide))
                fixed = ACCOUNTS[source] if side is FixedSide.SOURCE else ACCOUNTS[target]
                quote = await on.quote(ACCOUNTS[source], ACCOUNTS[target], amount(fixed), side)
                book = on.transfer_credits(
                    source, target, quote.source_amount, quote_id=quote.id, idempotency_key=key
                )
                try:
                    if rng.random() < 0.1:  # the same quote twice at once: one books
                        rival = ledgers[(n + 1) % 4].acting_as(SYSTEM)
                        results = await asyncio.gather(
                            book,
                            rival.transfer_credits(
                                source, target, quote.source_amount, quote_id=quote.id
                            ),
                            return_exceptions=True,
                        )
                        won = [r for r in results if not isinstance(r, BaseException)]
                        lost = [r for r in results if isinstance(r, BaseException)]
                        assert len(won) <= 1, results
                        assert all(isinstance(r, (QuoteUsed, InsufficientFunds)) for r in lost)
                        return "exchange", won[0].batch_id if won else None
                    leg = await book
                    if key is not None:  # a replay from another connection books nothing
                        again = await ledgers[(n + 2) % 4].acting_as(SYSTEM).transfer_credits(
                            source, target, quote.source_amount, quote_id=quote.id,
                            idempotency_key=key,
                        )  # fmt: skip
                        assert again.id == leg.id
                    return "exchange", leg.batch_id
                except InsufficientFunds:
                    return "exchange", None
            target = rng.choice([a for a in ACCOUNTS if ACCOUNTS[a] == ACCOUNTS[source]])
            if target == source:
                return "transfer", None
            try:
                moved = await on.transfer_credits(
                    source, target, amount(ACCOUNTS[source]), idempotency_key=key
                )
            except InsufficientFunds:
                return "transfer", None
            return "transfer", moved.id

        outcomes = []
        for wave in range(0, OPERATIONS, 100):
            outcomes += await asyncio.gather(*(one(n) for n in range(wave, wave + 100)))
        assert await operator.ledger_totals() == opening

    kinds = Counter(kind for kind, result in outcomes if result is not None)
    assert kinds["exchange"] > 150, kinds
    assert kinds["transfer"] > 100, kinds
    items = await table_items(settings)
    balances = balances_by_account(items)
    for currency in CURRENCIES:
        assert balances[f"fx:{currency}"] != 0  # every liquidity account took part

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
        if account_id in ACCOUNTS:
            assert Decimal(account["balance"]["N"]) >= 0

    # Each exchange is one batch of two legs, each quote booked once, by exactly one batch.
    batches = {b["batch_id"]["S"] for b in items_of_type(items, "BATCH")}
    assert batches == {r for k, r in outcomes if k == "exchange" and r is not None}
    used = [q for q in items_of_type(items, "QUOTE") if q["used"]["BOOL"]]
    assert len(used) == len(batches)
    assert len({q["transfer_id"]["S"] for q in used}) == len(used)
    legs = Counter(t["batch_id"]["S"] for t in items_of_type(items, "TRANSFER") if "batch_id" in t)
    assert set(legs.values()) == {2}
