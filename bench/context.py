"""What every workload gets: the endpoint, where logs go, the counts of this run, progress."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from bench.http import Connection
from bench.procs import Server, ledger_env, start_server

T = TypeVar("T")

#: Workloads 1, 4 and 5 measure the API alone: the stream worker (which `ledger serve` runs
#: in-process by default) is then a separate process, as with `ledger stream-worker`.
API_ONLY = {"LEDGER_SERVE_STREAM_WORKER": "false"}


@dataclass(frozen=True)
class Run:
    endpoint_url: str
    log_dir: Path
    smoke: bool
    started: float

    def scale(self, full: int, smoke: int) -> int:
        return smoke if self.smoke else full

    def progress(self, message: str) -> None:
        print(f"[{time.monotonic() - self.started:6.1f}s] {message}", flush=True)

    async def ledger_server(self, table: str, **env: str) -> Server:
        """`ledger serve` on its own table (created by the service at startup)."""
        return await asyncio.to_thread(
            start_server, "ledger", self.log_dir, ledger_env(self.endpoint_url, table, **env)
        )


async def stats(server: Server, *, reset_peaks: bool = False) -> dict[str, Any]:
    """The bench server's counts; `reset_peaks`: its peaks of calls in flight count afresh
    from this call on."""
    connection = Connection("127.0.0.1", server.port)
    try:
        path = "/bench/stats?reset_peaks=1" if reset_peaks else "/bench/stats"
        result: dict[str, Any] = await connection.get_json(path)
        return result
    finally:
        await connection.close()


async def timed(call: Callable[[], Awaitable[T]]) -> tuple[float, T]:
    started = time.perf_counter()
    result = await call()
    return time.perf_counter() - started, result
