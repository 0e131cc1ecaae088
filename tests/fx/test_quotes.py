"""Pricing refusals, worked examples of the rounding rule, and checking a quote before use."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from services.domain.errors import InvalidAmount, InvalidInput
from services.fx.errors import QuoteExpired, QuoteMismatch, QuoteUsed, RateNotFound
from services.fx.quotes import FixedSide, Quote, check_quote_use, new_quote, price
from services.fx.rates import RateTable

NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)
TABLE = RateTable.build(
    "EUR", {"USD": "1.0842", "JPY": "162.30", "KWD": "0.3342", "BHD": "0.4086"}, NOW
)


def quote_of(amount: str, side: FixedSide, source: str = "USD", target: str = "JPY") -> Quote:
    pricing = price(TABLE, from_currency=source, to_currency=target, amount=amount, fixed_side=side)
    return new_quote(pricing, quote_id="Q1", now=NOW, ttl=timedelta(seconds=30))


def test_fixed_source_rounds_the_target_down() -> None:
    # 100 USD x 149.6956281 JPY/USD = 14969.56281 JPY: the client receives 14969 JPY.
    quote = quote_of("100", FixedSide.SOURCE)

    assert quote.rate == Decimal("149.6956281")
    assert quote.source_amount == Decimal("100.00")
    assert quote.target_amount == Decimal("14969")


def test_fixed_target_rounds_the_source_up() -> None:
    # 14970 JPY / 149.6956281 = 100.00312... USD: the client pays 100.01 USD.
    quote = quote_of("14970", FixedSide.TARGET)

    assert quote.source_amount == Decimal("100.01")
    assert quote.target_amount == Decimal("14970")


def test_the_spread_is_taken_against_the_client() -> None:
    at_mid = price(
        TABLE, from_currency="KWD", to_currency="BHD", amount="1", fixed_side=FixedSide.SOURCE
    )
    with_spread = price(
        TABLE,
        from_currency="KWD",
        to_currency="BHD",
        amount="1",
        fixed_side=FixedSide.SOURCE,
        spread_bps=Decimal(50),
    )

    assert at_mid.rate == Decimal("1.222621184")  # 0.4086 / 0.3342, rounded down
    assert with_spread.rate == Decimal("1.216508078")  # x 0.995, rounded down
    assert with_spread.target_amount == Decimal("1.216")


@pytest.mark.parametrize(
    ("source", "target", "amount", "side", "error", "field"),
    [
        ("USD", "USD", "1", FixedSide.SOURCE, InvalidInput, "to_currency"),
        ("USX", "JPY", "1", FixedSide.SOURCE, InvalidInput, "from_currency"),
        ("USD", "INR", "1", FixedSide.SOURCE, RateNotFound, "to_currency"),
        ("USD", "JPY", "0", FixedSide.SOURCE, InvalidAmount, "amount"),
        ("USD", "JPY", "-5", FixedSide.SOURCE, InvalidAmount, "amount"),
        ("USD", "JPY", "1.005", FixedSide.SOURCE, InvalidAmount, "amount"),
        ("USD", "JPY", "1.5", FixedSide.TARGET, InvalidAmount, "amount"),
        ("JPY", "USD", "1", FixedSide.SOURCE, InvalidAmount, "amount"),  # 0.0066 USD
        ("KWD", "JPY", "999999999999", FixedSide.SOURCE, InvalidAmount, "amount"),
    ],
)
def test_refusals_are_typed_and_name_the_field(
    source: str,
    target: str,
    amount: str,
    side: FixedSide,
    error: type[Exception],
    field: str,
) -> None:
    with pytest.raises(error) as refused:
        price(TABLE, from_currency=source, to_currency=target, amount=amount, fixed_side=side)

    assert getattr(refused.value, "field", None) == field


def test_a_quote_is_used_by_a_transfer_of_its_source_amount_between_its_currencies() -> None:
    quote = quote_of("100", FixedSide.SOURCE)
    ok = {"source_currency": "USD", "destination_currency": "JPY", "amount": Decimal("100.00")}

    check_quote_use(quote, **ok, now=NOW + timedelta(seconds=29))

    with pytest.raises(QuoteExpired):
        check_quote_use(quote, **ok, now=NOW + timedelta(seconds=30))
    with pytest.raises(QuoteUsed):
        check_quote_use(Quote(**{**quote.__dict__, "used": True}), **ok, now=NOW)
    for changed, field in (
        ({"source_currency": "EUR"}, "from_id"),
        ({"destination_currency": "KWD"}, "to_id"),
        ({"amount": Decimal("100.01")}, "amount"),
    ):
        with pytest.raises(QuoteMismatch) as refused:
            check_quote_use(quote, **{**ok, **changed}, now=NOW)
        assert refused.value.field == field
        assert refused.value.code == "QUOTE_MISMATCH"
