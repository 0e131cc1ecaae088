"""Defect 2: DynamoDB returns numbers normalized (12.50 as 12.5, 100.00 as 100); the embedded
endpoint now does too, and every amount that leaves the service is written with the
currency's exponent (messages, events, what the ledger reads back)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import aioboto3

from services.domain.events import BalanceChanged
from services.domain.model import Account, Direction, Entry
from services.hub import wire
from services.ledger import Ledger
from services.notifications import templates
from services.settings import Settings


async def test_the_embedded_endpoint_normalizes_numbers(settings: Settings) -> None:
    session = aioboto3.Session(
        aws_access_key_id="test", aws_secret_access_key="test", region_name="us-east-1"
    )
    async with session.client("dynamodb", endpoint_url=settings.endpoint_url) as client:
        await client.create_table(
            TableName="numbers",
            KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "PK", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        item = {"PK": {"S": "x"}, "a": {"N": "12.50"}, "b": {"N": "100.00"}, "c": {"N": "007"}}
        await client.put_item(TableName="numbers", Item=item)
        got = (await client.get_item(TableName="numbers", Key={"PK": {"S": "x"}}))["Item"]
    assert (got["a"]["N"], got["b"]["N"], got["c"]["N"]) == ("12.5", "100", "7")


def normalized_entry() -> Entry:
    return Entry(
        id="e1",
        transfer_id="t1",
        account_id="alice",
        counterparty_id="bob",
        direction=Direction.DEBIT,
        amount=Decimal("12.5"),  # as DynamoDB answers
        balance_after=Decimal("1E+2"),
        version=2,
        currency="USD",
        created_at=datetime(2024, 5, 1, tzinfo=UTC),
        memo=None,
    )


def test_messages_print_the_currency_exponent() -> None:
    entry = normalized_entry()
    assert templates.describe(entry) == "Debit of 12.50 USD to account bob"
    sms = templates.sms_message(entry).text
    assert "12.50 USD" in sms
    assert "Balance 100.00 USD" in sms
    holder = Account("alice", Decimal("1E+2"), "USD", entry.created_at, 2, email="a@example.com")
    assert "Balance after: 100.00 USD" in templates.email_message(entry, holder).text


def test_events_carry_the_currency_exponent() -> None:
    body = json.loads(wire.dumps(BalanceChanged(normalized_entry())))
    assert (body["entry"]["amount"], body["entry"]["balance_after"]) == ("12.50", "100.00")


async def test_what_the_ledger_reads_back_has_the_currency_exponent(ledger: Ledger) -> None:
    await ledger.create_account_with_balance("alice", "100.00")
    await ledger.create_account_with_balance("bob", "0")
    await ledger.transfer_credits("alice", "bob", "12.50", idempotency_key="k")
    page = await ledger.get_transactions("alice", 10)
    assert [str(e.amount) for e in page.entries] == ["12.50", "100.00"]
    assert str((await ledger.get_account("alice")).balance) == "87.50"
