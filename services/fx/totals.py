"""`ledgerTotals`: per currency, the sum of every account's balance, liquidity accounts included.

Transfers and exchanges move money between accounts of one currency at a time, so only opening
balances change a total; a total that moves otherwise is a bug the operator should see.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Context, Decimal, Inexact, InvalidOperation, localcontext

from services.domain.money import format_amount


@dataclass(frozen=True)
class CurrencyTotal:
    currency: str
    total: Decimal


def ledger_totals(balances: Iterable[tuple[str, Decimal]]) -> list[CurrencyTotal]:
    """Sum (currency, balance) pairs per currency, exactly; sorted by currency code, each total
    with its currency's exponent."""
    sums: dict[str, Decimal] = {}
    # The global context's 28 digits could round a sum of many large balances silently.
    with localcontext(Context(prec=60, traps=[Inexact, InvalidOperation])):
        for currency, balance in balances:
            sums[currency] = sums.get(currency, Decimal(0)) + balance
    return [
        CurrencyTotal(currency, Decimal(format_amount(sums[currency], currency)))
        for currency in sorted(sums)
    ]
