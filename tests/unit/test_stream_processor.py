"""process_records: handlers run in isolation; failures are reported per record."""

from __future__ import annotations

from typing import Any

from services.domain.events import BalanceChanged
from services.retry import Backoff
from services.streams.processor import Handler, StreamProcessor
from tests.unit.test_events_decode import ENTRY_IMAGE, stream_record


def records(count: int) -> list[dict[str, Any]]:
    out = []
    for version in range(1, count + 1):
        image = {
            **ENTRY_IMAGE,
            "SK": {"S": f"ENTRY#{version:020d}"},
            "version": {"N": str(version)},
        }
        record = stream_record(image)
        record["dynamodb"]["SequenceNumber"] = str(1000 + version)
        out.append(record)
    return out


def processor(*handlers: Handler) -> StreamProcessor:
    return StreamProcessor(handlers, max_attempts=3, backoff=Backoff(0, 0))


async def test_every_handler_sees_every_event_in_order() -> None:
    seen: dict[str, list[int]] = {"a": [], "b": []}

    async def a(event: BalanceChanged) -> None:
        seen["a"].append(event.version)

    async def b(event: BalanceChanged) -> None:
        seen["b"].append(event.version)

    result = await processor(Handler("a", a), Handler("b", b)).process_records(records(3))
    assert seen == {"a": [1, 2, 3], "b": [1, 2, 3]}
    assert (result.processed, result.events, result.failed) == (3, 3, [])


async def test_a_flaky_handler_is_retried() -> None:
    calls: list[int] = []

    async def flaky(event: BalanceChanged) -> None:
        calls.append(event.version)
        if len(calls) == 1:
            raise ConnectionError("blip")

    result = await processor(Handler("flaky", flaky)).process_records(records(1))
    assert calls == [1, 1]
    assert result.failed == []


async def test_a_failing_handler_never_stops_the_others() -> None:
    seen: list[int] = []

    async def broken(event: BalanceChanged) -> None:
        if event.version == 2:
            raise RuntimeError("provider down")

    async def fine(event: BalanceChanged) -> None:
        seen.append(event.version)

    result = await processor(Handler("broken", broken), Handler("fine", fine)).process_records(
        records(3)
    )
    assert seen == [1, 2, 3]
    assert result.failed == ["1002"]


async def test_a_best_effort_handler_fails_no_record() -> None:
    async def broken(event: BalanceChanged) -> None:
        raise RuntimeError("redis down")

    result = await processor(Handler("hub", broken, required=False)).process_records(records(2))
    assert result.failed == []


async def test_an_undecodable_record_fails_alone() -> None:
    batch = records(3)
    del batch[1]["dynamodb"]["NewImage"]["version"]
    seen: list[int] = []

    async def fine(event: BalanceChanged) -> None:
        seen.append(event.version)

    result = await processor(Handler("fine", fine)).process_records(batch)
    assert seen == [1, 3]
    assert result.failed == ["1002"]


async def test_the_hub_hears_the_whole_batch_before_slow_handlers_run() -> None:
    log: list[str] = []

    async def hub(event: BalanceChanged) -> None:
        log.append(f"hub {event.version}")

    async def notify(event: BalanceChanged) -> None:
        log.append(f"notify {event.version}")

    await processor(
        Handler("hub", hub, required=False), Handler("notify", notify, concurrency=4)
    ).process_records(records(3))
    assert log[:3] == ["hub 1", "hub 2", "hub 3"]
    assert sorted(log[3:]) == ["notify 1", "notify 2", "notify 3"]


async def test_a_concurrent_handler_reports_its_failures_in_stream_order() -> None:
    async def flaky(event: BalanceChanged) -> None:
        if event.version % 2:
            raise RuntimeError("odd")

    result = await processor(Handler("flaky", flaky, concurrency=8)).process_records(records(5))
    assert result.failed == ["1001", "1003", "1005"]
