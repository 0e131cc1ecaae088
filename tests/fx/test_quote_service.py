"""Quoting through the service and taking a quote once, with the in-memory store."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from decimal import Decimal

import pytest

from services.fx.booking import plan_exchange
from services.fx.errors import (
    QuoteExpired,
    QuoteMismatch,
    QuoteNotFound,
    QuoteUsed,
    RatesUnavailable,
)
from services.fx.memory_quotes import InMemoryQuoteStore
from services.fx.quote_service import QuoteService
from services.fx.quotes import FixedSide
from services.fx.rates import RatesProvider, RateTable
from services.fx.static_rates import StaticRatesProvider
from tests.fx.conftest import Clock

TRANSFER = {"source_currency": "EUR", "destination_currency": "KWD", "amount": Decimal("250.00")}


class FailingRates:
    async def rates(self) -> RateTable:
        raise RatesUnavailable("provider unreachable")


def service(clock: Clock, rates: RatesProvider | None = None) -> QuoteService:
    return QuoteService(
        rates or StaticRatesProvider.from_text("EUR=1,USD=1.0842,KWD=0.3342"),
        InMemoryQuoteStore(),
        spread_bps=Decimal(25),
        ttl=timedelta(seconds=30),
        clock=clock,
    )


async def test_a_quote_is_stored_with_its_expiry(clock: Clock) -> None:
    quotes = service(clock)

    quote = await quotes.quote("eur", "KWD", "250", FixedSide.SOURCE)

    assert len(quote.id) == 26  # a ULID
    assert quote.expires_at == clock.now + timedelta(seconds=30)
    assert quote.target_amount == Decimal("83.341")  # 250 x 0.3342 x 0.9975, rounded down
    assert await quotes.get(quote.id) == quote


async def test_a_quote_books_one_transfer_only(clock: Clock) -> None:
    quotes = service(clock)
    quote = await quotes.quote("EUR", "KWD", "250", FixedSide.SOURCE)

    taken = await quotes.take(quote.id, **TRANSFER)
    with pytest.raises(QuoteUsed):
        await quotes.take(quote.id, **TRANSFER)

    assert taken == quote
    assert (await quotes.get(quote.id)).used


async def test_concurrent_transfers_cannot_both_take_a_quote(clock: Clock) -> None:
    quotes = service(clock)
    quote = await quotes.quote("EUR", "KWD", "250", FixedSide.SOURCE)

    results = await asyncio.gather(
        *(quotes.take(quote.id, **TRANSFER) for _ in range(5)), return_exceptions=True
    )

    assert sum(not isinstance(result, Exception) for result in results) == 1
    assert sum(isinstance(result, QuoteUsed) for result in results) == 4


async def test_expired_unknown_and_mismatched_quotes_are_refused_and_change_nothing(
    clock: Clock,
) -> None:
    quotes = service(clock)
    quote = await quotes.quote("EUR", "KWD", "250", FixedSide.SOURCE)

    with pytest.raises(QuoteNotFound):
        await quotes.take("01JZZZZZZZZZZZZZZZZZZZZZZZ", **TRANSFER)
    with pytest.raises(QuoteMismatch):
        await quotes.take(quote.id, **{**TRANSFER, "amount": Decimal("249.99")})
    assert not (await quotes.get(quote.id)).used

    clock.advance(30)
    with pytest.raises(QuoteExpired):
        await quotes.take(quote.id, **TRANSFER)
    assert not (await quotes.get(quote.id)).used


async def test_a_rates_outage_refuses_quotes_but_not_the_transfer_of_a_quote_given_before(
    clock: Clock,
) -> None:
    store = InMemoryQuoteStore()
    before = QuoteService(
        StaticRatesProvider.from_text("EUR=1,KWD=0.3342"),
        store,
        spread_bps=Decimal(0),
        ttl=timedelta(seconds=30),
        clock=clock,
    )
    quote = await before.quote("EUR", "KWD", "250", FixedSide.SOURCE)
    during = QuoteService(
        FailingRates(), store, spread_bps=Decimal(0), ttl=timedelta(seconds=30), clock=clock
    )

    with pytest.raises(RatesUnavailable):
        await during.quote("EUR", "KWD", "250", FixedSide.SOURCE)
    taken = await during.take(quote.id, **TRANSFER)
    legs = plan_exchange(taken, source_account_id="alice", destination_account_id="bob")

    assert [leg.amount for leg in legs] == [
        Decimal("-250.00"),
        Decimal("250.00"),
        Decimal("-83.550"),
        Decimal("83.550"),
    ]
