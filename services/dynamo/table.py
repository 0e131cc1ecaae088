"""The ledger table's definition and its idempotent creation."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient
    from types_aiobotocore_dynamodb.type_defs import StreamSpecificationTypeDef

log = logging.getLogger(__name__)


#: The key schema and billing of the ledger's table (one definition for every creator).
TABLE_SHAPE: dict[str, Any] = {
    "AttributeDefinitions": [
        {"AttributeName": "PK", "AttributeType": "S"},
        {"AttributeName": "SK", "AttributeType": "S"},
    ],
    "KeySchema": [
        {"AttributeName": "PK", "KeyType": "HASH"},
        {"AttributeName": "SK", "KeyType": "RANGE"},
    ],
    "BillingMode": "PAY_PER_REQUEST",
}
#: The stream the listener reads: every change with its old and new image.
STREAM: StreamSpecificationTypeDef = {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}
#: The attribute DynamoDB's TTL expires items by (exchange quotes; quote_items.TTL_ATTRIBUTE).
TTL_ATTRIBUTE = "ttl"


async def ensure_table(client: DynamoDBClient, table_name: str) -> bool:
    """Create the table (on-demand, stream NEW_AND_OLD_IMAGES, TTL on `ttl`) unless it exists;
    wait until it is active; enable the TTL on a table created before it. Returns True when
    this call created it. Safe to run concurrently and repeatedly."""
    created = False
    try:
        await client.describe_table(TableName=table_name)
    except client.exceptions.ResourceNotFoundException:
        try:
            await client.create_table(
                TableName=table_name, **TABLE_SHAPE, StreamSpecification=STREAM
            )
            created = True
            log.info("table created", extra={"table": table_name})
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ResourceInUseException":
                raise
    waiter = client.get_waiter("table_exists")
    await waiter.wait(TableName=table_name, WaiterConfig={"Delay": 1, "MaxAttempts": 60})
    await _ensure_ttl(client, table_name)
    return created


async def _ensure_ttl(client: DynamoDBClient, table_name: str) -> None:
    described = await client.describe_time_to_live(TableName=table_name)
    status = described.get("TimeToLiveDescription", {}).get("TimeToLiveStatus", "DISABLED")
    if status in ("ENABLED", "ENABLING"):
        return
    try:
        await client.update_time_to_live(
            TableName=table_name,
            TimeToLiveSpecification={"Enabled": True, "AttributeName": TTL_ATTRIBUTE},
        )
    except ClientError as exc:
        # A concurrent caller enabled it first ("TimeToLive is already enabled").
        if exc.response["Error"]["Code"] != "ValidationException":
            raise
