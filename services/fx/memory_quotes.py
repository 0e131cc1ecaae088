"""An in-memory QuoteStore for unit tests and the demo: one process, one event loop."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from decimal import Decimal

from services.fx.errors import QuoteNotFound
from services.fx.quotes import Quote, check_quote_use


class InMemoryQuoteStore:
    def __init__(self) -> None:
        self._quotes: dict[str, Quote] = {}

    async def save(self, quote: Quote) -> None:
        if quote.id in self._quotes:
            raise ValueError(f"quote {quote.id!r} already stored")
        self._quotes[quote.id] = quote

    async def get(self, quote_id: str) -> Quote | None:
        return self._quotes.get(quote_id)

    async def take(
        self,
        quote_id: str,
        *,
        source_currency: str,
        destination_currency: str,
        amount: Decimal,
        now: datetime,
    ) -> Quote:
        # No await between the check and the write: atomic within the event loop, like the
        # conditional update the DynamoDB adapter makes.
        quote = self._quotes.get(quote_id)
        if quote is None:
            raise QuoteNotFound(quote_id)
        check_quote_use(
            quote,
            source_currency=source_currency,
            destination_currency=destination_currency,
            amount=amount,
            now=now,
        )
        self._quotes[quote_id] = dataclasses.replace(quote, used=True)
        return quote

    def expire(self, now: datetime) -> None:
        """Drop quotes past their expiry, as DynamoDB's TTL eventually does."""
        self._quotes = {k: q for k, q in self._quotes.items() if not q.is_expired(now)}
