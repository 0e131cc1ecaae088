"""DynamoCheckpointStore: the stream poller's position per shard, kept in the ledger table.

    item          PK                    SK                 attributes
    checkpoint    STREAM#<stream arn>   SHARD#<shard id>   sequence_number, finished, updated_at

Keyed by the stream ARN: a re-created stream starts afresh instead of trusting positions
in a stream that no longer exists.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from services.dynamo import items as codec
from services.streams.ports import ShardCheckpoint

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient

SHARD_SK_PREFIX = "SHARD#"


def stream_pk(stream_arn: str) -> dict[str, str]:
    return {"S": f"STREAM#{stream_arn}"}


def checkpoint_item(stream_arn: str, checkpoint: ShardCheckpoint) -> dict[str, Any]:
    item: dict[str, Any] = {
        "PK": stream_pk(stream_arn),
        "SK": {"S": f"{SHARD_SK_PREFIX}{checkpoint.shard_id}"},
        "type": {"S": "STREAM_CHECKPOINT"},
        "shard_id": {"S": checkpoint.shard_id},
        "finished": {"BOOL": checkpoint.finished},
        "updated_at": codec.timestamp(datetime.now(UTC)),
    }
    if checkpoint.sequence_number is not None:
        item["sequence_number"] = {"S": checkpoint.sequence_number}
    return item


def checkpoint_from_item(item: dict[str, Any]) -> ShardCheckpoint:
    number = item.get("sequence_number")
    return ShardCheckpoint(
        shard_id=str(item["shard_id"]["S"]),
        sequence_number=None if number is None else str(number["S"]),
        finished=bool(item.get("finished", {}).get("BOOL", False)),
    )


class DynamoCheckpointStore:
    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    async def load(self, stream_arn: str) -> dict[str, ShardCheckpoint]:
        found: dict[str, ShardCheckpoint] = {}
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "PK = :pk AND begins_with(SK, :prefix)",
            "ExpressionAttributeValues": {
                ":pk": stream_pk(stream_arn),
                ":prefix": {"S": SHARD_SK_PREFIX},
            },
            "ConsistentRead": True,
        }
        while True:
            page = await self._client.query(**kwargs)
            for item in page.get("Items", []):
                checkpoint = checkpoint_from_item(item)
                found[checkpoint.shard_id] = checkpoint
            if "LastEvaluatedKey" not in page:
                return found
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    async def save(self, stream_arn: str, checkpoint: ShardCheckpoint) -> None:
        await self._client.put_item(
            TableName=self._table, Item=checkpoint_item(stream_arn, checkpoint)
        )

    async def forget(self, stream_arn: str, shard_ids: list[str]) -> None:
        for shard_id in shard_ids:
            await self._client.delete_item(
                TableName=self._table,
                Key={"PK": stream_pk(stream_arn), "SK": {"S": f"{SHARD_SK_PREFIX}{shard_id}"}},
            )
