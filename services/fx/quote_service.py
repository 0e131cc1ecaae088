"""Quoting exchanges and handing a quote to the transfer that books it.

The ledger's exchange (services/ledger/exchanges.py) reads a quote with `get` and marks it used
inside its own transaction (services/dynamo/quote_items.py); `take` does the same on its own,
for a caller that books outside the ledger. Booking never asks for rates, so a rates outage
refuses new quotes and nothing else.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Protocol

from ulid import ULID

from services.fx.quotes import FixedSide, Quote, new_quote, price
from services.fx.rates import RatesProvider

log = logging.getLogger(__name__)


class QuoteStore(Protocol):
    """Where quotes wait for their transfer. An adapter expires them itself (DynamoDB TTL) no
    earlier than `expires_at`; callers still check `expires_at`, since TTL deletion lags."""

    async def save(self, quote: Quote) -> None:
        """Store a new quote (ids are unique ULIDs: never overwrites)."""
        ...

    async def get(self, quote_id: str) -> Quote | None: ...

    async def take(
        self,
        quote_id: str,
        *,
        source_currency: str,
        destination_currency: str,
        amount: Decimal,
        now: datetime,
    ) -> Quote:
        """Mark the quote used, atomically and at most once, if check_quote_use accepts it;
        return it as it was before. Raises QuoteNotFound, QuoteUsed, QuoteExpired,
        QuoteMismatch; nothing changes when it raises."""
        ...


def _utc_now() -> datetime:
    return datetime.now(UTC)


class QuoteService:
    """Prices exchanges from the rates provider and stores the quotes."""

    def __init__(
        self,
        rates: RatesProvider,
        store: QuoteStore,
        *,
        spread_bps: Decimal,
        ttl: timedelta,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self._rates = rates
        self._store = store
        self._spread_bps = spread_bps
        self._ttl = ttl
        self._clock = clock

    async def quote(
        self, from_currency: str, to_currency: str, amount: object, fixed_side: FixedSide
    ) -> Quote:
        """Price and store a quote valid for the configured TTL. Raises InvalidInput,
        InvalidAmount, RateNotFound, RatesUnavailable, RatesStale."""
        table = await self._rates.rates()
        pricing = price(
            table,
            from_currency=from_currency,
            to_currency=to_currency,
            amount=amount,
            fixed_side=fixed_side,
            spread_bps=self._spread_bps,
        )
        quote = new_quote(pricing, quote_id=str(ULID()), now=self._clock(), ttl=self._ttl)
        await self._store.save(quote)
        return quote

    async def get(self, quote_id: str) -> Quote | None:
        return await self._store.get(quote_id)

    async def take(
        self, quote_id: str, *, source_currency: str, destination_currency: str, amount: Decimal
    ) -> Quote:
        """Use the quote once for a transfer (see QuoteStore.take). Raises QuoteNotFound,
        QuoteUsed, QuoteExpired, QuoteMismatch."""
        return await self._store.take(
            quote_id,
            source_currency=source_currency,
            destination_currency=destination_currency,
            amount=amount,
            now=self._clock(),
        )
