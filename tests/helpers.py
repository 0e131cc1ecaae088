"""Shared test helpers: raw views of the table that bypass the code under test."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import aioboto3
from aiobotocore.config import AioConfig

from services.domain.events import BalanceChanged
from services.settings import Settings


async def table_items(settings: Settings) -> list[dict[str, Any]]:
    """Every item of the ledger table, sorted by key (a Scan: tests only, never a request path)."""
    session = aioboto3.Session(
        aws_access_key_id="test", aws_secret_access_key="test", region_name=settings.region
    )
    config = AioConfig(retries={"mode": "standard", "max_attempts": 2})
    async with session.client(
        "dynamodb", endpoint_url=settings.endpoint_url, config=config
    ) as client:
        items: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {"TableName": settings.table_name, "ConsistentRead": True}
        while True:
            page = await client.scan(**kwargs)
            items.extend(page["Items"])
            if "LastEvaluatedKey" not in page:
                break
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    return sorted(items, key=lambda item: (item["PK"]["S"], item["SK"]["S"]))


def items_of_type(items: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [item for item in items if item["type"]["S"] == kind]


def balances_by_account(items: list[dict[str, Any]]) -> dict[str, Decimal]:
    return {
        item["account_id"]["S"]: Decimal(item["balance"]["N"])
        for item in items_of_type(items, "ACCOUNT")
    }


async def first_versions(stream: AsyncIterator[BalanceChanged], count: int) -> list[int]:
    """The versions of the first `count` changes `stream` yields (fewer if it ends first)."""
    versions: list[int] = []
    async for event in stream:
        versions.append(event.version)
        if len(versions) == count:
            break
    return versions
