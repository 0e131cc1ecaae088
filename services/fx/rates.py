"""Exchange rates: an immutable table against one base currency, and the port that provides it.

Rates are `Decimal` from the text they were parsed from to the booking; cross rates are computed
in a local decimal context, never the global one, so a caller's context cannot change them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Context, Decimal, localcontext
from types import MappingProxyType
from typing import Protocol

from services.domain.errors import LedgerError
from services.domain.money import to_decimal, validate_currency
from services.fx.errors import RateNotFound

#: Significant digits of a cross rate: decimal128's, far beyond any quoted rate's.
RATE_PRECISION = 34
#: A rate with more significant digits than this is refused: no source quotes one, and the
#: bound keeps every product of rates and amounts exact at RATE_PRECISION.
MAX_RATE_DIGITS = 12
#: Bounds of a rate against the base: wider than any real currency's, narrow enough that a cross
#: rate times any amount up to MAX_AMOUNT stays well inside exact decimal arithmetic.
MIN_RATE = Decimal("1e-6")
MAX_RATE = Decimal("1e9")


@dataclass(frozen=True)
class Rate:
    """Mid rate: `value` units of `to_currency` for one unit of `from_currency`."""

    from_currency: str
    to_currency: str
    value: Decimal
    as_of: datetime


@dataclass(frozen=True)
class RateTable:
    """Units of each currency for one unit of `base` (whose own rate is exactly 1), as of a time.

    Build one with `RateTable.build`, which validates; the constructor trusts its input.
    """

    base: str
    rates: Mapping[str, Decimal]
    as_of: datetime

    @classmethod
    def build(cls, base: str, rates: Mapping[str, object], as_of: datetime) -> RateTable:
        """Validate codes (ISO 4217) and rates (at most MAX_RATE_DIGITS significant digits,
        between MIN_RATE and MAX_RATE). The base may be omitted from `rates`; if present, its
        rate must be 1. Raises ValueError naming the offending entry."""
        if as_of.tzinfo is None:
            raise ValueError("as_of must be timezone-aware")
        try:
            base_code = validate_currency(base)
        except LedgerError as exc:
            raise ValueError(f"base: {exc.message}") from None
        table: dict[str, Decimal] = {base_code: Decimal(1)}
        for raw_code, raw_rate in rates.items():
            try:
                code = validate_currency(raw_code)
                rate = to_decimal(raw_rate, field=f"rate of {code}")
            except LedgerError as exc:
                raise ValueError(exc.message) from None
            if not MIN_RATE <= rate <= MAX_RATE:
                raise ValueError(f"rate of {code} must be between {MIN_RATE} and {MAX_RATE}")
            if len(rate.normalize().as_tuple().digits) > MAX_RATE_DIGITS:
                raise ValueError(f"rate of {code} has more than {MAX_RATE_DIGITS} digits")
            if code == base_code and rate != 1:
                raise ValueError(f"the base currency {code} must have rate 1, not {rate}")
            if code in table and code != base_code:
                raise ValueError(f"{code} is listed twice")
            table[code] = rate
        return cls(base=base_code, rates=MappingProxyType(table), as_of=as_of)

    @property
    def currencies(self) -> frozenset[str]:
        return frozenset(self.rates)

    def per_base(self, currency: str, *, field: str = "to_currency") -> Decimal:
        """Units of `currency` for one unit of the base. Raises RateNotFound."""
        try:
            return self.rates[currency]
        except KeyError:
            raise RateNotFound(currency, field=field) from None

    def rate(self, from_currency: str, to_currency: str) -> Rate:
        """The mid cross rate through the base, correctly rounded (half-even) to RATE_PRECISION
        significant digits. Raises RateNotFound."""
        numerator = self.per_base(to_currency, field="to_currency")
        denominator = self.per_base(from_currency, field="from_currency")
        # A fresh context, not a copy of the caller's, whatever the global one was set to.
        with localcontext(Context(prec=RATE_PRECISION, rounding=ROUND_HALF_EVEN)):
            value = numerator / denominator
        return Rate(from_currency, to_currency, value, self.as_of)


class RatesProvider(Protocol):
    """Where the exchange services get their rates."""

    async def rates(self) -> RateTable:
        """The newest usable table. Raises RatesUnavailable (nothing usable), or RatesStale
        (the newest known rates are older than the configured maximum age)."""
        ...
