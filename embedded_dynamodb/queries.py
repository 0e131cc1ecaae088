"""Base-table Query in proportion to the page, not to the table.

moto 5.2.5 answers every Query by listing all items of the table, sorting the partition, and
walking it from the start to the ExclusiveStartKey: a page costs O(table) and deep pages cost
more than the first. DynamoDB reads a partition in sort-key order from the requested position.
Here each partition keeps its sort keys in a sorted list (maintained on put and delete), and a
Query bisects to its range and start key, then reads only the items of the page.
"""

from __future__ import annotations

import copy
from bisect import bisect_left, bisect_right, insort
from collections.abc import Callable
from typing import Any

from moto.dynamodb.models.dynamo_type import DynamoType, Item
from moto.dynamodb.models.table import RESULT_SIZE_LIMIT, Table

_ORIGINAL_QUERY = Table.query
_ORIGINAL_PUT = Table.put_item
_ORIGINAL_DELETE = Table.delete_item
_SUPPORTED = frozenset(
    {None, "=", "EQ", "<", "LT", "<=", "LE", ">", "GT", ">=", "GE", "BETWEEN", "BEGINS_WITH"}
)
_CACHE = "embedded_sorted_keys"


def _sort_value(key: DynamoType) -> Any:
    return key.cast_value


def _sorted_keys(table: Table, hash_key: DynamoType) -> list[DynamoType]:
    cache: dict[DynamoType, list[DynamoType]] = table.__dict__.setdefault(_CACHE, {})
    keys = cache.get(hash_key)
    if keys is None:
        partition: dict[DynamoType, Item] = dict.get(table.items, hash_key) or {}
        keys = sorted(partition, key=_sort_value)
        cache[hash_key] = keys
    return keys


def forget_partition(table: Table, hash_key: DynamoType) -> None:
    """Drop a partition's sorted keys after its items changed behind put_item/delete_item."""
    table.__dict__.get(_CACHE, {}).pop(hash_key, None)


def put_item(self: Table, item_attrs: dict[str, Any], *args: Any, **kwargs: Any) -> Item:
    """Replacement for Table.put_item that keeps the partition's sorted keys current."""
    item: Item = _ORIGINAL_PUT(self, item_attrs, *args, **kwargs)
    if self.range_key_attr is not None and item.range_key is not None:
        keys = self.__dict__.get(_CACHE, {}).get(item.hash_key)
        if keys is not None:
            at = bisect_left(keys, _sort_value(item.range_key), key=_sort_value)
            if at == len(keys) or keys[at] != item.range_key:
                insort(keys, item.range_key, lo=at, hi=at, key=_sort_value)
    return item


def delete_item(self: Table, hash_key: DynamoType, range_key: DynamoType | None) -> Item | None:
    """Replacement for Table.delete_item that keeps the partition's sorted keys current."""
    item: Item | None = _ORIGINAL_DELETE(self, hash_key, range_key)
    if item is not None and range_key is not None:
        keys = self.__dict__.get(_CACHE, {}).get(hash_key)
        if keys is not None:
            at = bisect_left(keys, _sort_value(range_key), key=_sort_value)
            if at < len(keys) and keys[at] == range_key:
                del keys[at]
    return item


def _bounds(keys: list[DynamoType], comparison: str | None, values: list[Any]) -> tuple[int, int]:
    low, high = 0, len(keys)
    if comparison is None:
        return low, high
    first = values[0]
    if comparison in ("=", "EQ"):
        return bisect_left(keys, first, key=_sort_value), bisect_right(keys, first, key=_sort_value)
    if comparison in ("<", "LT"):
        return low, bisect_left(keys, first, key=_sort_value)
    if comparison in ("<=", "LE"):
        return low, bisect_right(keys, first, key=_sort_value)
    if comparison in (">", "GT"):
        return bisect_right(keys, first, key=_sort_value), high
    if comparison in (">=", "GE"):
        return bisect_left(keys, first, key=_sort_value), high
    if comparison == "BETWEEN":
        return bisect_left(keys, first, key=_sort_value), bisect_right(
            keys, values[1], key=_sort_value
        )
    # BEGINS_WITH: keys sorted by value are also sorted by their first len(prefix) characters.
    low = bisect_left(keys, first, key=_sort_value)
    truncate: Callable[[DynamoType], Any] = lambda key: key.cast_value[: len(first)]  # noqa: E731
    return low, bisect_right(keys, first, lo=low, key=truncate)


def query(
    self: Table,
    hash_key: DynamoType | None,
    range_comparison: str | None,
    range_objs: list[DynamoType],
    limit: Any,
    exclusive_start_key: Any,
    scan_index_forward: bool,
    projection_expressions: list[list[str]] | None,
    index_name: str | None = None,
    consistent_read: bool = False,
    filter_expression: Any = None,
    hash_key_conditions: Any = None,
    range_key_conditions: Any = None,
    **filter_kwargs: Any,
) -> tuple[list[Item], int, dict[str, Any] | None]:
    """Replacement for Table.query; indexes, legacy filters and composite keys go to moto's."""
    comparison = range_comparison.upper() if range_comparison else None
    simple = (
        index_name is None
        and not filter_kwargs
        and hash_key is not None
        and self.range_key_attr is not None
        and comparison in _SUPPORTED
        and len(range_key_conditions or []) <= 1
        and all(value.type == self.range_key_type for value in range_objs)
    )
    if not simple:
        return _ORIGINAL_QUERY(
            self,
            hash_key,
            range_comparison,
            range_objs,
            limit,
            exclusive_start_key,
            scan_index_forward,
            projection_expressions,
            index_name=index_name,
            consistent_read=consistent_read,
            filter_expression=filter_expression,
            hash_key_conditions=hash_key_conditions,
            range_key_conditions=range_key_conditions,
            **filter_kwargs,
        )
    assert hash_key is not None
    assert self.range_key_attr is not None
    keys = _sorted_keys(self, hash_key)
    low, high = _bounds(keys, comparison, [value.cast_value for value in range_objs])
    if exclusive_start_key:
        start = DynamoType(exclusive_start_key[self.range_key_attr]).cast_value
        if scan_index_forward:
            low = max(low, bisect_right(keys, start, key=_sort_value))
        else:
            high = min(high, bisect_left(keys, start, key=_sort_value))
    partition: dict[DynamoType, Item] = dict.get(self.items, hash_key) or {}
    positions = range(low, high) if scan_index_forward else range(high - 1, low - 1, -1)
    page: list[Item] = []
    size = 0
    last_evaluated_key = None
    for position in positions:
        item = partition[keys[position]]
        if size + item.size() > RESULT_SIZE_LIMIT:
            last_evaluated_key = self._get_last_evaluated_key(page[-1], None)
            break
        page.append(item)
        size += item.size()
        if limit is not None and len(page) == limit:
            # As DynamoDB does: stopping at Limit always returns a key, even at the very end.
            last_evaluated_key = self._get_last_evaluated_key(item, None)
            break
    scanned = len(page)
    results = copy.deepcopy(page)
    if filter_expression is not None:
        results = [item for item in results if filter_expression.expr(item)]
    if projection_expressions:
        results = [item.project(projection_expressions) for item in results]
    return results, scanned, last_evaluated_key
