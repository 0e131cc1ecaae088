"""The DynamoDB adapter of ApiKeyStore: API key records in the ledger's single table.

    item      PK        SK
    api key   APIKEYS   APIKEY#<key id>

All keys share one partition, so `list` is one Query instead of a Scan of the ledger, and
no account, entry, transfer or idempotency key (all `<TYPE>#<id>` partitions) can collide.
The stream decoder ignores the `APIKEY` type. A key set is small and its reads are cached by
ApiKeyVerifier, so the single partition is far from any throughput limit.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from services.identity.api_key_format import ApiKey
from services.identity.errors import ApiKeyExists, ApiKeyNotFound

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient

PARTITION = "APIKEYS"
SORT_PREFIX = "APIKEY#"
ITEM_TYPE = "APIKEY"


def api_key_key(key_id: str) -> dict[str, dict[str, str]]:
    return {"PK": {"S": PARTITION}, "SK": {"S": SORT_PREFIX + key_id}}


def _timestamp(value: datetime) -> dict[str, str]:
    return {"S": value.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")}


def api_key_item(key: ApiKey) -> dict[str, Any]:
    item: dict[str, Any] = {
        **api_key_key(key.key_id),
        "type": {"S": ITEM_TYPE},
        "key_id": {"S": key.key_id},
        "name": {"S": key.name},
        "subject": {"S": key.subject},
        "operator": {"BOOL": key.is_operator},
        "created_at": _timestamp(key.created_at),
        "secret_hash": {"B": key.secret_hash},
    }
    if key.revoked_at is not None:
        item["revoked_at"] = _timestamp(key.revoked_at)
    return item


def api_key_from_item(item: Mapping[str, Any]) -> ApiKey:
    revoked = item.get("revoked_at")
    return ApiKey(
        key_id=str(item["key_id"]["S"]),
        name=str(item["name"]["S"]),
        subject=str(item["subject"]["S"]),
        is_operator=bool(item["operator"]["BOOL"]),
        created_at=datetime.fromisoformat(item["created_at"]["S"]),
        secret_hash=bytes(item["secret_hash"]["B"]),
        revoked_at=None if revoked is None else datetime.fromisoformat(revoked["S"]),
    )


class DynamoApiKeyStore:
    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    async def create(self, key: ApiKey) -> None:
        try:
            await self._client.put_item(
                TableName=self._table,
                Item=api_key_item(key),
                ConditionExpression="attribute_not_exists(PK)",
            )
        except self._client.exceptions.ConditionalCheckFailedException as exc:
            raise ApiKeyExists(key.key_id) from exc

    async def get(self, key_id: str) -> ApiKey | None:
        # Strongly consistent: a revocation must be seen by the next read after the cache TTL.
        response = await self._client.get_item(
            TableName=self._table, Key=api_key_key(key_id), ConsistentRead=True
        )
        item = response.get("Item")
        return None if item is None else api_key_from_item(item)

    async def list(self) -> list[ApiKey]:
        keys: list[ApiKey] = []
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "PK = :pk AND begins_with(SK, :prefix)",
            "ExpressionAttributeValues": {":pk": {"S": PARTITION}, ":prefix": {"S": SORT_PREFIX}},
            "ConsistentRead": True,
        }
        while True:
            page = await self._client.query(**kwargs)
            keys.extend(api_key_from_item(item) for item in page["Items"])
            if "LastEvaluatedKey" not in page:
                return sorted(keys, key=lambda key: (key.created_at, key.key_id))
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    async def revoke(self, key_id: str, at: datetime) -> ApiKey:
        try:
            response = await self._client.update_item(
                TableName=self._table,
                Key=api_key_key(key_id),
                UpdateExpression="SET revoked_at = if_not_exists(revoked_at, :at)",
                ConditionExpression="attribute_exists(PK)",
                ExpressionAttributeValues={":at": _timestamp(at)},
                ReturnValues="ALL_NEW",
            )
        except self._client.exceptions.ConditionalCheckFailedException as exc:
            raise ApiKeyNotFound(key_id) from exc
        return api_key_from_item(response["Attributes"])
