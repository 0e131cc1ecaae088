from __future__ import annotations

from graph.context import Info
from graph.errors import UserError
from graph.exchange import Quote, QuoteInput, QuotePayload
from services import LedgerError
from services.fx.quotes import FixedSide

#: The service's argument names -> QuoteInput's field names.
FIELDS = {
    "from_currency": "fromCurrency",
    "to_currency": "toCurrency",
    "amount": "amount",
    "fixed_side": "fixedSide",
}


async def quote(info: Info, input: QuoteInput) -> QuotePayload:
    """Price an exchange from the configured rates and store the quote for one transfer."""
    try:
        priced = await info.context.ledger.quote(
            input.from_currency,
            input.to_currency,
            input.amount,
            FixedSide(input.fixed_side.value),
        )
    except LedgerError as error:
        return QuotePayload(quote=None, user_errors=[UserError.from_domain(error, FIELDS)])
    return QuotePayload(quote=Quote.from_domain(priced), user_errors=[])
