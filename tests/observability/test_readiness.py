from __future__ import annotations

import asyncio

from entrypoints.readiness import Readiness, task_probe


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


async def test_probes_run_at_most_once_per_max_age() -> None:
    calls = 0

    async def dynamodb() -> str:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.01)
        return "ok"

    clock = Clock()
    readiness = Readiness({"dynamodb": dynamodb}, max_age=1.0, clock=clock)
    reports = await asyncio.gather(*(readiness.report() for _ in range(20)))
    assert calls == 1  # concurrent probes share one check
    assert all(r.ready for r in reports)
    clock.now = 0.9
    await readiness.report()
    assert calls == 1
    clock.now = 1.1
    await readiness.report()
    assert calls == 2


async def test_each_dependency_reports_its_state() -> None:
    async def ok() -> str:
        return "ok"

    async def broken() -> str:
        raise ConnectionError("refused")

    async def slow() -> str:
        await asyncio.sleep(10)
        return "ok"

    readiness = Readiness({"dynamodb": ok, "redis": broken, "other": slow}, timeout=0.05)
    report = await readiness.report()
    assert not report.ready
    assert report.body() == {
        "status": "unavailable",
        "checks": {"dynamodb": "ok", "redis": "unavailable", "other": "timeout"},
    }


async def test_a_stopped_stream_worker_is_not_ready() -> None:
    task = asyncio.create_task(asyncio.sleep(10))
    probe = task_probe(task)
    assert await probe() == "running"
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    readiness = Readiness({"stream_worker": probe})
    assert (await readiness.report()).checks == {"stream_worker": "unavailable"}
