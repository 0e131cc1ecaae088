"""DynamoQuoteStore on the embedded endpoint: quotes stored once with a TTL an hour after
expiry, read back exactly, taken at most once and never after expiry; the table's TTL is on."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import aioboto3
import pytest
from aiobotocore.config import AioConfig
from botocore.exceptions import ClientError
from types_aiobotocore_dynamodb import DynamoDBClient

from services import Ledger
from services.dynamo.quotes import DynamoQuoteStore
from services.fx.errors import QuoteExpired, QuoteMismatch, QuoteNotFound, QuoteUsed
from services.fx.quotes import FixedSide, Quote
from services.settings import Settings
from tests.helpers import items_of_type, table_items

NOW = datetime.now(UTC)
QUOTE = Quote(
    id="01JDQ6QUOTE0000000000000001",
    from_currency="KWD",
    to_currency="JPY",
    fixed_side=FixedSide.TARGET,
    rate=Decimal("485.6373429"),
    source_amount=Decimal("20.590"),
    target_amount=Decimal("10000"),
    rates_as_of=NOW - timedelta(hours=2),
    created_at=NOW,
    expires_at=NOW + timedelta(seconds=30),
)


@pytest.fixture
async def client(settings: Settings, ledger: Ledger) -> AsyncIterator[DynamoDBClient]:
    session = aioboto3.Session(
        aws_access_key_id="test", aws_secret_access_key="test", region_name=settings.region
    )
    config = AioConfig(retries={"mode": "standard", "max_attempts": 2})
    async with session.client(
        "dynamodb", endpoint_url=settings.endpoint_url, config=config
    ) as opened:
        yield opened


async def take(store: DynamoQuoteStore, quote: Quote = QUOTE, **changes: object) -> Quote:
    use: dict[str, object] = {
        "source_currency": quote.from_currency,
        "destination_currency": quote.to_currency,
        "amount": quote.source_amount,
        "now": NOW,
    }
    return await store.take(quote.id, **{**use, **changes})  # type: ignore[arg-type]


async def test_a_quote_round_trips_exactly_with_its_ttl(
    client: DynamoDBClient, settings: Settings
) -> None:
    store = DynamoQuoteStore(client, settings.table_name)
    await store.save(QUOTE)
    assert await store.get(QUOTE.id) == QUOTE
    assert await store.get("01JDQ6NOSUCHQUOTE") is None
    [item] = items_of_type(await table_items(settings), "QUOTE")
    assert int(item["ttl"]["N"]) == int((QUOTE.expires_at + timedelta(hours=1)).timestamp())
    assert item["source_amount"] == {"S": "20.590"}  # exact text, never normalized
    with pytest.raises(ClientError):
        await store.save(QUOTE)  # never overwritten
    described = await client.describe_time_to_live(TableName=settings.table_name)
    assert described["TimeToLiveDescription"] == {
        "TimeToLiveStatus": "ENABLED",
        "AttributeName": "ttl",
    }


async def test_a_quote_is_taken_once_even_by_racing_callers(
    client: DynamoDBClient, settings: Settings
) -> None:
    store = DynamoQuoteStore(client, settings.table_name)
    await store.save(QUOTE)
    with pytest.raises(QuoteMismatch):
        await take(store, amount=Decimal("20.589"))
    results = await asyncio.gather(*(take(store) for _ in range(5)), return_exceptions=True)
    assert sum(r == QUOTE for r in results) == 1
    assert all(isinstance(r, QuoteUsed) for r in results if r != QUOTE)
    assert (await store.get(QUOTE.id) or QUOTE).used


async def test_an_expired_or_unknown_quote_is_not_taken(
    client: DynamoDBClient, settings: Settings
) -> None:
    store = DynamoQuoteStore(client, settings.table_name)
    old = dataclasses.replace(QUOTE, expires_at=NOW - timedelta(seconds=1))
    await store.save(old)
    with pytest.raises(QuoteExpired):
        await take(store, old)
    with pytest.raises(QuoteNotFound):
        await take(store, dataclasses.replace(QUOTE, id="01JDQ6NOSUCHQUOTE"))
    assert await store.get(QUOTE.id) == old  # still unused
