"""DynamoDueHolds: the expiry index (`HOLDDUE#<hour>` partitions) and the sweeper's checkpoint.

A Query of one hour's partition, up to `now`, never a Scan. The checkpoint item remembers the
first hour that may still hold due items, so a sweeper reads one or two partitions a round.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from services.dynamo import hold_items
from services.dynamo import items as codec

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient

CHECKPOINT_KEY = {"PK": {"S": "SWEEP#HOLDS"}, "SK": {"S": "SWEEP"}}


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

    async def swept_until(self) -> datetime | None:
        response = await self._client.get_item(
            TableName=self._table, Key=CHECKPOINT_KEY, ConsistentRead=True
        )
        item = response.get("Item")
        return None if item is None else datetime.fromisoformat(str(item["hour"]["S"]))

    async def mark_swept(self, hour: datetime) -> None:
        try:
            await self._client.put_item(
                TableName=self._table,
                Item={**CHECKPOINT_KEY, "type": {"S": "HOLD_SWEEP"}, "hour": codec.timestamp(hour)},
                # Never backwards: two sweepers (replicas) may race.
                ConditionExpression="attribute_not_exists(PK) OR #hour < :hour",
                ExpressionAttributeNames={"#hour": "hour"},
                ExpressionAttributeValues={":hour": codec.timestamp(hour)},
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise
