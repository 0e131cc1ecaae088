"""Opening accounts and reading them back, against the embedded DynamoDB endpoint."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from embedded_dynamodb import reset
from services import (
    AccountExists,
    AccountNotFound,
    Direction,
    ErrorCode,
    InvalidAmount,
    InvalidInput,
    Ledger,
    LedgerError,
)
from services.settings import Settings
from tests.helpers import items_of_type, table_items


async def test_opening_balance_is_the_first_entry(ledger: Ledger, settings: Settings) -> None:
    account = await ledger.create_account_with_balance(
        "alice", "125.5", currency="usd", email="Alice@Example.com", phone="+14155550100"
    )
    assert account.balance == Decimal("125.50")
    assert str(account.balance) == "125.50"
    assert account.currency == "USD"
    assert account.version == 1
    assert account.email == "Alice@example.com"
    assert await ledger.get_account("alice") == account
    assert await ledger.inquire_balance("alice") == Decimal("125.50")
    page = await ledger.get_transactions("alice", 10)
    [opening] = page.entries
    assert (opening.direction, opening.amount, opening.balance_after, opening.version) == (
        Direction.CREDIT,
        Decimal("125.50"),
        Decimal("125.50"),
        1,
    )
    assert opening.counterparty_id is None
    stored = items_of_type(await table_items(settings), "ACCOUNT")
    assert stored[0]["balance"] == {"N": "125.50"}


async def test_zero_opening_balance_writes_no_entry(ledger: Ledger) -> None:
    account = await ledger.create_account_with_balance("bob", 0)
    assert (account.balance, account.version, account.currency) == (Decimal("0.00"), 0, "USD")
    assert (await ledger.get_transactions("bob", 5)).entries == []


async def test_existing_account_is_never_overwritten(ledger: Ledger, settings: Settings) -> None:
    await ledger.create_account_with_balance("alice", "10.00", currency="USD")
    before = await table_items(settings)
    with pytest.raises(AccountExists) as raised:
        await ledger.create_account_with_balance("alice", "99.00", currency="EUR")
    assert raised.value.code is ErrorCode.ACCOUNT_EXISTS
    assert await table_items(settings) == before
    assert await ledger.inquire_balance("alice") == Decimal("10.00")


async def test_concurrent_creates_of_one_id_open_it_once(settings: Settings) -> None:
    """Twenty racing creates from two processes: one wins, the rest are ACCOUNT_EXISTS."""
    async with Ledger.connect(settings) as first, Ledger.connect(settings) as second:

        async def create(n: int) -> str:
            ledger = first if n % 2 else second
            try:
                await ledger.create_account_with_balance("dup", Decimal(n + 1), currency="USD")
            except AccountExists:
                return "exists"
            return "created"

        outcomes = await asyncio.gather(*(create(n) for n in range(20)))
        assert outcomes.count("created") == 1
        items = await table_items(settings)
        accounts = items_of_type(items, "ACCOUNT")
        entries = items_of_type(items, "ENTRY")
        assert len(accounts) == 1
        assert len(entries) == 1
        assert entries[0]["amount"]["N"] == accounts[0]["balance"]["N"]


@pytest.mark.parametrize(
    ("kwargs", "error", "field"),
    [
        ({"account_id": ""}, InvalidInput, "account_id"),
        ({"account_id": "x" * 129}, InvalidInput, "account_id"),
        ({"account_id": "has space"}, InvalidInput, "account_id"),
        ({"account_id": "#hash"}, InvalidInput, "account_id"),
        ({"initial_balance": "-0.01"}, InvalidAmount, "initial_balance"),
        ({"initial_balance": "1.001"}, InvalidAmount, "initial_balance"),
        ({"initial_balance": 0.1}, InvalidAmount, "initial_balance"),
        ({"initial_balance": "NaN"}, InvalidAmount, "initial_balance"),
        ({"initial_balance": "Infinity"}, InvalidAmount, "initial_balance"),
        ({"initial_balance": "1e400"}, InvalidAmount, "initial_balance"),
        ({"initial_balance": "1000000000000.01"}, InvalidAmount, "initial_balance"),
        ({"initial_balance": "ten"}, InvalidAmount, "initial_balance"),
        ({"initial_balance": ""}, InvalidAmount, "initial_balance"),
        ({"initial_balance": True}, InvalidAmount, "initial_balance"),
        ({"currency": "XYZ"}, InvalidInput, "currency"),
        ({"currency": ""}, InvalidInput, "currency"),
        ({"currency": "JPY", "initial_balance": "1.5"}, InvalidAmount, "initial_balance"),
        ({"email": "not-an-email"}, InvalidInput, "email"),
        ({"email": ""}, InvalidInput, "email"),
        ({"phone": "4155550100"}, InvalidInput, "phone"),
        ({"phone": "+0123"}, InvalidInput, "phone"),
        ({"phone": "+1234567890123456"}, InvalidInput, "phone"),
    ],
)
async def test_bad_input_is_refused_and_writes_nothing(
    ledger: Ledger,
    settings: Settings,
    kwargs: dict[str, object],
    error: type[LedgerError],
    field: str,
) -> None:
    arguments: dict[str, object] = {"account_id": "carol", "initial_balance": "1.00"} | kwargs
    account_id = arguments.pop("account_id")
    initial_balance = arguments.pop("initial_balance")
    with pytest.raises(error) as raised:
        await ledger.create_account_with_balance(account_id, initial_balance, **arguments)  # type: ignore[arg-type]
    assert raised.value.field == field
    assert await table_items(settings) == []


@pytest.mark.parametrize(
    ("currency", "amount", "stored"),
    [
        ("JPY", "1500", "1500"),
        ("KWD", "1.125", "1.125"),
        ("USD", "7", "7.00"),
        ("EUR", "2.5", "2.50"),
    ],
)
async def test_currency_exponents(ledger: Ledger, currency: str, amount: str, stored: str) -> None:
    account = await ledger.create_account_with_balance("acct", amount, currency=currency)
    assert format(account.balance, "f") == stored
    assert format(await ledger.inquire_balance("acct"), "f") == stored


async def test_unknown_account_reads(ledger: Ledger) -> None:
    for account_id in ("nobody", "", "bad id"):
        with pytest.raises(AccountNotFound):
            await ledger.get_account(account_id)
        with pytest.raises(AccountNotFound):
            await ledger.inquire_balance(account_id)
        with pytest.raises(AccountNotFound):
            await ledger.get_transactions(account_id, 10)


async def test_check_users_exist(ledger: Ledger) -> None:
    for name in ("a", "b", "c"):
        await ledger.create_account_with_balance(name, 0)
    assert await ledger.check_users_exist([]) == []
    assert await ledger.check_users_exist(["a", "b"]) == []
    assert await ledger.check_users_exist(["z", "a", "y", "z", "", "c", "y"]) == ["z", "y", ""]


async def test_check_users_exist_reads_in_chunks_of_100(ledger: Ledger) -> None:
    present = [f"user-{n:03d}" for n in range(0, 250, 2)]
    for account_id in present:
        await ledger.create_account_with_balance(account_id, 0)
    asked = [f"user-{n:03d}" for n in range(250)]
    missing = await ledger.check_users_exist(asked)
    assert missing == [f"user-{n:03d}" for n in range(1, 250, 2)]
    found = await ledger.get_accounts(asked)
    assert sorted(found) == present


async def test_a_reset_table_does_not_confuse_a_long_lived_ledger(
    ledger: Ledger, settings: Settings
) -> None:
    """One Ledger across a table reset (as a test suite with a shared client does): accounts
    opened again start from scratch, and transfers plan from them, not from before the reset."""
    await ledger.create_account_with_balance("alice", "100.00")
    await ledger.create_account_with_balance("bob", "0")
    for _ in range(3):
        await ledger.transfer_credits("alice", "bob", "1.00")
    reset(str(settings.endpoint_url))
    await ledger.ensure_table()
    await ledger.create_account_with_balance("alice", "10.00")
    await ledger.create_account_with_balance("bob", "0")

    await ledger.transfer_credits("alice", "bob", "4.00")

    assert await ledger.inquire_balance("alice") == Decimal("6.00")
    page = await ledger.get_transactions("alice", 10)
    assert [(e.version, e.balance_after) for e in page.entries] == [
        (2, Decimal("6.00")),
        (1, Decimal("10.00")),
    ]
