"""DynamoDueHolds: the expiry index, `HOLDDUE#<hour>` partitions of PENDING holds.

A Query of one hour's partition, up to `now`: never a Scan.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from services.dynamo import hold_items
from services.dynamo import items as codec

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient


class DynamoDueHolds:
    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    async def due_in_hour(self, hour: datetime, now: datetime, limit: int) -> list[str]:
        response = await self._client.query(
            TableName=self._table,
            KeyConditionExpression="PK = :pk AND SK <= :now",
            ExpressionAttributeValues={
                ":pk": {"S": hold_items.bucket(hour)},
                # Every SK of an expiry at or before `now` sorts below `<now>#~`.
                ":now": {"S": codec.timestamp(now)["S"] + "#~"},
            },
            Limit=limit,
            ConsistentRead=True,
        )
        return [str(item["hold_id"]["S"]) for item in response.get("Items", [])]
