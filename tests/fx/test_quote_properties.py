"""Properties of pricing and booking over random pairs, amounts, rates, sides and spreads.

The oracle is exact rational arithmetic (Fraction), independent of any decimal context.
"""

from __future__ import annotations

import decimal
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import event, example, given, settings
from hypothesis import strategies as st

from services.domain.errors import InvalidAmount
from services.domain.money import MAX_AMOUNT, currency_exponent
from services.fx.booking import liquidity_account_id, net_by_currency, plan_exchange
from services.fx.quotes import CLIENT_RATE_DIGITS, FixedSide, client_rate, new_quote, price
from services.fx.rates import RateTable
from services.fx.totals import ledger_totals

# 0 decimals (JPY, KRW), 2 (USD, EUR, GBP), 3 (KWD, BHD), 4 (CLF).
CURRENCIES = ["EUR", "USD", "GBP", "JPY", "KRW", "KWD", "BHD", "CLF"]
NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)


@st.composite
def rate_values(draw: st.DrawFn) -> Decimal:
    """A rate against the base: up to 8 significant digits, from 0.0001 to 100000."""
    exponent = draw(st.integers(min_value=-11, max_value=-3))
    smallest = max(1, 10 ** (-4 - exponent))
    coefficient = draw(st.integers(min_value=smallest, max_value=99_999_999))
    return Decimal(coefficient).scaleb(exponent)


@st.composite
def exchanges(draw: st.DrawFn) -> tuple[RateTable, str, str, Decimal, FixedSide, Decimal]:
    source, target = draw(
        st.lists(st.sampled_from(CURRENCIES), min_size=2, max_size=2, unique=True)
    )
    rates = {code: draw(rate_values()) for code in (source, target) if code != "EUR"}
    table = RateTable.build("EUR", rates, NOW - timedelta(hours=3))
    side = draw(st.sampled_from(FixedSide))
    fixed_currency = source if side is FixedSide.SOURCE else target
    exponent = currency_exponent(fixed_currency)
    minor_units = draw(
        st.one_of(
            st.integers(min_value=1, max_value=1000),
            st.integers(min_value=1, max_value=int(MAX_AMOUNT) * 10**exponent),
        )
    )
    amount = Decimal(minor_units).scaleb(-exponent)
    spread = draw(
        st.one_of(
            st.just(Decimal(0)),
            st.decimals(min_value=0, max_value=1000, places=2, allow_nan=False),
        )
    )
    return table, source, target, amount, side, spread


def minor_unit(currency: str) -> Fraction:
    return Fraction(1, 10 ** currency_exponent(currency))


def exact_client_rate(table: RateTable, source: str, target: str, spread: Decimal) -> Fraction:
    mid = Fraction(table.rates[target]) / Fraction(table.rates[source])
    return mid * (1 - Fraction(spread) / 10000)


