"""DynamoCheckpointStore: the stream poller's position per shard, kept in the ledger table.

    item          PK                    SK                 attributes
    checkpoint    STREAM#<stream arn>   SHARD#<shard id>   sequence_number, sequence_key,
                                                           finished, updated_at

Keyed by the stream ARN: a re-created stream starts afresh instead of trusting positions
in a stream that no longer exists.

Every write is conditioned so that a position never moves backwards: `sequence_key` is the
sequence number (a decimal digit string of up to 40 digits, which sorts as text only at equal
length) left-padded with zeros, so DynamoDB compares it numerically. A write by a lease owner
is one transaction with a check that the lease (see `leases.py`) is still the writer's.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from services.dynamo import items as codec
from services.dynamo.leases import lease_key
from services.streams.ports import CheckpointRefused, ShardCheckpoint

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient

SHARD_SK_PREFIX = "SHARD#"
#: Wider than any DynamoDB stream sequence number (21 to 40 digits).
SEQUENCE_KEY_DIGITS = 48

_NOT_BACKWARDS = "attribute_not_exists(sequence_key) OR sequence_key <= :key"


def stream_pk(stream_arn: str) -> dict[str, str]:
    return {"S": f"STREAM#{stream_arn}"}


def sequence_key(sequence_number: str | None) -> str:
    """The sequence number in a form that compares numerically as text (None: before all)."""
    number = sequence_number or "0"
    if not number.isdigit() or len(number) > SEQUENCE_KEY_DIGITS:
        raise ValueError(f"not a stream sequence number: {number!r}")
    return number.zfill(SEQUENCE_KEY_DIGITS)


def checkpoint_item(stream_arn: str, checkpoint: ShardCheckpoint) -> dict[str, Any]:
    item: dict[str, Any] = {
        "PK": stream_pk(stream_arn),
        "SK": {"S": f"{SHARD_SK_PREFIX}{checkpoint.shard_id}"},
        "type": {"S": "STREAM_CHECKPOINT"},
        "shard_id": {"S": checkpoint.shard_id},
        "finished": {"BOOL": checkpoint.finished},
        "sequence_key": {"S": sequence_key(checkpoint.sequence_number)},
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

    async def save(
        self, stream_arn: str, checkpoint: ShardCheckpoint, *, owner: str | None = None
    ) -> None:
        """Raises CheckpointRefused when the position would move backwards or, with `owner`,
        when `owner` no longer holds the shard's lease."""
        item = checkpoint_item(stream_arn, checkpoint)
        values = {":key": item["sequence_key"]}
        try:
            if owner is None:
                await self._client.put_item(
                    TableName=self._table,
                    Item=item,
                    ConditionExpression=_NOT_BACKWARDS,
                    ExpressionAttributeValues=values,
                )
                return
            await self._client.transact_write_items(
                TransactItems=[
                    {
                        "ConditionCheck": {
                            "TableName": self._table,
                            "Key": lease_key(stream_arn, checkpoint.shard_id),
                            "ConditionExpression": "#owner = :owner AND lease_until > :now",
                            "ExpressionAttributeNames": {"#owner": "owner"},
                            "ExpressionAttributeValues": {
                                ":owner": {"S": owner},
                                ":now": {"N": repr(time.time())},
                            },
                        }
                    },
                    {
                        "Put": {
                            "TableName": self._table,
                            "Item": item,
                            "ConditionExpression": _NOT_BACKWARDS,
                            "ExpressionAttributeValues": values,
                        }
                    },
                ]
            )
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code")
            if code in ("ConditionalCheckFailedException", "TransactionCanceledException"):
                reasons = [r.get("Code") for r in exc.response.get("CancellationReasons", []) or []]
                if code == "ConditionalCheckFailedException" or "ConditionalCheckFailed" in reasons:
                    raise CheckpointRefused(
                        f"checkpoint of shard {checkpoint.shard_id} refused ({code} {reasons})"
                    ) from exc
            raise

    async def forget(self, stream_arn: str, shard_ids: list[str]) -> None:
        for shard_id in shard_ids:
            await self._client.delete_item(
                TableName=self._table,
                Key={"PK": stream_pk(stream_arn), "SK": {"S": f"{SHARD_SK_PREFIX}{shard_id}"}},
            )
