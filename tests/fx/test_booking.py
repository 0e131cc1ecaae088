"""The four legs of an exchange, and ledger totals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from services.domain.errors import InvalidInput, SameAccount
from services.fx.booking import (
    ExchangeSide,
    liquidity_account_id,
    net_by_currency,
    plan_exchange,
)
from services.fx.quotes import FixedSide, Quote
from services.fx.totals import CurrencyTotal, ledger_totals

NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)
QUOTE = Quote(
    id="01JDQUOTE0000000000000000",
    from_currency="USD",
    to_currency="JPY",
    fixed_side=FixedSide.SOURCE,
    rate=Decimal("149.6956281"),
    source_amount=Decimal("100.00"),
    target_amount=Decimal("14969"),
    rates_as_of=NOW,
    created_at=NOW,
    expires_at=NOW + timedelta(seconds=30),
)


def test_liquidity_accounts_are_named_by_currency() -> None:
    assert liquidity_account_id("usd") == "fx:USD"
    with pytest.raises(InvalidInput):
        liquidity_account_id("XYZ")


def test_an_exchange_is_four_legs_showing_both_sides() -> None:
    legs = plan_exchange(QUOTE, source_account_id="alice", destination_account_id="bob")

    assert [(leg.account_id, leg.currency, leg.amount) for leg in legs] == [
        ("alice", "USD", Decimal("-100.00")),
        ("fx:USD", "USD", Decimal("100.00")),
        ("fx:JPY", "JPY", Decimal("-14969")),
        ("bob", "JPY", Decimal("14969")),
    ]
    assert legs[0].exchange == ExchangeSide(QUOTE.rate, Decimal("14969"), "JPY", QUOTE.id)
    assert legs[3].exchange == ExchangeSide(QUOTE.rate, Decimal("100.00"), "USD", QUOTE.id)
    assert net_by_currency(legs) == {"USD": 0, "JPY": 0}


@pytest.mark.parametrize(
    ("source", "destination", "error"),
    [
        ("alice", "alice", SameAccount),
        ("fx:USD", "bob", InvalidInput),
        ("a", "fx:JPY", InvalidInput),
    ],
)
def test_impossible_endpoints_are_refused(
    source: str, destination: str, error: type[Exception]
) -> None:
    with pytest.raises(error):
        plan_exchange(QUOTE, source_account_id=source, destination_account_id=destination)


def test_totals_sum_every_balance_per_currency_exactly() -> None:
    balances = [
        ("USD", Decimal("10.10")),
        ("JPY", Decimal("500")),
        ("USD", Decimal("-0.1")),
        ("KWD", Decimal("0.001")),
        ("USD", Decimal("999999999999.99")),
        ("USD", Decimal("999999999999.99")),
        ("USD", Decimal("999999999999.99")),
    ]

    assert ledger_totals(balances) == [
        CurrencyTotal("JPY", Decimal("500")),
        CurrencyTotal("KWD", Decimal("0.001")),
        CurrencyTotal("USD", Decimal("3000000000009.97")),
    ]
    assert str(ledger_totals(balances)[2].total) == "3000000000009.97"
    assert ledger_totals([]) == []
