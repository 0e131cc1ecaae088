"""DynamoLeaseStore: which stream worker reads which shard, kept in the ledger table.

    item     PK                    SK                  attributes
    lease    STREAM#<stream arn>   LEASE#<shard id>    owner, lease_until (epoch seconds)
    worker   STREAM#<stream arn>   WORKER#<owner>      until (epoch seconds)

Every lease write is conditional: taken only when free, expired or already the writer's,
renewed and released only by its owner. Worker items let each worker count the live ones and
take only its share of the shards.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from services.streams.ports import LeaseTable, ShardLease

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient

LEASE_SK_PREFIX = "LEASE#"
WORKER_SK_PREFIX = "WORKER#"


def _pk(stream_arn: str) -> dict[str, str]:
    return {"S": f"STREAM#{stream_arn}"}


def lease_key(stream_arn: str, shard_id: str) -> dict[str, Any]:
    return {"PK": _pk(stream_arn), "SK": {"S": f"{LEASE_SK_PREFIX}{shard_id}"}}


def _number(value: float) -> dict[str, str]:
    return {"N": f"{value:.6f}"}


def _failed_condition(exc: ClientError) -> bool:
    return exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


class DynamoLeaseStore:
    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    async def load(self, stream_arn: str) -> LeaseTable:
        leases: dict[str, ShardLease] = {}
        workers: dict[str, float] = {}
        for prefix in (LEASE_SK_PREFIX, WORKER_SK_PREFIX):
            kwargs: dict[str, Any] = {
                "TableName": self._table,
                "KeyConditionExpression": "PK = :pk AND begins_with(SK, :prefix)",
                "ExpressionAttributeValues": {":pk": _pk(stream_arn), ":prefix": {"S": prefix}},
                "ConsistentRead": True,
            }
            while True:
                page = await self._client.query(**kwargs)
                for item in page.get("Items", []):
                    name = str(item["SK"]["S"])[len(prefix) :]
                    if prefix == LEASE_SK_PREFIX:
                        leases[name] = ShardLease(
                            name, str(item["owner"]["S"]), float(item["lease_until"]["N"])
                        )
                    else:
                        workers[name] = float(item["until"]["N"])
                if "LastEvaluatedKey" not in page:
                    break
                kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        return LeaseTable(leases, workers)

    async def heartbeat(self, stream_arn: str, owner: str, until: float) -> None:
        await self._client.put_item(
            TableName=self._table,
            Item={
                "PK": _pk(stream_arn),
                "SK": {"S": f"{WORKER_SK_PREFIX}{owner}"},
                "type": {"S": "STREAM_WORKER"},
                "until": _number(until),
            },
        )

    async def acquire(
        self, stream_arn: str, shard_id: str, owner: str, until: float, now: float
    ) -> bool:
        try:
            await self._client.put_item(
                TableName=self._table,
                Item={
                    **lease_key(stream_arn, shard_id),
                    "type": {"S": "STREAM_LEASE"},
                    "owner": {"S": owner},
                    "lease_until": _number(until),
                },
                ConditionExpression=(
                    "attribute_not_exists(PK) OR lease_until < :now OR #owner = :owner"
                ),
                ExpressionAttributeNames={"#owner": "owner"},
                ExpressionAttributeValues={":now": _number(now), ":owner": {"S": owner}},
            )
        except ClientError as exc:
            if _failed_condition(exc):
                return False
            raise
        return True

    async def renew(self, stream_arn: str, shard_id: str, owner: str, until: float) -> bool:
        try:
            await self._client.update_item(
                TableName=self._table,
                Key=lease_key(stream_arn, shard_id),
                UpdateExpression="SET lease_until = :until",
                ConditionExpression="#owner = :owner",
                ExpressionAttributeNames={"#owner": "owner"},
                ExpressionAttributeValues={":until": _number(until), ":owner": {"S": owner}},
            )
        except ClientError as exc:
            if _failed_condition(exc):
                return False
            raise
        return True

    async def release(self, stream_arn: str, shard_ids: list[str], owner: str) -> None:
        for shard_id in shard_ids:
            try:
                await self._client.delete_item(
                    TableName=self._table,
                    Key=lease_key(stream_arn, shard_id),
                    ConditionExpression="#owner = :owner",
                    ExpressionAttributeNames={"#owner": "owner"},
                    ExpressionAttributeValues={":owner": {"S": owner}},
                )
            except ClientError as exc:
                if not _failed_condition(exc):
                    raise

    async def leave(self, stream_arn: str, owner: str) -> None:
        await self._client.delete_item(
            TableName=self._table,
            Key={"PK": _pk(stream_arn), "SK": {"S": f"{WORKER_SK_PREFIX}{owner}"}},
        )
