"""Apply the embedded endpoint's fixes to moto once, and only to the moto they were written for."""

from __future__ import annotations

import threading
from importlib.metadata import version

PATCHED_MOTO_VERSION = "5.2.5"

_applied = False
_lock = threading.Lock()


class UnsupportedMotoVersion(RuntimeError):
    pass


def apply_patches() -> None:
    """Patch moto's DynamoDB and DynamoDB Streams backends (idempotent).

    Refuses any moto but the pinned one: the patches replace internals that change between
    releases, and a silently half-working patch would be worse than none.
    """
    global _applied
    with _lock:
        if _applied:
            return
        installed = version("moto")
        if installed != PATCHED_MOTO_VERSION:
            raise UnsupportedMotoVersion(
                f"the embedded DynamoDB endpoint patches moto {PATCHED_MOTO_VERSION}, "
                f"found {installed}: re-check every patch before moving the pin"
            )
        from moto.dynamodb.models import DynamoDBBackend
        from moto.dynamodb.models.dynamo_type import DynamoType
        from moto.dynamodb.models.table import Table
        from moto.dynamodb.responses import DynamoHandler
        from moto.dynamodbstreams.models import DynamoDBStreamsBackend

        from embedded_dynamodb import numbers, queries, streams, tokens, transactions

        replacements: list[tuple[type, str, object]] = [
            (DynamoDBBackend, "transact_write_items", transactions.transact_write_items),
            (DynamoDBBackend, "update_item", streams.update_item),
            (DynamoHandler, "transact_write_items", tokens.transact_write_items),
            (DynamoType, "__add__", numbers.add),
            (DynamoType, "__sub__", numbers.subtract),
            (Table, "query", queries.query),
            (Table, "put_item", queries.put_item),
            (Table, "delete_item", queries.delete_item),
            (DynamoDBStreamsBackend, "get_records", streams.get_records),
            (DynamoDBStreamsBackend, "get_shard_iterator", streams.get_shard_iterator),
        ]
        for owner, name, replacement in replacements:
            setattr(owner, name, replacement)
        _applied = True
