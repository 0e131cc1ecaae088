"""Pricing an exchange: the client rate, both amounts, and the quote a transfer later uses.

The rounding rule, in one sentence: the quoted `rate` is the mid rate less the spread, rounded
down to CLIENT_RATE_DIGITS significant digits, and the side that is not fixed is the exact value
at that rate rounded to its currency's exponent against the client - the target amount down
(fixed SOURCE), the source amount up (fixed TARGET). So at the quoted rate the client never
receives more than source x rate (the rule never favours the client, by even a fraction of a minor
unit), and loses less than one minor unit of the computed side:

    fixed SOURCE:  0 <= source x rate - target < one minor unit of the target currency
    fixed TARGET:  0 <= source - target / rate < one minor unit of the source currency

The liquidity accounts therefore never lose on rounding. All arithmetic runs in local decimal
contexts, exactly or with directed rounding whose direction is the one the rule needs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import (
    ROUND_CEILING,
    ROUND_FLOOR,
    ROUND_HALF_EVEN,
    Context,
    Decimal,
    DivisionByZero,
    Inexact,
    InvalidOperation,
    Overflow,
    localcontext,
)
from enum import StrEnum

from services.domain.errors import InvalidAmount, InvalidInput
from services.domain.money import MAX_AMOUNT, check_amount, currency_exponent, in_currency
from services.domain.money import validate_currency as _validate_currency_code
from services.fx.errors import QuoteExpired, QuoteMismatch, QuoteUsed
from services.fx.rates import RateTable

#: Significant digits of a quoted (client) rate.
CLIENT_RATE_DIGITS = 10
#: Spreads are in basis points: 100 bps = 1 %.
BPS = Decimal(10000)
MAX_SPREAD_BPS = Decimal(1000)
# Enough digits for every product of an amount (<= 16 digits) and a rate (<= 34) to be exact.
_WORKING_PRECISION = 80
# A fresh context, never a copy of the caller's: a global context changed elsewhere (precision,
# rounding, traps) must not change a price. Every helper below starts from it.
_CONTEXT = Context(
    prec=_WORKING_PRECISION,
    rounding=ROUND_HALF_EVEN,
    traps=[InvalidOperation, DivisionByZero, Overflow],
)


class FixedSide(StrEnum):
    """Which amount the client chose: what they pay (SOURCE) or what arrives (TARGET)."""

    SOURCE = "SOURCE"
    TARGET = "TARGET"


@dataclass(frozen=True)
class Pricing:
    """What an exchange costs, before it becomes a stored quote."""

    from_currency: str
    to_currency: str
    fixed_side: FixedSide
    rate: Decimal
    source_amount: Decimal
    target_amount: Decimal
    rates_as_of: datetime


@dataclass(frozen=True)
class Quote:
    """A priced exchange the client may book once, before `expires_at`."""

    id: str
    from_currency: str
    to_currency: str
    fixed_side: FixedSide
    rate: Decimal
    source_amount: Decimal
    target_amount: Decimal
    rates_as_of: datetime
    created_at: datetime
    expires_at: datetime
    used: bool = False

    def is_expired(self, now: datetime) -> bool:
        return now >= self.expires_at


def unit(currency: str) -> Decimal:
    """One minor unit of the currency: 0.01 USD, 1 JPY, 0.001 KWD."""
    return Decimal(1).scaleb(-currency_exponent(currency))


def client_rate(
    table: RateTable, from_currency: str, to_currency: str, spread_bps: Decimal
) -> Decimal:
    """Units of `to_currency` the client gets per unit of `from_currency`: the mid cross rate
    less the spread, rounded down (never in the client's favour). Raises RateNotFound."""
    numerator = table.per_base(to_currency, field="to_currency") * (BPS - spread_bps)
    denominator = table.per_base(from_currency, field="from_currency") * BPS
    with localcontext(_CONTEXT) as ctx:
        ctx.rounding = ROUND_FLOOR
        exact_enough = numerator / denominator
        ctx.prec = CLIENT_RATE_DIGITS
        return ctx.plus(exact_enough)


def price(
    table: RateTable,
    *,
    from_currency: str,
    to_currency: str,
    amount: object,
    fixed_side: FixedSide,
    spread_bps: Decimal = Decimal(0),
) -> Pricing:
    """Both amounts of an exchange of `amount` (in the source currency for fixed SOURCE, in the
    target currency for fixed TARGET), by the module's rounding rule.

    Raises InvalidInput (unknown or identical currencies, spread out of range), RateNotFound,
    InvalidAmount (not positive, too many decimals, above MAX_AMOUNT on either side, or too small
    to buy one minor unit of the target currency)."""
    with localcontext(_CONTEXT):
        return _price(table, from_currency, to_currency, amount, fixed_side, spread_bps)


def _price(
    table: RateTable,
    from_currency: str,
    to_currency: str,
    amount: object,
    fixed_side: FixedSide,
    spread_bps: Decimal,
) -> Pricing:
    source = _validate_currency(from_currency, field="from_currency")
    target = _validate_currency(to_currency, field="to_currency")
    if source == target:
        raise InvalidInput(f"cannot exchange {source} for itself", field="to_currency")
    if not Decimal(0) <= spread_bps <= MAX_SPREAD_BPS:
        raise InvalidInput(f"spread must be between 0 and {MAX_SPREAD_BPS} bps", field="spread")
    rate = client_rate(table, source, target, spread_bps)
    fixed = check_amount(amount, field="amount")
    if fixed_side is FixedSide.SOURCE:
        source_amount = in_currency(fixed, source, field="amount")
        target_amount = _times(source_amount, rate).quantize(unit(target), rounding=ROUND_FLOOR)
        if target_amount == 0:
            raise InvalidAmount(
                f"amount is too small: it buys less than one minor unit of {target}",
                field="amount",
            )
    else:
        target_amount = in_currency(fixed, target, field="amount")
        source_amount = _over(target_amount, rate).quantize(unit(source), rounding=ROUND_CEILING)
    if source_amount > MAX_AMOUNT or target_amount > MAX_AMOUNT:
        raise InvalidAmount(
            f"the exchanged amounts must be at most {MAX_AMOUNT} in each currency", field="amount"
        )
    return Pricing(source, target, fixed_side, rate, source_amount, target_amount, table.as_of)


def new_quote(pricing: Pricing, *, quote_id: str, now: datetime, ttl: timedelta) -> Quote:
    """The pricing as a quote valid from `now` for `ttl`."""
    return Quote(
        id=quote_id,
        from_currency=pricing.from_currency,
        to_currency=pricing.to_currency,
        fixed_side=pricing.fixed_side,
        rate=pricing.rate,
        source_amount=pricing.source_amount,
        target_amount=pricing.target_amount,
        rates_as_of=pricing.rates_as_of,
        created_at=now,
        expires_at=now + ttl,
    )


def check_quote_use(
    quote: Quote,
    *,
    source_currency: str,
    destination_currency: str,
    amount: Decimal,
    now: datetime,
) -> None:
    """Refuse a transfer that may not book `quote`: the transfer's `amount` is the quote's
    source amount, its accounts hold the quote's currencies. Raises QuoteUsed, QuoteExpired,
    QuoteMismatch."""
    if quote.used:
        raise QuoteUsed(quote.id)
    if quote.is_expired(now):
        raise QuoteExpired(quote.id, quote.expires_at)
    if source_currency != quote.from_currency:
        raise QuoteMismatch(
            quote.id,
            f"the source account holds {source_currency}, the quote sells {quote.from_currency}",
            field="from_id",
        )
    if destination_currency != quote.to_currency:
        raise QuoteMismatch(
            quote.id,
            f"the destination account holds {destination_currency}, "
            f"the quote buys {quote.to_currency}",
            field="to_id",
        )
    if amount != quote.source_amount:
        raise QuoteMismatch(
            quote.id,
            f"amount {amount} differs from the quoted source amount {quote.source_amount}",
            field="amount",
        )


def _validate_currency(code: object, *, field: str) -> str:
    try:
        return _validate_currency_code(code)
    except InvalidInput as exc:
        raise InvalidInput(exc.message, field=field) from None


def _times(amount: Decimal, rate: Decimal) -> Decimal:
    with localcontext(_CONTEXT) as ctx:
        ctx.traps[Inexact] = True  # exact by construction; a silent rounding here would be a bug
        return amount * rate


def _over(amount: Decimal, rate: Decimal) -> Decimal:
    # Rounded up at _WORKING_PRECISION digits, then up to the exponent by the caller: the result
    # needs far fewer digits than that, so rounding up twice equals rounding the exact value up.
    with localcontext(_CONTEXT) as ctx:
        ctx.rounding = ROUND_CEILING
        return amount / rate
