"""DynamoAuditReader: the reads `ledger verify`, proofs, point-in-time balances and exports make.

Scans run as parallel segments and Queries page through one account's partition, so memory
never depends on the table's size.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import TYPE_CHECKING, Any

from services.domain.model import Account, Entry, Transfer
from services.dynamo import items as codec
from services.dynamo import movement_items
from services.dynamo.batch import BatchReader
from services.integrity.audit import IdempotencyRef, StoredEntry

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient

#: Entries per Query page: about 400 bytes each, well under DynamoDB's 1 MB page.
QUERY_PAGE = 1000


class DynamoAuditReader:
    def __init__(self, client: DynamoDBClient, table_name: str, batch: BatchReader) -> None:
        self._client = client
        self._table = table_name
        self._batch = batch

    async def scan(self, segment: int, segments: int) -> AsyncIterator[Account | IdempotencyRef]:
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "Segment": segment,
            "TotalSegments": segments,
            # Items evaluated per page, before the filter: short pages keep each call brief.
            "Limit": QUERY_PAGE,
            "FilterExpression": "#type IN (:account, :idempotency)",
            "ExpressionAttributeNames": {"#type": "type"},
            "ExpressionAttributeValues": {
                ":account": {"S": "ACCOUNT"},
                ":idempotency": {"S": "IDEMPOTENCY"},
            },
        }
        while True:
            page = await self._client.scan(**kwargs)
            for item in page.get("Items", []):
                if item["type"]["S"] == "ACCOUNT":
                    yield codec.account_from_item(item)
                else:
                    yield IdempotencyRef(item["idempotency_key"]["S"], item["transfer_id"]["S"])
            if "LastEvaluatedKey" not in page:
                return
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    async def entries(self, account_id: str, first: int, last: int) -> AsyncIterator[StoredEntry]:
        if last < first:
            return
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "PK = :pk AND SK BETWEEN :lower AND :upper",
            "ExpressionAttributeValues": {
                ":pk": codec.account_key(account_id)["PK"],
                ":lower": {"S": codec.entry_sort_key(first)},
                ":upper": {"S": codec.entry_sort_key(last)},
            },
            "ScanIndexForward": True,
            "Limit": QUERY_PAGE,
            # Bounded by the account's version as read, and consistent: a commit racing the
            # check is either wholly in it or wholly after it.
            "ConsistentRead": True,
        }
        while True:
            page = await self._client.query(**kwargs)
            for item in page.get("Items", []):
                key_version = int(item["SK"]["S"].removeprefix(codec.ENTRY_SK_PREFIX))
                yield StoredEntry(key_version, codec.entry_from_item(item))
            if "LastEvaluatedKey" not in page:
                return
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    async def transfers(self, transfer_ids: Sequence[str]) -> dict[str, Transfer]:
        """The transfers by id. An id of a batch (postTransfers, an exchange: what their
        idempotency records point at) maps to the batch's first transfer."""
        found = await self._batch.get([codec.transfer_key(i) for i in transfer_ids])
        transfers = {t.id: t for t in map(codec.transfer_from_item, found)}
        missing = [i for i in transfer_ids if i not in transfers]
        if not missing:
            return transfers
        batches = await self._batch.get([movement_items.batch_key(i) for i in missing])
        firsts = {
            str(item["batch_id"]["S"]): movement_items.batch_transfer_ids(item)[0]
            for item in batches
            if movement_items.batch_transfer_ids(item)
        }
        legs = await self._batch.get([codec.transfer_key(i) for i in firsts.values()])
        by_id = {t.id: t for t in map(codec.transfer_from_item, legs)}
        for batch_id, first in firsts.items():
            if first in by_id:
                transfers[batch_id] = by_id[first]
        return transfers

    async def entries_at(self, keys: Sequence[tuple[str, int]]) -> dict[tuple[str, int], Entry]:
        found = await self._batch.get([codec.entry_key(a, v) for a, v in keys])
        entries = (codec.entry_from_item(item) for item in found)
        return {(e.account_id, e.version): e for e in entries}

    async def entry_at(self, account_id: str, version: int) -> Entry | None:
        response = await self._client.get_item(
            TableName=self._table, Key=codec.entry_key(account_id, version), ConsistentRead=True
        )
        item = response.get("Item")
        return None if item is None else codec.entry_from_item(item)

    async def estimated_items(self) -> int:
        """DynamoDB's item count for the table (refreshed about every six hours on AWS)."""
        described = await self._client.describe_table(TableName=self._table)
        return int(described["Table"].get("ItemCount", 0))
