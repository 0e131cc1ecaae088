"""DynamoNotificationOutbox: notification records in the ledger table.

    item               PK                          SK                      notes
    notification       NOTIFICATION#<entry id>     CHANNEL#<EMAIL|SMS>     status, message, error
    open notification  NOTIFICATIONS#OPEN#<0..7>   <entry id>#<channel>    until it is sent

A notification is created with a conditional put (attribute_not_exists): whoever creates it
sends it, and a replayed stream record finds it and sends nothing. The open items, spread
over a few partitions, let `failed` and `retry` find unsent notifications without a Scan;
one is written before its notification and deleted after it is sent, so none is ever missed.
"""

from __future__ import annotations

import zlib
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from services.dynamo import items as codec
from services.dynamo.batch import BatchReader
from services.notifications.model import Channel, Message, Notification, Status

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient

OPEN_PARTITIONS = 8


def notification_key(entry_id: str, channel: Channel) -> dict[str, dict[str, str]]:
    return {"PK": {"S": f"NOTIFICATION#{entry_id}"}, "SK": {"S": f"CHANNEL#{channel.value}"}}


def open_key(entry_id: str, channel: Channel) -> dict[str, dict[str, str]]:
    name = f"{entry_id}#{channel.value}"
    partition = zlib.crc32(name.encode()) % OPEN_PARTITIONS
    return {"PK": {"S": f"NOTIFICATIONS#OPEN#{partition}"}, "SK": {"S": name}}


def notification_item(notification: Notification) -> dict[str, Any]:
    item: dict[str, Any] = {
        **notification_key(notification.entry_id, notification.channel),
        "type": {"S": "NOTIFICATION"},
        "entry_id": {"S": notification.entry_id},
        "channel": {"S": notification.channel.value},
        "account_id": {"S": notification.account_id},
        "version": codec.number(notification.version),
        "transfer_id": {"S": notification.transfer_id},
        "recipient": {"S": notification.recipient},
        "text": {"S": notification.message.text},
        "status": {"S": notification.status.value},
        "attempts": codec.number(notification.attempts),
        "created_at": codec.timestamp(notification.created_at),
        "updated_at": codec.timestamp(notification.updated_at),
    }
    for name, value in (
        ("subject", notification.message.subject),
        ("html", notification.message.html),
        ("error", notification.error),
        ("provider_message_id", notification.provider_message_id),
    ):
        if value is not None:
            item[name] = {"S": value}
    return item


def notification_from_item(item: dict[str, Any]) -> Notification:
    def text(name: str) -> str | None:
        value = item.get(name)
        return None if value is None else str(value["S"])

    return Notification(
        entry_id=str(item["entry_id"]["S"]),
        channel=Channel(item["channel"]["S"]),
        account_id=str(item["account_id"]["S"]),
        version=int(item["version"]["N"]),
        transfer_id=str(item["transfer_id"]["S"]),
        recipient=str(item["recipient"]["S"]),
        message=Message(text=str(item["text"]["S"]), subject=text("subject"), html=text("html")),
        status=Status(item["status"]["S"]),
        created_at=datetime.fromisoformat(item["created_at"]["S"]),
        updated_at=datetime.fromisoformat(item["updated_at"]["S"]),
        attempts=int(item["attempts"]["N"]),
        error=text("error"),
        provider_message_id=text("provider_message_id"),
    )


