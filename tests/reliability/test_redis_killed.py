"""Fault-injection harness, scenario 3: Redis killed and restarted under load.

Two `ledger serve` replicas and one `ledger stream-worker`, each a process of its own, share
the table and Redis. Websocket clients subscribe to every account on both replicas while this
process commits transfers; Redis is killed (SIGKILL) and started again in the middle, twice.
Every subscriber on both replicas must see each version of its account once, in order, with
nothing lost: the worker publishes again what Redis refused, and each replica fills what it
missed from the table when its subscriptions are confirmed again.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

from services.bootstrap import bootstrap
from services.settings import Settings
from tests.e2e.live import TRANSPORT_WS, GraphQLSocket
from tests.e2e.test_serve_cli import ledger_serve
from tests.reliability import harness
from tests.streams.support import RedisServer
from tests.support.processes import WorkerProcess, settings_env


async def collect(socket: GraphQLSocket, operation_id: str, seen: list[int]) -> None:
    while True:
        message = await socket.receive(operation_id, seconds=3600)
        assert message["type"] == "next", message
        assert "errors" not in message["payload"], message
        seen.append(message["payload"]["data"]["balanceChanged"]["version"])


async def run_redis_kills(
    settings: Settings,
    redis_server: RedisServer,
    home: Path,
    *,
    transfers: int,
    outages: int,
    down_seconds: float,
) -> None:
    ids = harness.accounts(6, prefix="r")
    env = settings_env(settings, home)
    worker = WorkerProcess(settings, home)
    seen: dict[tuple[int, str], list[int]] = {}
    outage_points = {transfers * (n + 1) // (outages + 1) for n in range(outages)}
    async with bootstrap(settings) as writer:
        await harness.open_accounts(writer.ledger, ids, notified=0)
        with ExitStack() as processes:
            urls = [
                processes.enter_context(ledger_serve(home, env=env, name=f"replica-{n}"))[0]
                for n in range(2)
            ]
            worker.start()
            processes.callback(worker.stop)
            async with contextlib.AsyncExitStack() as sockets:
                collectors = []
                for replica, url in enumerate(urls):
                    socket = await sockets.enter_async_context(
                        GraphQLSocket.open(url, TRANSPORT_WS)
                    )
                    for account_id in ids:
                        operation = f"{replica}-{account_id}"
                        await socket.subscribe_balance(operation, account_id, after_version=0)
                        versions = seen.setdefault((replica, account_id), [])
                        collectors.append(asyncio.create_task(collect(socket, operation, versions)))

                async def outage(done: int) -> None:
                    if done in outage_points:
                        redis_server.stop()  # SIGKILL: every connection cut at once
                        await asyncio.sleep(down_seconds)  # the other senders go on meanwhile
                        redis_server.start()

                try:
                    elapsed = await harness.random_transfers(
                        writer.ledger, ids, transfers, seed=30, after_each=outage
                    )
                    versions = await harness.final_versions(writer.ledger, ids)
                    await harness.wait_for(
                        lambda: (
                            all(len(seen[(r, a)]) >= versions[a] for r in range(2) for a in ids)
                            or any(c.done() for c in collectors)
                        ),
                        90,
                        "every change on both replicas",
                    )
                finally:
                    for collector in collectors:
                        collector.cancel()
                for collector in collectors:
                    with contextlib.suppress(asyncio.CancelledError):
                        await collector  # a failed collector's assertion surfaces here

    print(  # noqa: T201 - the scenario's measurements, shown with -s
        f"\n{transfers} transfers in {elapsed:.1f}s, Redis killed {outages} times for "
        f"{down_seconds}s; {sum(versions.values())} versions on each replica"
    )
    for (replica, account_id), got in seen.items():
        assert got == list(range(1, versions[account_id] + 1)), (replica, account_id, got)


def redis_settings(stream_settings: Settings, redis_server: RedisServer) -> Settings:
    updates: dict[str, Any] = {
        "redis_url": redis_server.url,
        "serve_stream_worker": False,
        "notify_email": False,
        "notify_sms": False,
        "stream_poll_interval_seconds": 0.05,
    }
    return stream_settings.model_copy(update=updates)


async def test_redis_killed_twice_under_load_loses_nothing_on_two_replicas(
    stream_settings: Settings, redis_server: RedisServer, tmp_path: Path
) -> None:
    settings = redis_settings(stream_settings, redis_server)
    await run_redis_kills(
        settings, redis_server, tmp_path, transfers=300, outages=2, down_seconds=1.0
    )


@pytest.mark.soak
async def test_soak_redis_killed_often(
    stream_settings: Settings, redis_server: RedisServer, tmp_path: Path
) -> None:
    settings = redis_settings(stream_settings, redis_server)
    transfers = int(os.environ.get("LEDGER_SOAK_TRANSFERS", "3000"))
    await run_redis_kills(
        settings, redis_server, tmp_path, transfers=transfers, outages=6, down_seconds=5.0
    )