@settings(max_examples=600, deadline=None)
@given(exchanges())
@example(
    (
        RateTable.build("EUR", {"JPY": "162.30", "KWD": "0.3342"}, NOW),
        "JPY",
        "KWD",
        Decimal(1),
        FixedSide.SOURCE,
        Decimal(0),
    )
)
@example(
    (
        RateTable.build("EUR", {"BHD": "0.4086", "JPY": "162.30"}, NOW),
        "BHD",
        "JPY",
        Decimal(1),
        FixedSide.TARGET,
        Decimal(25),
    )
)
def test_pricing_follows_the_stated_rounding_rule(
    case: tuple[RateTable, str, str, Decimal, FixedSide, Decimal],
) -> None:
    table, source, target, amount, side, spread = case
    exact_rate = exact_client_rate(table, source, target, spread)
    try:
        pricing = price(
            table,
            from_currency=source,
            to_currency=target,
            amount=amount,
            fixed_side=side,
            spread_bps=spread,
        )
    except InvalidAmount as exc:
        refusal: str | None = exc.message
    else:
        refusal = None
    if refusal is not None:
        # Refused only when the counter-amount would be zero or a side would exceed the limit.
        rate = Fraction(client_rate(table, source, target, spread))
        event(f"refused: {'too small' if 'too small' in refusal else 'too large'}")
        if "too small" in refusal:
            assert side is FixedSide.SOURCE
            assert Fraction(amount) * rate < minor_unit(target)
        else:
            assert "at most" in refusal
            assert max(Fraction(amount) * rate, Fraction(amount) / rate) > MAX_AMOUNT
        return
    event(f"priced, fixed {side}")
    rate = Fraction(pricing.rate)
    source_amount, target_amount = Fraction(pricing.source_amount), Fraction(pricing.target_amount)

    # The quoted rate is the exact client rate rounded down to CLIENT_RATE_DIGITS digits.
    assert rate <= exact_rate
    assert exact_rate - rate < exact_rate * Fraction(10) ** (1 - CLIENT_RATE_DIGITS)
    # Each amount has exactly its currency's exponent, and the fixed one is the client's.
    assert pricing.source_amount.as_tuple().exponent == -currency_exponent(source)
    assert pricing.target_amount.as_tuple().exponent == -currency_exponent(target)
    assert (pricing.source_amount if side is FixedSide.SOURCE else pricing.target_amount) == amount
    assert 0 < source_amount <= MAX_AMOUNT
    assert 0 < target_amount <= MAX_AMOUNT
    # The rule: never in the client's favour (so within the half unit), and it costs
    # the client less than one minor unit of the computed side.
    assert target_amount <= source_amount * rate <= source_amount * exact_rate
    if side is FixedSide.SOURCE:
        assert source_amount * rate - target_amount < minor_unit(target)
    else:
        assert source_amount - target_amount / rate < minor_unit(source)
    assert target_amount - source_amount * rate <= minor_unit(target) / 2


@settings(max_examples=400, deadline=None)
@given(exchanges())
def test_every_booked_exchange_balances_per_currency(
    case: tuple[RateTable, str, str, Decimal, FixedSide, Decimal],
) -> None:
    table, source, target, amount, side, spread = case
    try:
        pricing = price(
            table,
            from_currency=source,
            to_currency=target,
            amount=amount,
            fixed_side=side,
            spread_bps=spread,
        )
    except InvalidAmount:
        return
    quote = new_quote(pricing, quote_id="Q1", now=NOW, ttl=timedelta(seconds=30))
    postings = plan_exchange(quote, source_account_id="alice", destination_account_id="bob")

    assert net_by_currency(postings) == {source: 0, target: 0}
    assert [p.account_id for p in postings] == [
        "alice",
        liquidity_account_id(source),
        liquidity_account_id(target),
        "bob",
    ]
    for posting in postings:
        assert posting.amount.as_tuple().exponent == -currency_exponent(posting.currency)
    # Totals per currency are exactly what they were before the exchange.
    before = [(source, Decimal(500)), (target, Decimal(700))]
    after = before + [(p.currency, p.amount) for p in postings]
    assert ledger_totals(after) == ledger_totals(before)


@settings(max_examples=100, deadline=None)
@given(exchanges(), st.integers(min_value=1, max_value=5))
def test_the_global_decimal_context_changes_nothing(
    case: tuple[RateTable, str, str, Decimal, FixedSide, Decimal], prec: int
) -> None:
    table, source, target, amount, side, spread = case
    args = {
        "from_currency": source,
        "to_currency": target,
        "amount": amount,
        "fixed_side": side,
        "spread_bps": spread,
    }
    try:
        expected = price(table, **args)
    except InvalidAmount:
        return
    with decimal.localcontext() as hostile:
        hostile.prec = prec
        hostile.rounding = decimal.ROUND_UP
        assert price(table, **args) == expected
        assert table.rate(source, target) == table.rate(source, target)


def test_a_float_amount_is_refused() -> None:
    table = RateTable.build("EUR", {"USD": "1.0842"}, NOW)
    with pytest.raises(InvalidAmount):
        price(
            table, from_currency="EUR", to_currency="USD", amount=1.5, fixed_side=FixedSide.SOURCE
        )
