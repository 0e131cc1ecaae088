"""Exchanges through the real ledger on the embedded endpoint: four entries in one
transaction through the liquidity accounts, quotes used once, refusals that write nothing."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from decimal import Decimal

import aioboto3
import pytest
from ulid import ULID

from services import Ledger, TransferLeg
from services.demo import load_demo
from services.domain.errors import (
    ErrorCode,
    IdempotencyConflict,
    InsufficientFunds,
    InvalidAmount,
    InvalidInput,
    LedgerError,
)
from services.fx.quotes import FixedSide, Quote
from services.identity.principal import AuthMethod, Principal
from services.integrity.problems import VerificationSummary
from services.settings import Settings
from tests.helpers import balances_by_account, items_of_type, table_items

ALICE = Principal(subject="alice", is_operator=False, method=AuthMethod.JWT)


@pytest.fixture
async def funded(ledger: Ledger) -> Ledger:
    await ledger.create_account_with_balance("usd", "100.00", currency="USD", owner_id="alice")
    await ledger.create_account_with_balance("eur", "0", currency="EUR", owner_id="alice")
    await ledger.create_account_with_balance("bob-eur", "50.00", currency="EUR", owner_id="bob")
    await ledger.create_account_with_balance("jpy", "0", currency="JPY")
    return ledger


async def quote(ledger: Ledger, src: str, dst: str, amount: str, side: str = "SOURCE") -> Quote:
    return await ledger.acting_as(ALICE).quote(src, dst, amount, FixedSide(side))


async def snapshot(settings: Settings) -> tuple[dict[str, Decimal], int]:
    items = await table_items(settings)
    return balances_by_account(items), len(items_of_type(items, "ENTRY"))


async def test_an_exchange_books_four_entries_through_the_liquidity_accounts(
    funded: Ledger, settings: Settings
) -> None:
    before = await funded.acting_as(funded_operator()).ledger_totals()
    q = await quote(funded, "USD", "EUR", "10.00")
    assert q.source_amount == Decimal("10.00")
    assert Decimal(0) <= q.source_amount * q.rate - q.target_amount < Decimal("0.01")

    leg = await funded.acting_as(ALICE).transfer_credits(
        "usd", "eur", "10.00", quote_id=q.id, idempotency_key="x1"
    )

    assert (leg.from_account_id, leg.to_account_id, leg.currency) == ("usd", "fx:USD", "USD")
    assert leg.exchange is not None
    assert (leg.exchange.counter_amount, leg.exchange.counter_currency) == (
        q.target_amount,
        "EUR",
    )
    balances, _ = await snapshot(settings)
    assert balances["usd"] == Decimal("90.00")
    assert balances["fx:USD"] == Decimal("10.00")
    assert balances["fx:EUR"] == -q.target_amount
    assert balances["eur"] == q.target_amount
    assert await funded.acting_as(funded_operator()).ledger_totals() == before
    # Every entry extends its account's chain and shows the other side.
    for account_id in ("usd", "fx:USD", "fx:EUR", "eur"):
        page = await funded.get_transactions(account_id, 10, None)
        entry = page.entries[0]
        assert entry.exchange is not None
        assert entry.exchange.quote_id == q.id
        assert entry.hash is not None
        assert entry.previous_hash is not None
    report = await funded.acting_as(funded_operator()).verify_account("fx:EUR")
    assert report.ok


async def test_a_quote_books_once_and_a_replay_returns_the_original(
    funded: Ledger, settings: Settings
) -> None:
    acting = funded.acting_as(ALICE)
    q = await quote(funded, "USD", "EUR", "10.00")
    first = await acting.transfer_credits("usd", "eur", "10.00", quote_id=q.id, idempotency_key="k")
    replay = await acting.transfer_credits(
        "usd", "eur", "10.00", quote_id=q.id, idempotency_key="k"
    )
    assert replay.id == first.id
    state = await snapshot(settings)
    with pytest.raises(LedgerError) as used:
        await acting.transfer_credits("usd", "eur", "10.00", quote_id=q.id, idempotency_key="k2")
    assert used.value.code is ErrorCode.QUOTE_USED
    other = await quote(funded, "USD", "EUR", "10.00")
    with pytest.raises(IdempotencyConflict):
        await acting.transfer_credits("usd", "eur", "10.00", quote_id=other.id, idempotency_key="k")
    assert await snapshot(settings) == state


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (("usd", "eur", "10.01"), ErrorCode.QUOTE_MISMATCH),  # amount differs from the quote
        (("usd", "jpy", "10.00"), ErrorCode.QUOTE_MISMATCH),  # destination currency differs
        (("eur", "usd", "10.00"), ErrorCode.QUOTE_MISMATCH),  # source currency differs
        (("usd", "bob-eur", "10.00", "missing"), ErrorCode.QUOTE_NOT_FOUND),
        (("bob-eur", "eur", "10.00"), ErrorCode.ACCOUNT_NOT_FOUND),  # not alice's account
        (("usd", "fx:EUR", "10.00"), ErrorCode.INVALID_INPUT),  # a liquidity account
        (("usd", "usd", "10.00"), ErrorCode.SAME_ACCOUNT),
        (("usd", "eur", "-1"), ErrorCode.INVALID_AMOUNT),
    ],
)
async def test_refusals_write_nothing(
    funded: Ledger, settings: Settings, args: tuple[str, ...], code: ErrorCode
) -> None:
    q = await quote(funded, "USD", "EUR", "10.00")
    before = await snapshot(settings)
    source, destination, amount, *rest = args
    quote_id = rest[0] if rest else q.id
    with pytest.raises(LedgerError) as refused:
        await funded.acting_as(ALICE).transfer_credits(
            source, destination, amount, quote_id=quote_id, idempotency_key="r"
        )
    assert refused.value.code is code
    assert await snapshot(settings) == before


async def test_an_expired_quote_is_refused(funded: Ledger, settings: Settings) -> None:
    q = await quote(funded, "USD", "EUR", "10.00")
    assert funded.quotes is not None
    stale = dataclasses.replace(q, id=str(ULID()), expires_at=q.created_at - timedelta(1))
    await funded.quotes._store.save(stale)
    before = await snapshot(settings)
    with pytest.raises(LedgerError) as refused:
        await funded.acting_as(ALICE).transfer_credits("usd", "eur", "10.00", quote_id=stale.id)
    assert refused.value.code is ErrorCode.QUOTE_EXPIRED
    assert await snapshot(settings) == before


async def test_insufficient_funds_and_bad_quotes_are_typed(funded: Ledger) -> None:
    q = await quote(funded, "USD", "EUR", "100.01")
    with pytest.raises(InsufficientFunds):
        await funded.acting_as(ALICE).transfer_credits("usd", "eur", "100.01", quote_id=q.id)
    for args, error in [
        (("USD", "USD", "1"), InvalidInput),
        (("USD", "XYZ", "1"), InvalidInput),
        (("USD", "EUR", "0"), InvalidAmount),
        (("USD", "EUR", "1.001"), InvalidAmount),
        (("JPY", "EUR", "1.5"), InvalidAmount),
        (("USD", "EUR", "1e30"), InvalidAmount),
    ]:
        with pytest.raises(error):
            await quote(funded, *args)


async def test_liquidity_ids_are_reserved(funded: Ledger) -> None:
    with pytest.raises(InvalidInput):
        await funded.create_account_with_balance("fx:GBP", "0", currency="GBP")
    with pytest.raises(LedgerError) as unknown:
        await funded.acting_as(ALICE).transfer_credits("usd", "eur", "1", quote_id="01BADBADBAD")
    assert unknown.value.code is ErrorCode.QUOTE_NOT_FOUND


async def test_holders_may_not_read_totals(funded: Ledger) -> None:
    with pytest.raises(LedgerError) as refused:
        await funded.acting_as(ALICE).ledger_totals()
    assert refused.value.code is ErrorCode.FORBIDDEN


def funded_operator() -> Principal:
    return Principal(subject="ops", is_operator=True, method=AuthMethod.JWT)


async def test_the_demo_exchanges_at_the_sample_rates_and_loads_twice(
    ledger: Ledger, settings: Settings
) -> None:
    await load_demo(ledger)
    once = await snapshot(settings)
    await load_demo(ledger)
    assert await snapshot(settings) == once
    balances, _ = once
    assert balances["alice-eur"] > 0
    assert balances["fx:USD"] == Decimal("200.00")
    assert balances["fx:EUR"] == -(balances["alice-eur"] + Decimal(50))
    totals = await ledger.acting_as(funded_operator()).ledger_totals()
    assert all(total.total == 0 for total in totals)  # deposits come from settlement accounts


async def test_ledger_verify_finds_nothing_wrong_after_exchanges(funded: Ledger) -> None:
    acting = funded.acting_as(ALICE)
    for key in ("v1", "v2"):
        q = await quote(funded, "USD", "EUR", "5.00")
        await acting.transfer_credits("usd", "eur", "5.00", quote_id=q.id, idempotency_key=key)
    await funded.post_transfers([TransferLeg("usd", "fx:USD", "1.00")], idempotency_key="batch-key")
    assert funded.integrity is not None
    summary = VerificationSummary()
    problems = [p async for p in funded.integrity.verify_table(summary)]
    assert problems == []
    assert summary.ok


@pytest.mark.parametrize(
    "tamper",
    [
        {"remove": ["fx_rate", "fx_counter_amount", "fx_counter_currency", "fx_quote_id"]},
        {"set": {"fx_counter_amount": {"S": "999.99"}}},
        {"set": {"fx_rate": {"S": "1.5"}}},
    ],
    ids=["stripped", "counter amount", "rate"],
)
async def test_the_exchange_side_of_an_entry_is_in_its_hash(
    funded: Ledger, settings: Settings, tamper: dict[str, object]
) -> None:
    q = await quote(funded, "USD", "EUR", "10.00")
    await funded.acting_as(ALICE).transfer_credits("usd", "eur", "10.00", quote_id=q.id)
    operator = funded.acting_as(funded_operator())
    assert (await operator.verify_account("eur")).ok
    [item] = [
        i
        for i in items_of_type(await table_items(settings), "ENTRY")
        if i["account_id"]["S"] == "eur" and "fx_quote_id" in i
    ]
    for name in tamper.get("remove", []):  # type: ignore[attr-defined]
        del item[name]
    item.update(tamper.get("set", {}))  # type: ignore[arg-type]
    await put_raw(settings, item)
    report = await operator.verify_account("eur")
    assert not report.ok
    assert [p.kind.value for p in report.problems] == ["HASH_MISMATCH"]


async def put_raw(settings: Settings, item: dict[str, object]) -> None:
    session = aioboto3.Session(
        aws_access_key_id="test", aws_secret_access_key="test", region_name=settings.region
    )
    async with session.client("dynamodb", endpoint_url=settings.endpoint_url) as client:
        await client.put_item(TableName=settings.table_name, Item=item)  # type: ignore[arg-type]
