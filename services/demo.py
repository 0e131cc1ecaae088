"""Demo data for `ledger serve --demo`: accounts in three currencies, transfers and two currency
exchanges (at LEDGER_FX_* rates: the shipped sample rates by default) to explore in GraphiQL.

Accounts open empty and are funded the way a real deployment funds them: a deposit, that is a
transfer from an external settlement account per currency (no overdraft limit), which carries
the negative side. Safe to load twice: existing accounts are kept and every transfer has an
idempotency key, so a second run changes nothing.
"""

from __future__ import annotations

import logging
from decimal import Decimal

from services.domain.errors import AccountExists, IdempotencyConflict, LedgerError
from services.fx.quotes import FixedSide
from services.identity.principal import SYSTEM
from services.ledger import Ledger

log = logging.getLogger(__name__)

#: External accounts (no overdraft limit) that deposits come from, one per currency.
SETTLEMENT = "bank:settlement"

#: (id, deposited balance, currency, email, phone, owner): each holder's token (`ledger
#: dev-token --sub alice`) shows that holder's view.
DEMO_ACCOUNTS: tuple[tuple[str, str, str, str | None, str | None, str], ...] = (
    ("alice", "1000.00", "USD", "alice@example.com", "+14155550101", "alice"),
    ("bob", "250.00", "USD", "bob@example.com", None, "bob"),
    ("carol", "0", "USD", None, "+14155550103", "carol"),
    ("dave-eur", "500.00", "EUR", None, None, "dave"),
    ("yuki-jpy", "100000", "JPY", None, None, "yuki"),
    ("alice-eur", "0", "EUR", None, None, "alice"),
)

#: (from, to, amount, memo)
DEMO_TRANSFERS: tuple[tuple[str, str, str, str], ...] = (
    ("alice", "bob", "42.50", "concert tickets"),
    ("bob", "carol", "10.00", "coffee beans"),
    ("alice", "carol", "125.00", "rent share"),
    ("carol", "alice", "5.25", "parking"),
    ("bob", "alice", "19.99", "book"),
    ("alice", "bob", "7.00", "lunch"),
    ("alice", "carol", "60.00", "groceries"),
    ("carol", "bob", "15.50", "cinema"),
)

#: Currency exchanges at the configured rates (the shipped sample rates by default):
#: (from, to, from currency, to currency, amount, fixed side, memo).
DEMO_EXCHANGES: tuple[tuple[str, str, str, str, str, FixedSide, str], ...] = (
    ("alice", "alice-eur", "USD", "EUR", "200.00", FixedSide.SOURCE, "travel money"),
    ("yuki-jpy", "dave-eur", "JPY", "EUR", "50.00", FixedSide.TARGET, "gift"),
)


async def load_demo(ledger: Ledger) -> None:
    """Create the demo accounts and transfers (idempotent)."""
    for currency in sorted({account[2] for account in DEMO_ACCOUNTS}):
        await _open(ledger, settlement_id(currency), currency=currency, overdraft_limit=None)
    for account_id, _, currency, email, phone, owner in DEMO_ACCOUNTS:
        await _open(ledger, account_id, currency=currency, email=email, phone=phone, owner=owner)
    for account_id, balance, currency, *_ in DEMO_ACCOUNTS:
        if not Decimal(balance):
            continue
        await ledger.transfer_credits(
            settlement_id(currency),
            account_id,
            Decimal(balance),
            idempotency_key=f"demo-deposit-{account_id}",
            memo="deposit",
        )
    for number, (source, destination, amount, memo) in enumerate(DEMO_TRANSFERS, start=1):
        await ledger.transfer_credits(
            source, destination, Decimal(amount), idempotency_key=f"demo-{number}", memo=memo
        )
    await _exchanges(ledger)
    log.info(
        "demo data loaded",
        extra={"accounts": [a[0] for a in DEMO_ACCOUNTS], "transfers": len(DEMO_TRANSFERS)},
    )


async def _exchanges(ledger: Ledger) -> None:
    """Quote, then book each exchange: four entries through the fx:<CCY> liquidity accounts."""
    acting = ledger.acting_as(SYSTEM)
    for number, (source, target, sells, buys, amount, side, memo) in enumerate(
        DEMO_EXCHANGES, start=1
    ):
        try:
            quote = await acting.quote(sells, buys, amount, side)
            await acting.transfer_credits(
                source,
                target,
                quote.source_amount,
                idempotency_key=f"demo-fx-{number}",
                memo=memo,
                quote_id=quote.id,
            )
        except IdempotencyConflict:
            # Booked by an earlier run at an earlier quote: nothing to do.
            log.info("demo exchange already booked", extra={"exchange": number})
        except LedgerError as error:
            # Rates unavailable (an `ecb` provider offline): the rest of the demo still loads.
            log.warning("demo exchange skipped", extra={"reason": error.message})


def settlement_id(currency: str) -> str:
    return SETTLEMENT if currency == "USD" else f"{SETTLEMENT}:{currency.lower()}"


async def _open(
    ledger: Ledger,
    account_id: str,
    *,
    currency: str,
    email: str | None = None,
    phone: str | None = None,
    owner: str | None = None,
    overdraft_limit: Decimal | None = Decimal(0),
) -> None:
    try:
        await ledger.create_account_with_balance(
            account_id,
            Decimal(0),
            currency=currency,
            email=email,
            phone=phone,
            owner_id=owner,
            overdraft_limit=overdraft_limit,
        )
    except AccountExists:
        log.info("demo account already exists", extra={"account_id": account_id})
