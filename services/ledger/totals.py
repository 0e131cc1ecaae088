"""`ledgerTotals`: per currency, the sum of every account's balance (liquidity included).

Read by one paginated Scan of the table (accounts only are kept), so its cost grows with the
table: an operator's audit query, weighted like verification in the API's cost model, not a
dashboard to poll. Transfers and exchanges never change a total; only opening balances do.
"""

from __future__ import annotations

from decimal import Decimal

from services.domain.model import Account
from services.fx.totals import CurrencyTotal, ledger_totals
from services.identity import policy
from services.identity.principal import SYSTEM, Principal
from services.ledger.integrity import IntegrityReader


class TotalsService:
    def __init__(self, reader: IntegrityReader) -> None:
        self._reader = reader

    async def ledger_totals(self, *, principal: Principal = SYSTEM) -> list[CurrencyTotal]:
        """Every currency's total, sorted by code. Raises Forbidden for holders."""
        policy.ensure(policy.may_see_ledger_totals(principal), "ledger totals are for operators")
        balances: list[tuple[str, Decimal]] = []
        async for found in self._reader.scan(0, 1):
            if isinstance(found, Account):
                balances.append((found.currency, found.balance))
        return ledger_totals(balances)
