"""Stream fixes: one record per UpdateItem, and shard iterators that behave like DynamoDB's.

moto 5.2.5 emits two INSERT records when an UpdateItem creates an item (a keys-only one from an
internal put, then the real one), answers HTTP 500 for an unknown or garbled shard iterator, and
keeps every iterator it ever handed out (a poller leaks memory forever). DynamoDB iterators expire
after 15 minutes; using an expired or unknown one is ExpiredIteratorException.
"""

from __future__ import annotations

import time
from typing import Any

from moto.core.exceptions import JsonRESTError
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodbstreams.models import DynamoDBStreamsBackend

_ORIGINAL_UPDATE = DynamoDBBackend.update_item
_ORIGINAL_GET_RECORDS = DynamoDBStreamsBackend.get_records
_ORIGINAL_GET_SHARD_ITERATOR = DynamoDBStreamsBackend.get_shard_iterator
ITERATOR_LIFETIME_SECONDS = 900.0


class ExpiredIterator(JsonRESTError):
    def __init__(self) -> None:
        super().__init__(
            "ExpiredIteratorException", "The shard iterator has expired or is not valid"
        )


class ShardNotFound(JsonRESTError):
    def __init__(self) -> None:
        super().__init__("ResourceNotFoundException", "Requested resource not found: shard")


class TrimmedDataAccess(JsonRESTError):
    def __init__(self) -> None:
        super().__init__(
            "TrimmedDataAccessException", "The sequence number is outside the shard's records"
        )


def update_item(self: DynamoDBBackend, table_name: str, key: Any, *args: Any, **kwargs: Any) -> Any:
    """Replacement for DynamoDBBackend.update_item that emits one record per call."""
    table = self.get_table(table_name)
    shard = table.stream_shard
    before = len(shard.items) if shard is not None else 0
    item = _ORIGINAL_UPDATE(self, table_name, key, *args, **kwargs)
    if shard is not None and len(shard.items) == before + 2:
        real = shard.items.pop()
        shard.items.pop()
        real.record["dynamodb"]["SequenceNumber"] = str(
            shard.starting_sequence_number + len(shard.items)
        )
        shard.items.append(real)
    return item


def _issued(backend: DynamoDBStreamsBackend) -> dict[str, float]:
    holder: Any = backend
    issued: dict[str, float] | None = getattr(holder, "embedded_iterators_issued", None)
    if issued is None:
        issued = {}
        holder.embedded_iterators_issued = issued
    return issued


def _expire(backend: DynamoDBStreamsBackend) -> None:
    issued = _issued(backend)
    now = time.monotonic()
    for arn in [arn for arn, at in issued.items() if now - at > ITERATOR_LIFETIME_SECONDS]:
        del issued[arn]
        backend.shard_iterators.pop(arn, None)


def get_shard_iterator(self: DynamoDBStreamsBackend, *args: Any, **kwargs: Any) -> Any:
    """Replacement for DynamoDBStreamsBackend.get_shard_iterator that dates each iterator."""
    _expire(self)
    try:
        iterator = _ORIGINAL_GET_SHARD_ITERATOR(self, *args, **kwargs)
    except AssertionError:  # moto asserts the shard id instead of answering
        raise ShardNotFound() from None
    _issued(self)[iterator.arn] = time.monotonic()
    return iterator


def get_records(self: DynamoDBStreamsBackend, iterator_arn: str, limit: int) -> dict[str, Any]:
    """Replacement for DynamoDBStreamsBackend.get_records: unknown or expired iterators are a
    400, and the iterators it hands out expire like DynamoDB's."""
    _expire(self)
    if iterator_arn not in self.shard_iterators:
        raise ExpiredIterator()
    try:
        result: dict[str, Any] = _ORIGINAL_GET_RECORDS(self, iterator_arn, limit)
    except AssertionError:  # moto asserts the sequence number instead of answering
        raise TrimmedDataAccess() from None
    _issued(self)[result["NextShardIterator"]] = time.monotonic()
    return result
