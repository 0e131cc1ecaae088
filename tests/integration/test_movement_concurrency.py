"""Many concurrent mixed money movements (transfers, deposits and withdrawals through an
external account, batches, reversals, holds with their captures, voids and expiries, replays)
over 20 accounts from four connections: every invariant of issue 11 holds."""

from __future__ import annotations

import asyncio
import random
from collections import Counter, defaultdict
from decimal import Decimal

from services import (
    AmountExceedsAuthorized,
    HoldStatus,
    InsufficientFunds,
    Ledger,
    ReversalExceedsOriginal,
    TransferLeg,
    TransferNotPending,
)
from services.settings import Settings
from tests.helpers import balances_by_account, items_of_type, table_items

BANK = "bank:settlement"
ACCOUNTS = [f"acct-{n}" for n in range(19)]
#: Every third account may go 25.00 below zero.
LIMITS = {a: Decimal(25) if n % 3 == 0 else Decimal(0) for n, a in enumerate(ACCOUNTS)}
OPERATIONS = 1000
#: Hold operations (authorize, capture, void, expire) on top, interleaved: two in every seven.
HOLD_OPERATIONS = 400
TOTAL = OPERATIONS + HOLD_OPERATIONS


async def test_mixed_concurrent_movements_keep_every_invariant(settings: Settings) -> None:
    settings = settings.model_copy(
        update={"transfer_max_attempts": 200, "retry_max_delay_seconds": 0.25}
    )
    rng = random.Random(20261130)
    async with (
        Ledger.connect(settings) as ledger,
        Ledger.connect(settings) as second,
        Ledger.connect(settings) as third,
        Ledger.connect(settings) as fourth,
    ):
        await ledger.create_account_with_balance(BANK, "0", overdraft_limit=None)
        for n, account_id in enumerate(ACCOUNTS):
            await ledger.create_account_with_balance(
                account_id, Decimal(10 * (n % 4)), overdraft_limit=LIMITS[account_id]
            )
        opening = sum(balances_by_account(await table_items(settings)).values())
        ledgers = [ledger, second, third, fourth]
        committed: list[str] = []
        holds: list[tuple[str, Decimal]] = []

        def amount() -> Decimal:
            return Decimal(rng.randint(1, 3000)) / 100

        async def one(n: int) -> tuple[str, str | None]:
            on = ledgers[n % 4]
            if n % 7 in (3, 6):
                hold_kinds = ["hold", "hold", "capture", "capture", "void", "expire"]
                kind = rng.choice(hold_kinds if holds else hold_kinds[:1])
            else:
                kinds = ["transfer", "deposit", "withdrawal", "batch", "batch", "reversal"]
                kind = rng.choice(kinds if committed else kinds[:-1])
            key = f"op-{n}" if rng.random() < 0.5 else None
            try:
                if kind == "hold":
                    source, destination = rng.sample([*ACCOUNTS, BANK], 2)
                    value = Decimal(rng.randint(1, 1000)) / 100
                    # Short holds expire while the waves run (the sweeper or a late capture).
                    expires = rng.choice([1, 2, 3600, 3600, 3600, 3600])
                    hold = await on.hold_service().authorize_transfer(
                        source, destination, value, idempotency_key=key, expires_in_seconds=expires
                    )
                    if key is not None:
                        again = (
                            await ledgers[(n + 1) % 4]
                            .hold_service()
                            .authorize_transfer(
                                source,
                                destination,
                                value,
                                idempotency_key=key,
                                expires_in_seconds=expires,
                            )
                        )
                        assert again.id == hold.id
                    holds.append((hold.id, value))
                    return kind, hold.id
                if kind in ("capture", "void", "expire"):
                    hold_id, authorized = rng.choice(holds)
                    service = on.hold_service()
                    if kind == "void":
                        return kind, (await service.void_transfer(hold_id)).id
                    if kind == "expire":
                        ended = await service.expire(hold_id)
                        return kind, ended.id if ended.status is HoldStatus.EXPIRED else None
                    # All, the exact amount, half, or any amount (maybe more than authorized).
                    half = (authorized / 2).quantize(Decimal("0.01"))
                    part = rng.choice([None, authorized, half, half, amount()])
                    captured = await service.capture_transfer(hold_id, part, idempotency_key=key)
                    if key is not None:
                        again = (
                            await ledgers[(n + 3) % 4]
                            .hold_service()
                            .capture_transfer(hold_id, part, idempotency_key=key)
                        )
                        assert again == captured
                    assert captured.transfer_id is not None
                    committed.append(captured.transfer_id)
                    return kind, captured.transfer_id
                if kind == "reversal":
                    original = rng.choice(committed)
                    value = (
                        Decimal(rng.randint(1, 800)) / 100 if rng.random() < 0.7 else None
                    )  # None: all the rest
                    back = await on.reverse_transfer(original, value, idempotency_key=key)
                    if key is not None:
                        again = await ledgers[(n + 3) % 4].reverse_transfer(
                            original, value, idempotency_key=key
                        )
                        assert again.id == back.id
                    return kind, back.id
                if kind == "batch":
                    legs = []
                    for _ in range(rng.randint(2, 5)):
                        source, destination = rng.sample([*ACCOUNTS, BANK], 2)
                        legs.append(TransferLeg(source, destination, amount()))
                    batch = await on.post_transfers(legs, idempotency_key=key)
                    if key is not None:  # a replay from another connection moves nothing
                        again = await ledgers[(n + 1) % 4].post_transfers(legs, idempotency_key=key)
                        assert again.id == batch.id
                    committed.extend(t.id for t in batch.transfers)
                    return kind, batch.id
                if kind == "transfer":
                    source, destination = rng.sample(ACCOUNTS, 2)
                elif kind == "deposit":
                    source, destination = BANK, rng.choice(ACCOUNTS)
                else:
                    source, destination = rng.choice(ACCOUNTS), BANK
                value = amount()
                moved = await on.transfer_credits(source, destination, value, idempotency_key=key)
                if key is not None:
                    again = await ledgers[(n + 2) % 4].transfer_credits(
                        source, destination, value, idempotency_key=key
                    )
                    assert again.id == moved.id
                committed.append(moved.id)
                return kind, moved.id
            except (
                InsufficientFunds,
                ReversalExceedsOriginal,
                TransferNotPending,
                AmountExceedsAuthorized,
            ):
                return kind, None

        async def sweeping(stop: asyncio.Event) -> None:
            assert ledger.hold_sweeper is not None
            while not stop.is_set():
                await ledger.hold_sweeper.sweep_once()
                await asyncio.sleep(0.2)

        # In waves, so that later waves have committed transfers to reverse and holds to end.
        outcomes = []
        stop = asyncio.Event()
        sweeper = asyncio.create_task(sweeping(stop))
        for wave in range(0, TOTAL, TOTAL // 7):
            outcomes += await asyncio.gather(*(one(n) for n in range(wave, wave + TOTAL // 7)))
        stop.set()
        await sweeper
        # What is still PENDING is voided (the long holds) or expired (the short ones).
        await asyncio.sleep(2)
        expired: list[str] = []
        for hold_id, _ in holds:
            current = await ledger.hold_service().get_pending_transfer(hold_id)
            assert current is not None
            if current.status is HoldStatus.PENDING:
                try:
                    await ledger.hold_service().void_transfer(hold_id)
                except TransferNotPending as late:
                    expired.append(late.status)

    assert set(expired) <= {"EXPIRED"}
    kinds = Counter(kind for kind, result in outcomes if result is not None)
    assert all(kinds[k] > 50 for k in ("transfer", "deposit", "withdrawal", "batch")), kinds
    assert kinds["reversal"] > 30, kinds
    assert kinds["hold"] > 50, kinds
    assert all(kinds[k] > 10 for k in ("capture", "void")), kinds
    assert kinds["expire"] + Counter(expired)["EXPIRED"] > 5, kinds
    assert any(result is None for _, result in outcomes), "the mix must include refusals"

    items = await table_items(settings)
    balances = balances_by_account(items)
    # Money is only ever created by opening balances; the bank carries the deposits' side.
    assert sum(balances.values()) == opening
    for account_id, balance in balances.items():
        if account_id != BANK:
            assert balance >= -LIMITS[account_id], account_id

    entries = items_of_type(items, "ENTRY")
    sums: dict[str, Decimal] = defaultdict(Decimal)
    pending: dict[str, Decimal] = defaultdict(Decimal)
    versions: dict[str, list[int]] = defaultdict(list)
    signs = {"CREDIT": 1, "DEBIT": -1, "HOLD": 0, "RELEASE": 0}
    for entry in entries:
        signed = Decimal(entry["amount"]["N"])
        account_id = entry["account_id"]["S"]
        direction = entry["direction"]["S"]
        sums[account_id] += signed * signs[direction]
        pending[account_id] += signed * {"HOLD": 1, "RELEASE": -1}.get(direction, 0)
        versions[account_id].append(int(entry["version"]["N"]))
        # Counting holds, no account ever went below -overdraftLimit: after every entry.
        available = Decimal(entry["balance_after"]["N"]) - Decimal(
            entry.get("pending_after", {"N": "0"})["N"]
        )
        if account_id != BANK:
            assert available >= -LIMITS[account_id], (account_id, entry["version"]["N"])
        assert Decimal(entry.get("pending_after", {"N": "0"})["N"]) == pending[account_id]
    assert dict(sums) == {k: v for k, v in balances.items() if k in sums}
    # Every hold ended (POSTED, VOIDED or EXPIRED): nothing is reserved any more.
    assert set(pending.values()) == {Decimal(0)}
    for account in items_of_type(items, "ACCOUNT"):
        assert Decimal(account.get("pending_debits", {"N": "0"})["N"]) == 0
    hold_records = items_of_type(items, "HOLD")
    assert {h["hold_id"]["S"] for h in hold_records} == {h for h, _ in holds}
    ended = Counter(h["status"]["S"] for h in hold_records)
    assert set(ended) == {"POSTED", "VOIDED", "EXPIRED"}, ended
    assert items_of_type(items, "HOLD_DUE") == []
    hold_sides = Counter(
        (e["transfer_id"]["S"], e["direction"]["S"])
        for e in entries
        if e["direction"]["S"] in ("HOLD", "RELEASE")
    )
    for hold in hold_records:  # exactly one reservation and one release each
        hold_id = hold["hold_id"]["S"]
        assert (hold_sides[(hold_id, "HOLD")], hold_sides[(hold_id, "RELEASE")]) == (1, 1)
    for account in items_of_type(items, "ACCOUNT"):
        account_id = account["account_id"]["S"]
        assert sorted(versions[account_id]) == list(range(1, int(account["version"]["N"]) + 1))

    # Every transfer has its two entries; every batch has all of its transfers or none.
    transfers = {t["transfer_id"]["S"] for t in items_of_type(items, "TRANSFER")}
    per_transfer = Counter(
        e["transfer_id"]["S"]
        for e in entries
        if "counterparty_id" in e and e["direction"]["S"] in ("DEBIT", "CREDIT")
    )
    assert set(per_transfer) == transfers
    assert set(per_transfer.values()) == {2}
    batches = items_of_type(items, "BATCH")
    assert {b["batch_id"]["S"] for b in batches} == {
        result for kind, result in outcomes if kind == "batch" and result is not None
    }
    for item in batches:
        assert {v["S"] for v in item["transfer_ids"]["L"]} <= transfers
    singles = {
        r for k, r in outcomes if k not in ("batch", "hold", "void", "expire") and r is not None
    }
    in_batches = {v["S"] for b in batches for v in b["transfer_ids"]["L"]}
    assert transfers == singles | in_batches  # replays wrote nothing twice

    # Reversals never give back more than the original, and link both ways.
    records = {t["transfer_id"]["S"]: t for t in items_of_type(items, "TRANSFER")}
    reversed_by: dict[str, Decimal] = defaultdict(Decimal)
    linked: dict[str, set[str]] = defaultdict(set)
    for transfer_id, record in records.items():
        if "reversal_of" in record:
            original = records[record["reversal_of"]["S"]]
            assert record["from_account_id"] == original["to_account_id"]
            reversed_by[record["reversal_of"]["S"]] += Decimal(record["amount"]["N"])
            linked[record["reversal_of"]["S"]].add(transfer_id)
    assert reversed_by, "the mix must include committed reversals"
    for transfer_id, record in records.items():
        total = Decimal(record.get("reversed_amount", {"N": "0"})["N"])
        assert total == reversed_by.get(transfer_id, Decimal(0))
        assert total <= Decimal(record["amount"]["N"])
        assert {v["S"] for v in record.get("reversals", {"L": []})["L"]} == linked[transfer_id]

    # A capture posted exactly the captured amount, never more than was authorized.
    for hold in hold_records:
        if hold["status"]["S"] == "POSTED":
            posted = records[hold["transfer_id"]["S"]]
            assert Decimal(posted["amount"]["N"]) == Decimal(hold["captured_amount"]["N"])
            assert Decimal(hold["captured_amount"]["N"]) <= Decimal(hold["amount"]["N"])
        else:
            assert "transfer_id" not in hold
