"""Currency exchange as GraphQL types: quotes, the exchange side of entries, ledger totals."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import Enum

import strawberry

from graph.errors import UserError
from services.domain import model
from services.domain.money import currency_places
from services.fx.quotes import Quote as DomainQuote
from services.fx.totals import CurrencyTotal as DomainTotal


@strawberry.enum(description="Which amount of an exchange the client fixes.")
class FixedSide(Enum):
    SOURCE = "SOURCE"
    TARGET = "TARGET"


@strawberry.input
class QuoteInput:
    from_currency: str = strawberry.field(description="ISO 4217 code the client pays in.")
    to_currency: str = strawberry.field(description="ISO 4217 code the client receives.")
    amount: Decimal = strawberry.field(
        description="The fixed side's amount: in fromCurrency for SOURCE, toCurrency for "
        "TARGET; greater than zero, with at most that currency's decimal places."
    )
    fixed_side: FixedSide = FixedSide.SOURCE


@strawberry.type(
    description="A priced exchange, bookable once by `transfer(input: {..., quoteId})` "
    "before `expiresAt`. rate = units of toCurrency per unit of fromCurrency (the mid rate "
    "less the spread, rounded down to 10 significant digits); the amount not fixed is exact "
    'at that rate, rounded against the client (README, "Rounding rule").'
)
class Quote:
    id: strawberry.ID
    from_currency: str
    to_currency: str
    fixed_side: FixedSide
    rate: Decimal
    source_amount: Decimal = strawberry.field(
        description="What leaves the source account (the transfer's amount)."
    )
    target_amount: Decimal = strawberry.field(description="What reaches the destination.")
    rates_as_of: datetime = strawberry.field(description="When the provider's rates were set.")
    created_at: datetime
    expires_at: datetime

    @classmethod
    def from_domain(cls, quote: DomainQuote) -> Quote:
        return cls(
            id=strawberry.ID(quote.id),
            from_currency=quote.from_currency,
            to_currency=quote.to_currency,
            fixed_side=FixedSide(quote.fixed_side.value),
            rate=quote.rate,
            source_amount=currency_places(quote.source_amount, quote.from_currency),
            target_amount=currency_places(quote.target_amount, quote.to_currency),
            rates_as_of=quote.rates_as_of,
            created_at=quote.created_at,
            expires_at=quote.expires_at,
        )


@strawberry.type
class QuotePayload:
    quote: Quote | None
    user_errors: list[UserError]


@strawberry.type(description="The other side of an exchange, as one entry or leg sees it.")
class Exchange:
    rate: Decimal = strawberry.field(description="The quote's rate (target per source unit).")
    counter_amount: Decimal = strawberry.field(description="The amount on the other side.")
    counter_currency: str
    quote_id: strawberry.ID

    @classmethod
    def from_domain(cls, exchange: model.Exchange | None) -> Exchange | None:
        if exchange is None:
            return None
        return cls(
            rate=exchange.rate,
            counter_amount=currency_places(exchange.counter_amount, exchange.counter_currency),
            counter_currency=exchange.counter_currency,
            quote_id=strawberry.ID(exchange.quote_id),
        )


@strawberry.type(description="The sum of every account's balance in one currency.")
class CurrencyTotal:
    currency: str
    total: Decimal

    @classmethod
    def from_domain(cls, total: DomainTotal) -> CurrencyTotal:
        return cls(currency=total.currency, total=total.total)
