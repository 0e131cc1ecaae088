from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, cast

import pytest

from services.domain.errors import LedgerUnavailable
from services.dynamo.batch import BATCH_GET_LIMIT, CHUNKS_IN_FLIGHT, BatchReader
from services.retry import Backoff

TABLE = "ledger"


def key(n: int) -> dict[str, Any]:
    return {"PK": {"S": f"ACCOUNT#a{n}"}, "SK": {"S": "ACCOUNT"}}


class FakeDynamoClient:
    """batch_get_item over a set of existing keys; the first `throttled_rounds` calls leave
    the second half of their keys unprocessed, as DynamoDB does under load."""

    def __init__(self, existing: set[int], throttled_rounds: int = 0) -> None:
        self.existing = {f"ACCOUNT#a{n}" for n in existing}
        self.throttled_rounds = throttled_rounds
        self.calls: list[list[dict[str, Any]]] = []

    async def batch_get_item(self, *, RequestItems: dict[str, Any]) -> dict[str, Any]:
        assert list(RequestItems) == [TABLE]
        request = RequestItems[TABLE]
        assert request["ConsistentRead"] is True
        keys = list(request["Keys"])
        if len(keys) > BATCH_GET_LIMIT:
            raise AssertionError(f"ValidationException: {len(keys)} keys in one BatchGetItem")
        self.calls.append(keys)
        served, unprocessed = keys, []
        if self.throttled_rounds:
            self.throttled_rounds -= 1
            half = max(1, len(keys) // 2)
            served, unprocessed = keys[:-half], keys[-half:]
        response: dict[str, Any] = {
            "Responses": {TABLE: [dict(k, found={"BOOL": True}) for k in served if self._has(k)]}
        }
        if unprocessed:
            response["UnprocessedKeys"] = {TABLE: {"Keys": unprocessed, "ConsistentRead": True}}
        return response

    def _has(self, k: dict[str, Any]) -> bool:
        return k["PK"]["S"] in self.existing


def reader(client: FakeDynamoClient, max_rounds: int = 10) -> BatchReader:
    return BatchReader(cast(Any, client), TABLE, Backoff(0, 0), max_rounds=max_rounds)


def found_ids(items: list[dict[str, Any]]) -> list[str]:
    return sorted(item["PK"]["S"] for item in items)


async def test_unprocessed_keys_are_retried_until_all_are_read() -> None:
    client = FakeDynamoClient(existing=set(range(10)), throttled_rounds=2)

    items = await reader(client).get([key(n) for n in range(10)])

    assert found_ids(items) == sorted(f"ACCOUNT#a{n}" for n in range(10))
    assert [len(call) for call in client.calls] == [10, 5, 2]
    # Each retry asks only for what was left unprocessed.
    assert client.calls[1] == [key(n) for n in range(5, 10)]


async def test_keys_are_read_in_chunks_of_at_most_100() -> None:
    client = FakeDynamoClient(existing=set(range(0, 250, 2)))

    items = await reader(client).get([key(n) for n in range(250)])

    assert [len(call) for call in client.calls] == [100, 100, 50]
    assert found_ids(items) == sorted(f"ACCOUNT#a{n}" for n in range(0, 250, 2))


async def test_exactly_100_keys_is_one_call() -> None:
    client = FakeDynamoClient(existing=set())
    assert await reader(client).get([key(n) for n in range(100)]) == []
    assert [len(call) for call in client.calls] == [100]


async def test_duplicates_are_read_once() -> None:
    client = FakeDynamoClient(existing={1, 2})

    items = await reader(client).get([key(1), key(2), key(1), key(3), key(2)])

    assert found_ids(items) == ["ACCOUNT#a1", "ACCOUNT#a2"]
    assert client.calls == [[key(1), key(2), key(3)]]


async def test_no_keys_means_no_call() -> None:
    client = FakeDynamoClient(existing={1})
    assert await reader(client).get([]) == []
    assert client.calls == []


async def test_throttling_in_every_round_gives_up() -> None:
    client = FakeDynamoClient(existing={1, 2}, throttled_rounds=100)

    with pytest.raises(LedgerUnavailable, match="unprocessed"):
        await reader(client, max_rounds=3).get([key(1), key(2)])

    assert len(client.calls) == 3


class GatedDynamoClient(FakeDynamoClient):
    """Holds every call until `release` is set, counting how many wait at once."""

    def __init__(self, existing: set[int], failing: int | None = None) -> None:
        super().__init__(existing)
        self.release = asyncio.Event()
        self.in_flight = 0
        self.peak = 0
        self.cancelled = 0
        self.failing = failing

    async def batch_get_item(self, *, RequestItems: dict[str, Any]) -> dict[str, Any]:
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        try:
            first = RequestItems[TABLE]["Keys"][0]
            if self.failing is not None and first == key(self.failing):
                raise LedgerUnavailable("this chunk failed")
            await self.release.wait()
        except asyncio.CancelledError:
            self.cancelled += 1
            raise
        finally:
            self.in_flight -= 1
        return await super().batch_get_item(RequestItems=RequestItems)


async def test_chunks_are_read_side_by_side() -> None:
    client = GatedDynamoClient(existing=set(range(0, 1000, 3)))
    reading = asyncio.create_task(reader(client).get([key(n) for n in range(1000)]))
    await until(lambda: client.peak == 10)
    client.release.set()
    items = await reading
    assert found_ids(items) == sorted(f"ACCOUNT#a{n}" for n in range(0, 1000, 3))
    assert sorted(len(call) for call in client.calls) == [100] * 10


async def test_at_most_ten_chunks_are_in_flight() -> None:
    client = GatedDynamoClient(existing=set())
    reading = asyncio.create_task(reader(client).get([key(n) for n in range(2500)]))
    await until(lambda: client.peak == CHUNKS_IN_FLIGHT)
    await asyncio.sleep(0.05)
    assert client.in_flight == CHUNKS_IN_FLIGHT
    client.release.set()
    assert await reading == []
    assert len(client.calls) == 25
    assert client.peak == CHUNKS_IN_FLIGHT


async def test_a_failed_chunk_fails_the_read_with_its_error_and_stops_the_others() -> None:
    client = GatedDynamoClient(existing=set(range(300)), failing=200)
    with pytest.raises(LedgerUnavailable, match="this chunk failed"):
        await asyncio.wait_for(reader(client).get([key(n) for n in range(300)]), 5)
    assert client.cancelled == 2  # the two chunks still waiting were not left running
    assert client.in_flight == 0


async def until(condition: Callable[[], bool]) -> None:
    for _ in range(500):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition never held")
