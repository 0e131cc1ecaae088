"""DynamoHourlyCounter: the notification caps' counters in the ledger table.

    item                PK                                     SK       notes
    recipient counter   NOTIFYCAP#<channel>#<hash(recipient)>  <hour>   count, ttl

One conditional UpdateItem per notification: it adds one unless the count has reached the
limit, atomically across every worker. `ttl` (epoch seconds, a day after the hour) is the
table's TTL attribute (services/dynamo/table.py enables it): DynamoDB deletes old counters.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient


class DynamoHourlyCounter:
    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    async def count(self, key: str, hour: str, *, limit: int) -> bool:
        start = datetime.strptime(hour, "%Y-%m-%dT%H").replace(tzinfo=UTC)
        expires = int((start + timedelta(days=1)).timestamp())
        try:
            await self._client.update_item(
                TableName=self._table,
                Key={"PK": {"S": f"NOTIFYCAP#{key}"}, "SK": {"S": hour}},
                UpdateExpression="ADD #count :one SET #ttl = :expires",
                ConditionExpression="attribute_not_exists(#count) OR #count < :limit",
                ExpressionAttributeNames={"#count": "count", "#ttl": "ttl"},
                ExpressionAttributeValues={
                    ":one": {"N": "1"},
                    ":limit": {"N": str(limit)},
                    ":expires": {"N": str(expires)},
                },
            )
        except self._client.exceptions.ConditionalCheckFailedException:
            return False
        return True
