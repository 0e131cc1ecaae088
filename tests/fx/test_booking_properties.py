"""Exchanges booked through the real ledger (embedded DynamoDB over HTTP) over random pairs
(JPY and KRW with no decimals, KWD and BHD with three), rates, amounts, sides and spreads:
each booking balances per currency exactly, and the amounts agree with the rate by the rule."""

from __future__ import annotations

import asyncio
import uuid
from decimal import Decimal
from fractions import Fraction

from hypothesis import HealthCheck, assume, given, settings

from services import Ledger
from services.domain.errors import InvalidAmount
from services.domain.money import MAX_AMOUNT
from services.fx.quotes import FixedSide, Quote
from services.fx.rates import RateTable
from services.identity.principal import SYSTEM
from services.settings import Settings
from tests.fx.test_quote_properties import exchanges, minor_unit

Case = tuple[RateTable, str, str, Decimal, FixedSide, Decimal]


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(case=exchanges())
def test_every_booked_exchange_balances_per_currency_and_obeys_the_rule(
    settings: Settings, case: Case
) -> None:
    table, source, target, amount, side, spread = case
    rates = ",".join(f"{code}={format(rate, 'f')}" for code, rate in table.rates.items())
    configured = settings.model_copy(update={"fx_static_rates": rates, "fx_spread_bps": spread})
    quote = asyncio.run(_book(configured, source, target, amount, side))
    assume(quote is not None)
    assert quote is not None
    rate = Fraction(quote.rate)
    paid, received = Fraction(quote.source_amount), Fraction(quote.target_amount)
    if side is FixedSide.SOURCE:
        assert quote.source_amount == amount
        assert 0 <= paid * rate - received < minor_unit(target)
    else:
        assert quote.target_amount == amount
        assert 0 <= paid - received / rate < minor_unit(source)


async def _book(
    settings: Settings, source: str, target: str, amount: Decimal, side: FixedSide
) -> Quote | None:
    async with Ledger.connect(settings) as ledger:
        acting = ledger.acting_as(SYSTEM)
        try:
            quote = await acting.quote(source, target, amount, side)
        except InvalidAmount:
            return None  # too small to buy one minor unit, or above MAX_AMOUNT on a side
        if quote.source_amount > MAX_AMOUNT:
            return None
        tag = uuid.uuid4().hex[:10]
        payer, payee = f"payer-{tag}", f"payee-{tag}"
        await ledger.create_account_with_balance(payer, quote.source_amount, currency=source)
        await ledger.create_account_with_balance(payee, "0", currency=target)
        liquidity = [f"fx:{source}", f"fx:{target}"]
        before = await ledger.get_accounts(liquidity)
        leg = await acting.transfer_credits(
            payer, payee, quote.source_amount, quote_id=quote.id, idempotency_key=tag
        )
        after = await ledger.get_accounts([payer, payee, *liquidity])

        def moved(account_id: str) -> Decimal:
            start = before[account_id].balance if account_id in before else Decimal(0)
            return after[account_id].balance - start

        assert after[payer].balance == 0
        assert after[payee].balance == quote.target_amount
        # Per currency the four entries sum to exactly zero.
        assert moved(f"fx:{source}") - quote.source_amount == 0
        assert moved(f"fx:{target}") + quote.target_amount == 0
        entries = []
        for account_id in (payer, payee, *liquidity):
            page = await ledger.get_transactions(account_id, 1, None)
            entries.append(page.entries[0])
        assert {e.transfer_id for e in entries[:1]} == {leg.id}
        net: dict[str, Decimal] = {}
        for entry in entries:
            assert entry.exchange is not None
            assert entry.exchange.quote_id == quote.id
            net[entry.currency] = net.get(entry.currency, Decimal(0)) + entry.delta
        assert net == {source: Decimal(0), target: Decimal(0)}
        return quote
