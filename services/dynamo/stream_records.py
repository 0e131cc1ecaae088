"""Stream records (from GetRecords or a Lambda event) to domain events, via the item codec.

Only INSERTs of entry and account items mean something happened. Balance updates of account
items (MODIFY) are already told by their entries; the worker's own bookkeeping items
(checkpoints, notifications) and every other type are ignored on purpose.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from services.domain.events import AccountOpened, BalanceChanged, DomainEvent
from services.dynamo import items as codec


class UndecodableRecord(Exception):
    """A record that should carry an event but cannot be read (malformed or foreign image)."""


def sequence_number(record: Mapping[str, Any]) -> str:
    return str(record["dynamodb"]["SequenceNumber"])


def item_type(record: Mapping[str, Any]) -> str | None:
    """The `type` attribute of the record's image, if any."""
    data = record.get("dynamodb") or {}
    image = data.get("NewImage") or data.get("OldImage") or {}
    kind = image.get("type", {}).get("S")
    return None if kind is None else str(kind)


def decode_record(record: Mapping[str, Any]) -> DomainEvent | None:
    """The event a record carries, or None when it carries none on purpose.

    Raises UndecodableRecord for an entry or account INSERT whose image cannot be decoded
    (for example a stream view type without new images).
    """
    if record.get("eventName") != "INSERT":
        return None
    kind = item_type(record)
    if kind not in ("ENTRY", "ACCOUNT"):
        return None
    image = record.get("dynamodb", {}).get("NewImage")
    try:
        if image is None:
            raise KeyError("NewImage")
        if kind == "ENTRY":
            return BalanceChanged(codec.entry_from_item(image), codec.traceparent_from_item(image))
        return AccountOpened(codec.account_from_item(image))
    except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
        raise UndecodableRecord(
            f"{kind} record {record.get('eventID')!r} cannot be decoded: {exc!r}"
        ) from exc


#: Items the stream worker writes itself: reading them back is no news.
BOOKKEEPING_TYPES = frozenset(
    {"STREAM_CHECKPOINT", "STREAM_LEASE", "STREAM_WORKER", "NOTIFICATION", "NOTIFICATION_OPEN"}
)


def is_bookkeeping(record: Mapping[str, Any]) -> bool:
    """True for records of the worker's own items (checkpoints, notification records)."""
    return item_type(record) in BOOKKEEPING_TYPES
