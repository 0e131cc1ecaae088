"""Typed refusals of the exchange services.

They derive from `LedgerError` so the API turns them into `userErrors` like every other business
failure; their codes are `ErrorCode` members (`FxErrorCode` names the subset, same values).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from services.domain.errors import ErrorCode, LedgerError


class FxErrorCode(StrEnum):
    QUOTE_NOT_FOUND = ErrorCode.QUOTE_NOT_FOUND.value
    QUOTE_EXPIRED = ErrorCode.QUOTE_EXPIRED.value
    QUOTE_USED = ErrorCode.QUOTE_USED.value
    QUOTE_MISMATCH = ErrorCode.QUOTE_MISMATCH.value
    RATE_NOT_FOUND = ErrorCode.RATE_NOT_FOUND.value
    RATES_UNAVAILABLE = ErrorCode.RATES_UNAVAILABLE.value
    RATES_STALE = ErrorCode.RATES_STALE.value


class FxError(LedgerError):
    """Base of the exchange's refusals; nothing was written when one is raised."""


class QuoteNotFound(FxError):
    """No such quote, or its TTL has evicted it."""

    code = ErrorCode.QUOTE_NOT_FOUND

    def __init__(self, quote_id: str) -> None:
        super().__init__(f"quote {quote_id!r} does not exist or has expired", field="quote_id")
        self.quote_id = quote_id


class QuoteExpired(FxError):
    code = ErrorCode.QUOTE_EXPIRED

    def __init__(self, quote_id: str, expired_at: datetime) -> None:
        super().__init__(
            f"quote {quote_id!r} expired at {expired_at.isoformat()}: ask for a new quote",
            field="quote_id",
        )
        self.quote_id = quote_id
        self.expired_at = expired_at


class QuoteUsed(FxError):
    code = ErrorCode.QUOTE_USED

    def __init__(self, quote_id: str) -> None:
        super().__init__(
            f"quote {quote_id!r} was already used: a quote books one transfer", field="quote_id"
        )
        self.quote_id = quote_id


class QuoteMismatch(FxError):
    """The transfer does not match what was quoted (currencies or amount)."""

    code = ErrorCode.QUOTE_MISMATCH

    def __init__(self, quote_id: str, detail: str, *, field: str) -> None:
        super().__init__(f"quote {quote_id!r} does not match this transfer: {detail}", field=field)
        self.quote_id = quote_id


class RateNotFound(FxError):
    """Both codes are valid ISO 4217, but the rates have no rate for one of them."""

    code = ErrorCode.RATE_NOT_FOUND

    def __init__(self, currency: str, *, field: str = "to_currency") -> None:
        super().__init__(f"no exchange rate is available for {currency}", field=field)
        self.currency = currency


class RatesUnavailable(FxError):
    """No usable rates: the provider cannot be reached or sent something unusable, and no
    fresh copy is cached. `reason` is a short fixed phrase; details go to the log only."""

    code = ErrorCode.RATES_UNAVAILABLE

    def __init__(self, reason: str) -> None:
        super().__init__(f"exchange rates are unavailable ({reason}): try again later")
        self.reason = reason


class RatesStale(RatesUnavailable):
    """The newest rates known are older than the configured maximum age."""

    code = ErrorCode.RATES_STALE

    def __init__(self, as_of: datetime, max_age_seconds: float) -> None:
        LedgerError.__init__(
            self,
            f"exchange rates are stale: the newest are as of {as_of.isoformat()}, older than "
            f"{max_age_seconds:g} s allowed; try again later",
        )
        self.reason = "stale"
        self.as_of = as_of
        self.max_age_seconds = max_age_seconds
