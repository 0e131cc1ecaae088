"""The four legs of an exchange, planned without I/O.

    source account        -S  (source currency)   client pays
    fx:<source currency>  +S  (source currency)   the bank's liquidity receives
    fx:<target currency>  -T  (target currency)   the bank's liquidity pays out
    destination account   +T  (target currency)   client receives

Per currency the legs sum to exactly zero, so an exchange never changes a currency's total.
Liquidity accounts are external (unlimited overdraft) and created on demand by the store.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from services.domain.errors import InvalidInput, SameAccount
from services.domain.model import Exchange
from services.domain.money import validate_currency
from services.fx.quotes import Quote

LIQUIDITY_PREFIX = "fx:"


def liquidity_account_id(currency: str) -> str:
    """The bank's liquidity account for `currency`: "fx:USD". Raises InvalidInput."""
    return f"{LIQUIDITY_PREFIX}{validate_currency(currency)}"


def is_liquidity_account(account_id: str) -> bool:
    return account_id.startswith(LIQUIDITY_PREFIX)


#: What an entry of an exchange shows about the other side (`LedgerEntry.exchange`).
ExchangeSide = Exchange


@dataclass(frozen=True)
class Posting:
    """One leg: `amount` (signed: negative leaves the account) in the account's currency."""

    account_id: str
    currency: str
    amount: Decimal
    exchange: ExchangeSide


def plan_exchange(
    quote: Quote, *, source_account_id: str, destination_account_id: str
) -> tuple[Posting, ...]:
    """The four postings that book `quote` between the two client accounts, in the order of the
    module's table. The caller has checked the quote (check_quote_use) and the accounts'
    currencies. Raises SameAccount, InvalidInput (a liquidity account as an endpoint: the
    exchange would post twice to one item)."""
    if source_account_id == destination_account_id:
        raise SameAccount(source_account_id)
    for field, account_id in (("from_id", source_account_id), ("to_id", destination_account_id)):
        if is_liquidity_account(account_id):
            raise InvalidInput(
                f"liquidity account {account_id!r} cannot be a side of an exchange", field=field
            )
    source, target = quote.from_currency, quote.to_currency
    paid, received = quote.source_amount, quote.target_amount
    buys = ExchangeSide(quote.rate, received, target, quote.id)
    sells = ExchangeSide(quote.rate, paid, source, quote.id)
    return (
        Posting(source_account_id, source, -paid, buys),
        Posting(liquidity_account_id(source), source, paid, buys),
        Posting(liquidity_account_id(target), target, -received, sells),
        Posting(destination_account_id, target, received, sells),
    )


def net_by_currency(postings: Iterable[Posting]) -> dict[str, Decimal]:
    """Sum of the postings per currency (zero for every currency of a planned exchange)."""
    sums: defaultdict[str, Decimal] = defaultdict(Decimal)
    for posting in postings:
        sums[posting.currency] += posting.amount
    return dict(sums)
