"""Loading benchmark data straight into the table: correct items, written in batches.

Going through the API would take minutes for 100,000 entries; these are the very items the
ledger writes (its own codec), so the service reads them as its own.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import aioboto3
from aiobotocore.config import AioConfig

from services.domain.model import Account, Direction, Entry
from services.dynamo import items as codec
from services.dynamo.table import STREAM, TABLE_SHAPE
from services.ledger.chaining import after, chain, opened

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient

BATCH_WRITE_LIMIT = 25
START = datetime(2026, 1, 1, tzinfo=UTC)


@asynccontextmanager
async def dynamodb(endpoint_url: str, pool: int = 16) -> AsyncIterator[DynamoDBClient]:
    session = aioboto3.Session(
        aws_access_key_id="bench",
        aws_secret_access_key="bench",  # noqa: S106 - the embedded endpoint takes any
        region_name="us-east-1",
    )
    config = AioConfig(retries={"mode": "standard", "max_attempts": 3}, max_pool_connections=pool)
    async with session.client("dynamodb", endpoint_url=endpoint_url, config=config) as client:
        yield client


async def create_table(client: DynamoDBClient, table: str, *, stream: bool) -> None:
    """The ledger's key schema; with or without its stream."""
    extra: dict[str, Any] = {"StreamSpecification": STREAM} if stream else {}
    await client.create_table(TableName=table, **TABLE_SHAPE, **extra)


async def write_items(
    client: DynamoDBClient, table: str, items: Sequence[dict[str, Any]], *, concurrency: int = 4
) -> None:
    """BatchWriteItem in chunks of 25, unprocessed items resent."""
    chunks = [items[i : i + BATCH_WRITE_LIMIT] for i in range(0, len(items), BATCH_WRITE_LIMIT)]
    queue = iter(chunks)

    async def worker() -> None:
        for chunk in queue:
            pending: list[Any] = [{"PutRequest": {"Item": item}} for item in chunk]
            while pending:
                response = await client.batch_write_item(RequestItems={table: pending})
                pending = list(response.get("UnprocessedItems", {}).get(table, []))

    await asyncio.gather(*(worker() for _ in range(concurrency)))


def account(account_id: str, balance: Decimal = Decimal(0), version: int = 0) -> Account:
    return Account(
        id=account_id, balance=balance, currency="USD", created_at=START, version=version
    )


async def put_accounts(
    client: DynamoDBClient, table: str, accounts: Sequence[Account]
) -> list[Account]:
    """Accounts with their balance as one opening entry (version 1) when it is not zero,
    chained from genesis as the ledger opens them (so transfers take the chained path).
    Returns them as written, head hashes included."""
    items: list[dict[str, Any]] = []
    written: list[Account] = []
    for acc in accounts:
        opening = _entry(acc.id, 1, acc.balance, acc.balance) if acc.balance else None
        chained, first = opened(acc, opening)
        written.append(chained)
        items.append(codec.account_item(chained))
        if first is not None:
            items.append(codec.entry_item(first))
    await write_items(client, table, items)
    return written


async def put_history(client: DynamoDBClient, table: str, account_id: str, entries: int) -> None:
    """An account whose balance is the sum of `entries` chained credits of 1.00."""
    head, _ = opened(account(account_id), None)
    items: list[dict[str, Any]] = []
    for version in range(1, entries + 1):
        entry = chain(head, _entry(account_id, version, Decimal(1), Decimal(version)))
        items.append(codec.entry_item(entry))
        head = after(head, entry)
    items.append(codec.account_item(head))
    await write_items(client, table, items)


def _entry(account_id: str, version: int, amount: Decimal, balance_after: Decimal) -> Entry:
    return Entry(
        id=f"E{version:025d}",
        transfer_id=account_id if version == 1 else f"T{version:025d}",
        account_id=account_id,
        counterparty_id=None if version == 1 else "bench-funding",
        direction=Direction.CREDIT,
        amount=amount,
        balance_after=balance_after,
        version=version,
        currency="USD",
        created_at=START + timedelta(seconds=version),
        memo="opening balance" if version == 1 else "bench",
    )
