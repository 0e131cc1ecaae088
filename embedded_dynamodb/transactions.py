"""TransactWriteItems without whole-table copies.

moto 5.2.5 deep-copies every table a transaction touches (once per item) so that it can roll
back, then swaps the copy in on failure: cost grows with table size and stream iterators opened
before a rollback keep pointing at the discarded table. Here every condition is evaluated first
against the untouched state (the items of one transaction are distinct, so no write can change
another item's condition), and only then are the writes applied, with a journal of the few items
they replace and of the stream records they emit, so an unexpected failure half-way restores
exactly those items and nothing else.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from moto.dynamodb.comparisons import get_filter_expression
from moto.dynamodb.exceptions import (
    ConditionalCheckFailed,
    MockValidationException,
    MultipleTransactionsException,
    TooManyTransactionsException,
    TransactionCanceledException,
    TransactWriteSingleOpException,
)
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType, Item
from moto.dynamodb.models.table import Table

from embedded_dynamodb.queries import forget_partition

_OPERATIONS = frozenset({"ConditionCheck", "Put", "Delete", "Update"})
_MAX_ITEMS = 100

CancellationReason = tuple[str | None, str | None, dict[str, Any] | None]


@dataclass
class _Operation:
    kind: str
    body: dict[str, Any]
    table: Table
    hash_key: DynamoType
    range_key: DynamoType | None

    @property
    def key(self) -> dict[str, Any]:
        key = {self.table.hash_key_attr: self.hash_key.to_json()}
        if self.range_key is not None and self.table.range_key_attr is not None:
            key[self.table.range_key_attr] = self.range_key.to_json()
        return key


@dataclass
class _Journal:
    """What the applied writes replaced, to undo them without copying any table."""

    replaced: list[tuple[Table, DynamoType, DynamoType | None, Item | None]]
    stream_lengths: dict[int, tuple[Table, int]]

    def remember(self, operation: _Operation) -> None:
        table = operation.table
        if table.stream_shard is not None and id(table) not in self.stream_lengths:
            self.stream_lengths[id(table)] = (table, len(table.stream_shard.items))
        previous = table.get_item(operation.hash_key, operation.range_key)
        # Updates change items in place: keep a private copy of the one item being replaced.
        self.replaced.append(
            (table, operation.hash_key, operation.range_key, copy.deepcopy(previous))
        )

    def undo(self) -> None:
        for table, hash_key, range_key, previous in reversed(self.replaced):
            _restore(table, hash_key, range_key, previous)
        for table, length in self.stream_lengths.values():
            if table.stream_shard is not None:
                del table.stream_shard.items[length:]


def _restore(
    table: Table, hash_key: DynamoType, range_key: DynamoType | None, previous: Item | None
) -> None:
    items: Any = table.items
    if range_key is None:
        if previous is None:
            items.pop(hash_key, None)
        else:
            items[hash_key] = previous
        return
    partition = items.get(hash_key)
    if previous is None:
        if partition is not None:
            partition.pop(range_key, None)
            if not partition:
                items.pop(hash_key, None)
    else:
        items[hash_key][range_key] = previous
    forget_partition(table, hash_key)


def _parse(backend: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> list[_Operation]:
    if len(transact_items) > _MAX_ITEMS:
        raise TooManyTransactionsException()
    operations: list[_Operation] = []
    seen: set[tuple[str, str]] = set()
    for entry in transact_items:
        if len(entry) != 1:
            raise TransactWriteSingleOpException
        kind, body = next(iter(entry.items()))
        if kind not in _OPERATIONS:
            raise MockValidationException(f"Unsupported transaction operation: {kind}")
        table = backend.get_table(body["TableName"])
        key = _key_of(table, body["Item"] if kind == "Put" else body["Key"])
        marker = (table.name, repr(sorted(key.items())))
        if marker in seen:
            raise MultipleTransactionsException()
        seen.add(marker)
        hash_key = DynamoType(key[table.hash_key_attr])
        range_key = (
            DynamoType(key[table.range_key_attr]) if table.range_key_attr is not None else None
        )
        operations.append(_Operation(kind, body, table, hash_key, range_key))
    return operations


def _key_of(table: Table, attributes: dict[str, Any]) -> dict[str, Any]:
    names = [table.hash_key_attr] + ([table.range_key_attr] if table.range_key_attr else [])
    missing = [name for name in names if name not in attributes]
    if missing:
        raise MockValidationException(
            f"One or more parameter values were invalid: Missing the key {missing[0]} in the item"
        )
    return {name: attributes[name] for name in names}


def _check(operation: _Operation) -> CancellationReason:
    body = operation.body
    expression = body.get("ConditionExpression")
    if expression is None:
        return (None, None, None)
    current = operation.table.get_item(operation.hash_key, operation.range_key)
    condition = get_filter_expression(
        expression, body.get("ExpressionAttributeNames"), body.get("ExpressionAttributeValues")
    )
    if condition.expr(current):
        return (None, None, None)
    old = None
    if body.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD" and current is not None:
        old = current.to_json()["Attributes"]
    return ("ConditionalCheckFailed", "The conditional request failed", old)


def _apply(backend: DynamoDBBackend, operation: _Operation) -> None:
    body = operation.body
    names = body.get("ExpressionAttributeNames")
    values = body.get("ExpressionAttributeValues")
    if operation.kind == "Put":
        backend.put_item(body["TableName"], body["Item"])
    elif operation.kind == "Delete":
        backend.delete_item(body["TableName"], operation.key)
    elif operation.kind == "Update":
        backend.update_item(
            body["TableName"],
            operation.key,
            update_expression=body["UpdateExpression"],
            expression_attribute_names=names or {},
            expression_attribute_values=values or {},
        )


def transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
    """Drop-in replacement for DynamoDBBackend.transact_write_items (see the module doc)."""
    operations = _parse(self, transact_items)
    reasons = [_check(operation) for operation in operations]
    if any(code is not None for code, _, _ in reasons):
        raise TransactionCanceledException(reasons)
    journal = _Journal(replaced=[], stream_lengths={})
    for index, operation in enumerate(operations):
        if operation.kind == "ConditionCheck":
            continue
        journal.remember(operation)
        try:
            _apply(self, operation)
        except MockValidationException:
            journal.undo()
            raise
        except ConditionalCheckFailed as error:
            journal.undo()
            raise TransactionCanceledException(_failure_at(index, len(operations), error)) from None
        except Exception as error:  # noqa: BLE001 - DynamoDB reports any item failure as a cancellation
            journal.undo()
            raise TransactionCanceledException(_failure_at(index, len(operations), error)) from None


def _failure_at(index: int, count: int, error: Exception) -> list[CancellationReason]:
    reasons: list[CancellationReason] = [(None, None, None)] * count
    reasons[index] = (type(error).__name__, str(error), None)
    return reasons