class DynamoNotificationOutbox:
    def __init__(self, client: DynamoDBClient, table_name: str, batch: BatchReader) -> None:
        self._client = client
        self._table = table_name
        self._batch = batch

    async def claim(self, notification: Notification) -> bool:
        await self._client.put_item(
            TableName=self._table,
            Item={
                **open_key(notification.entry_id, notification.channel),
                "type": {"S": "NOTIFICATION_OPEN"},
                "created_at": codec.timestamp(notification.created_at),
            },
        )
        try:
            await self._client.put_item(
                TableName=self._table,
                Item={**notification_item(notification), "attempts": codec.number(0)},
                ConditionExpression="attribute_not_exists(PK)",
            )
        except ClientError as exc:
            if _code(exc) == "ConditionalCheckFailedException":
                return False
            raise
        return True

    async def reclaim(self, notification: Notification, stale_before: datetime) -> bool:
        try:
            await self._client.update_item(
                TableName=self._table,
                Key=notification_key(notification.entry_id, notification.channel),
                UpdateExpression="SET #status = :pending, updated_at = :now",
                ConditionExpression=(
                    "#status = :failed OR (#status = :pending AND updated_at < :stale)"
                ),
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={
                    ":pending": {"S": Status.PENDING.value},
                    ":failed": {"S": Status.FAILED.value},
                    ":stale": codec.timestamp(stale_before),
                    ":now": codec.timestamp(_now()),
                },
            )
        except ClientError as exc:
            if _code(exc) == "ConditionalCheckFailedException":
                return False
            raise
        return True

    async def mark_sent(
        self, notification: Notification, provider_message_id: str | None, attempts: int
    ) -> None:
        values: dict[str, Any] = {
            ":sent": {"S": Status.SENT.value},
            ":now": codec.timestamp(_now()),
            ":attempts": codec.number(attempts),
        }
        assignments = "#status = :sent, updated_at = :now"
        if provider_message_id is not None:
            values[":provider"] = {"S": provider_message_id}
            assignments += ", provider_message_id = :provider"
        expression = f"SET {assignments} REMOVE #error ADD attempts :attempts"
        await self._client.update_item(
            TableName=self._table,
            Key=notification_key(notification.entry_id, notification.channel),
            UpdateExpression=expression,
            ExpressionAttributeNames={"#status": "status", "#error": "error"},
            ExpressionAttributeValues=values,
        )
        await self._client.delete_item(
            TableName=self._table, Key=open_key(notification.entry_id, notification.channel)
        )

    async def mark_failed(self, notification: Notification, error: str, attempts: int) -> None:
        await self._client.update_item(
            TableName=self._table,
            Key=notification_key(notification.entry_id, notification.channel),
            UpdateExpression=(
                "SET #status = :failed, updated_at = :now, #error = :error ADD attempts :attempts"
            ),
            ExpressionAttributeNames={"#status": "status", "#error": "error"},
            ExpressionAttributeValues={
                ":failed": {"S": Status.FAILED.value},
                ":now": codec.timestamp(_now()),
                ":error": {"S": error[:1000]},
                ":attempts": codec.number(attempts),
            },
        )

    async def open_notifications(self) -> list[Notification]:
        keys: list[dict[str, Any]] = []
        for partition in range(OPEN_PARTITIONS):
            keys.extend(await self._open_keys(partition))
        found = await self._batch.get(keys)
        notifications = [notification_from_item(item) for item in found]
        for sent in (n for n in notifications if n.status is Status.SENT):
            # Left by a worker that stopped between recording the send and this cleanup.
            await self._client.delete_item(
                TableName=self._table, Key=open_key(sent.entry_id, sent.channel)
            )
        unsent = [n for n in notifications if n.status is not Status.SENT]
        return sorted(unsent, key=lambda n: (n.created_at, n.entry_id, n.channel.value))

    async def _open_keys(self, partition: int) -> list[dict[str, Any]]:
        keys: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "PK = :pk",
            "ExpressionAttributeValues": {":pk": {"S": f"NOTIFICATIONS#OPEN#{partition}"}},
            "ConsistentRead": True,
        }
        while True:
            page = await self._client.query(**kwargs)
            for item in page.get("Items", []):
                entry_id, _, channel = str(item["SK"]["S"]).rpartition("#")
                keys.append(notification_key(entry_id, Channel(channel)))
            if "LastEvaluatedKey" not in page:
                return keys
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _now() -> datetime:
    return datetime.now(UTC)


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))
