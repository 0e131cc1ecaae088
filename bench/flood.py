"""Floods from one client against a separate `ledger serve` process, with the limits at their
defaults: `python -m bench.flood [--smoke]`.

One websocket sends 10,000 subscribes; one sends 1,000 connection_init; one sends a 20 MiB
message; one principal sends transfers as fast as it can. Meanwhile another client polls
/healthz every 20 ms. Printed: /healthz latency (median, p99, max) during each flood, the
server's RSS before and after, and what the flooding client got back. The server is its own
process, so the figures are the server's, not shared with the client's interpreter.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

from bench.procs import Server, ledger_env, start_server
from embedded_dynamodb import EmbeddedDynamoDB

MIB = 1024 * 1024
SUBSCRIBE = 'subscription { balanceChanged(accountId: "flood") { balance version } }'
#: The limits as a deployment has them (bench/procs.py lifts them for the other workloads).
DEFAULT_LIMITS = {
    "LEDGER_RATE_LIMITS": "true",
    "LEDGER_WS_MAX_CONNECTIONS_PER_PRINCIPAL": "20",
    "LEDGER_WS_MAX_CONNECTIONS": "10000",
    "LEDGER_SERVE_STREAM_WORKER": "false",
}


class Probe:
    def __init__(self, url: str) -> None:
        self.url = url + "/healthz"
        self.latencies: list[float] = []
        self.failures = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            started = time.perf_counter()
            try:
                with urllib.request.urlopen(self.url, timeout=5) as response:
                    self.failures += response.status != 200
            except OSError:
                self.failures += 1
            self.latencies.append(time.perf_counter() - started)
            time.sleep(0.02)

    def __enter__(self) -> Probe:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def summary(self) -> str:
        ordered = sorted(self.latencies) or [0.0]
        p99 = ordered[max(0, int(len(ordered) * 0.99) - 1)]
        return (
            f"/healthz x{len(self.latencies)}: median {ordered[len(ordered) // 2] * 1000:.1f} ms,"
            f" p99 {p99 * 1000:.1f} ms, max {ordered[-1] * 1000:.1f} ms, failed {self.failures}"
        )


async def socket(server: Server, protocol: str):  # type: ignore[no-untyped-def]
    url = server.url.replace("http://", "ws://") + "/graphql"
    return await connect(url, subprotocols=[Subprotocol(protocol)], proxy=None, max_size=None)


async def drain(ws, seconds: float = 5.0) -> tuple[Counter[str], str]:  # type: ignore[no-untyped-def]
    seen: Counter[str] = Counter()
    try:
        while True:
            message = json.loads(await asyncio.wait_for(ws.recv(), seconds))
            text = json.dumps(message)
            seen["RATE_LIMITED" if "RATE_LIMITED" in text else message.get("type", "?")] += 1
    except ConnectionClosed as closed:
        return seen, f"closed {closed.rcvd.code if closed.rcvd else None}"
    except TimeoutError:
        await ws.close()
        return seen, "open"


async def subscribes(server: Server, count: int) -> str:
    results = []
    for protocol, kind in (("graphql-transport-ws", "subscribe"), ("graphql-ws", "start")):
        ws = await socket(server, protocol)
        await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
        await ws.recv()
        payload = {"query": SUBSCRIBE}
        for n in range(count):
            await ws.send(json.dumps({"id": str(n), "type": kind, "payload": payload}))
        seen, state = await drain(ws)
        results.append(f"{protocol}: {dict(seen)}, {state}")
    return "; ".join(results)


async def inits(server: Server, count: int) -> str:
    results = []
    for protocol in ("graphql-transport-ws", "graphql-ws"):
        ws = await socket(server, protocol)
        sent = 0
        try:
            for _ in range(count):
                await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
                sent += 1
        except ConnectionClosed:
            pass
        _, state = await drain(ws)
        results.append(f"{protocol}: {state} after {sent} sent")
    return "; ".join(results)


async def huge_message(server: Server, size: int) -> str:
    ws = await socket(server, "graphql-transport-ws")
    await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
    await ws.recv()
    with contextlib.suppress(ConnectionClosed):
        await ws.send(json.dumps({"type": "ping", "payload": {"x": "y" * size}}))
    _, state = await drain(ws)
    return state


async def run(server: Server, smoke: bool) -> None:
    floods: list[tuple[str, Callable[[], Awaitable[str]]]] = [
        ("10,000 subscribes on one socket", lambda: subscribes(server, 200 if smoke else 10_000)),
        ("1,000 connection_init on one socket", lambda: inits(server, 1000)),
        ("a 20 MiB message", lambda: huge_message(server, 20 * MIB)),
    ]
    for name, flood in floods:
        before = server.rss()
        with Probe(server.url) as probe:
            started = time.perf_counter()
            outcome = await flood()
            elapsed = time.perf_counter() - started
        print(
            f"{name}: {elapsed:.1f} s; {probe.summary()}; server RSS "
            f"{before / MIB:.0f} -> {server.rss() / MIB:.0f} MiB; client got {outcome}",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.flood", description=__doc__)
    parser.add_argument("--smoke", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ledger-flood-") as logs, EmbeddedDynamoDB() as url:
        env = ledger_env(url, "flood", **DEFAULT_LIMITS)
        server = start_server("ledger", Path(logs), env)
        try:
            asyncio.run(run(server, args.smoke))
        finally:
            server.stop()


if __name__ == "__main__":
    main()
