"""Transport limits over a real socket: body size, websocket message size, operations per
socket, `connection_init` timeout and repetition, sockets per principal and per process,
operations starting at once, and replays too far behind. Floods leave the server healthy:
/healthz latency and the process's memory growth are measured and printed (`pytest -s`);
bounds asserted are generous."""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

from bench.data import dynamodb, put_history
from tests.e2e.conftest import e2e_settings
from tests.e2e.live import BALANCE_CHANGED, LEGACY_WS, PROTOCOLS, TIMEOUT, TRANSPORT_WS
from tests.support.app_process import ProcessApi, serving_process

LIMITS: dict[str, Any] = {
    "http_max_body_bytes": 64 * 1024,
    "ws_max_message_bytes": 64 * 1024,
    "ws_max_operations_per_connection": 5,
    "ws_connection_init_timeout_seconds": 0.5,
    "ws_max_connections_per_principal": 3,
    "ws_max_connections": 6,
    "ws_max_operation_starts": 1,
    "max_replay_versions": 5,
}
HISTORY = "ten-entries"
HEALTHZ_BUDGET_SECONDS = 0.1
MIB = 1024 * 1024


def report(line: str) -> None:
    print(line)  # noqa: T201


@pytest.fixture(scope="module")
def api(dynamodb_endpoint: str) -> Iterator[ProcessApi]:
    settings = e2e_settings(dynamodb_endpoint, **LIMITS)
    with serving_process(settings) as server:

        async def load() -> None:
            async with dynamodb(dynamodb_endpoint) as client:
                await put_history(client, settings.table_name, HISTORY, 10)

        asyncio.run(load())
        yield ProcessApi(server.url, settings, server)


def ws_url(api: ProcessApi) -> str:
    return api.graphql.replace("http://", "ws://", 1)


class HealthProbe:
    """Polls /healthz from its own thread while a flood runs; keeps every latency."""

    def __init__(self, url: str) -> None:
        self.url = url + "/healthz"
        self.latencies: list[float] = []
        self.failures = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        with httpx.Client(timeout=5) as client:
            while not self._stop.is_set():
                started = time.perf_counter()
                try:
                    ok = client.get(self.url).status_code == 200
                except httpx.HTTPError:
                    ok = False
                self.latencies.append(time.perf_counter() - started)
                self.failures += not ok
                time.sleep(0.02)

    def __enter__(self) -> HealthProbe:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def assert_healthy(self) -> None:
        """Every probe answered 200, in under 100 ms (the server is a process of its own, so
        this is its latency, not this interpreter's). One probe of the run may be late by the
        OS scheduler of a shared two-core machine, never by more than 500 ms: an event loop
        the flood holds shows as a run of late probes, which this still refuses."""
        assert self.latencies, "no probe ran"
        assert self.failures == 0, self.summary()
        late = [latency for latency in self.latencies if latency >= HEALTHZ_BUDGET_SECONDS]
        assert len(late) <= 1, self.summary()
        assert max(self.latencies) < 5 * HEALTHZ_BUDGET_SECONDS, self.summary()

    def summary(self) -> str:
        ordered = sorted(self.latencies) or [0.0]
        p99 = ordered[math.ceil(len(ordered) * 0.99) - 1]
        return (
            f"/healthz {len(ordered)} probes, median {ordered[len(ordered) // 2] * 1000:.1f} ms,"
            f" p99 {p99 * 1000:.1f} ms, max {ordered[-1] * 1000:.1f} ms, failed {self.failures}"
        )


async def opened(api: ProcessApi, protocol: str) -> Any:
    return await connect(
        ws_url(api),
        subprotocols=[Subprotocol(protocol)],
        open_timeout=TIMEOUT,
        proxy=None,
        max_size=None,
    )


async def init(ws: Any) -> None:
    await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
    assert json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT))["type"] == "connection_ack"


async def close_code(ws: Any) -> int | None:
    """Read until the server closes; its close code."""
    try:
        while True:
            await asyncio.wait_for(ws.recv(), TIMEOUT)
    except ConnectionClosed as closed:
        return closed.rcvd.code if closed.rcvd else None


def test_a_body_over_the_limit_gets_413(api: ProcessApi) -> None:
    limit = api.settings.http_max_body_bytes
    padding = "x" * limit
    declared = httpx.post(api.graphql, json={"query": "{ __typename }", "pad": padding})
    assert declared.status_code == 413
    assert "larger than" in declared.json()["errors"][0]["message"]

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it streams in
        yield b'{"query": "{ __typename }", "pad": "'
        for _ in range(8):
            yield b"x" * (limit // 4)
        yield b'"}'

    streamed = httpx.post(
        api.graphql, content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert streamed.status_code == 413
    assert httpx.post(api.graphql, json={"query": "{ __typename }"}).status_code == 200


def test_a_small_declared_length_does_not_let_a_chunked_body_past_the_limit(
    api: ProcessApi,
) -> None:
    """Content-Length 2 with Transfer-Encoding chunked and a body over the limit: refused,
    whichever of the two headers the server believes."""
    limit = api.settings.http_max_body_bytes
    host, port = api.url.removeprefix("http://").split(":")
    body = b'{"query": "{ __typename }", "pad": "' + b"x" * (2 * limit) + b'"}'
    request = (
        b"POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        b"Content-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n"
        + f"{len(body):x}\r\n".encode()
        + body
        + b"\r\n0\r\n\r\n"
    )
    with socket.create_connection((host, int(port)), timeout=TIMEOUT) as conn:
        conn.sendall(request)
        status_line = conn.recv(4096).split(b"\r\n", 1)[0]
    assert status_line.split()[1] in (b"400", b"413"), status_line
    assert httpx.post(api.graphql, json={"query": "{ __typename }"}).status_code == 200


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_a_20_mib_message_closes_the_socket_and_nothing_else(
    api: ProcessApi, protocol: str
) -> None:
    async def scenario() -> int | None:
        ws = await opened(api, protocol)
        await init(ws)
        with contextlib.suppress(ConnectionClosed):  # the server may close mid-message
            await ws.send(json.dumps({"type": "ping", "payload": {"x": "y" * (20 * MIB)}}))
        return await close_code(ws)

    before = api.server.rss_bytes()
    with HealthProbe(api.url) as probe:
        code = asyncio.run(scenario())
        time.sleep(0.1)
    growth = api.server.rss_bytes() - before
    report(
        f"\n{protocol}: 20 MiB message: close {code}; {probe.summary()};"
        f" RSS +{growth / MIB:.1f} MiB"
    )
    assert code == 1009  # message too big
    probe.assert_healthy()
    assert growth < 50 * MIB


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_ten_thousand_subscribes_leave_the_server_healthy(api: ProcessApi, protocol: str) -> None:
    count = 10_000
    kind = "subscribe" if protocol == TRANSPORT_WS else "start"

    async def scenario() -> dict[str, int]:
        ws = await opened(api, protocol)
        await init(ws)
        payload = {"query": BALANCE_CHANGED, "variables": {"id": HISTORY}}
        for n in range(count):
            await ws.send(json.dumps({"id": str(n), "type": kind, "payload": payload}))
        seen: dict[str, int] = {}
        refused = 0
        while refused < count - LIMITS["ws_max_operations_per_connection"]:
            message = json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT))
            seen[message["type"]] = seen.get(message["type"], 0) + 1
            refused += "Subscription limit reached" in json.dumps(message)
        await ws.close()
        return seen

    before = api.server.rss_bytes()
    started = time.perf_counter()
    with HealthProbe(api.url) as probe:
        seen = asyncio.run(scenario())
    elapsed = time.perf_counter() - started
    growth = api.server.rss_bytes() - before
    report(
        f"\n{protocol}: {count} subscribes in {elapsed:.2f} s, messages back {seen}; "
        f"{probe.summary()}; RSS +{growth / MIB:.1f} MiB"
    )
    probe.assert_healthy()
    assert growth < 50 * MIB


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_a_repeated_connection_init_closes_the_socket(api: ProcessApi, protocol: str) -> None:
    async def scenario() -> int | None:
        ws = await opened(api, protocol)
        await init(ws)
        sent = 0
        with contextlib.suppress(ConnectionClosed):  # closed at the first repeat
            for _ in range(1000):
                await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
                sent += 1
        return await close_code(ws)

    before = api.server.rss_bytes()
    with HealthProbe(api.url) as probe:
        assert asyncio.run(scenario()) == 4429
        time.sleep(0.1)
    growth = api.server.rss_bytes() - before
    report(f"\n{protocol}: 1,000 connection_init: {probe.summary()}; RSS +{growth / MIB:.1f} MiB")
    probe.assert_healthy()
    assert growth < 50 * MIB


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_a_socket_without_connection_init_is_closed(api: ProcessApi, protocol: str) -> None:
    async def scenario() -> int | None:
        ws = await opened(api, protocol)
        return await close_code(ws)

    started = time.perf_counter()
    assert asyncio.run(scenario()) == 4408
    assert time.perf_counter() - started < LIMITS["ws_connection_init_timeout_seconds"] + 3


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_operations_per_socket_are_bounded(api: ProcessApi, protocol: str) -> None:
    async def scenario() -> list[dict[str, Any]]:
        ws = await opened(api, protocol)
        await init(ws)
        kind = "subscribe" if protocol == TRANSPORT_WS else "start"
        payload = {"query": BALANCE_CHANGED, "variables": {"id": HISTORY}}
        limit = LIMITS["ws_max_operations_per_connection"]
        for n in range(limit + 1):
            await ws.send(json.dumps({"id": str(n), "type": kind, "payload": payload}))
        found = []
        while not found or found[-1].get("id") != str(limit):
            found.append(json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT)))
        await ws.close()
        return found

    last = asyncio.run(scenario())[-1]
    assert last["type"] == "error"
    assert "Subscription limit reached" in json.dumps(last)


def test_sockets_per_principal_and_per_process_are_bounded(api: ProcessApi) -> None:
    per_principal = LIMITS["ws_max_connections_per_principal"]

    async def scenario() -> tuple[int | None, int]:
        held = []
        for _ in range(per_principal):
            ws = await opened(api, TRANSPORT_WS)
            await init(ws)
            held.append(ws)
        extra = await opened(api, LEGACY_WS)
        await extra.send(json.dumps({"type": "connection_init", "payload": {}}))
        principal_code = await close_code(extra)
        # Uninitialised sockets count towards the process's maximum only.
        while True:
            try:
                held.append(await opened(api, TRANSPORT_WS))
            except Exception as refused:
                status = getattr(getattr(refused, "response", None), "status_code", 0)
                break
        for ws in held:
            await ws.close()
        return principal_code, status

    principal_code, status = asyncio.run(scenario())
    assert principal_code == 4429
    assert status == 503


def test_operations_wait_their_turn_to_start_and_every_one_starts(api: ProcessApi) -> None:
    """Fifteen subscriptions sent at once on three sockets, one start at a time: each one
    starts, replays its two versions in order, and nothing is refused."""
    sockets = LIMITS["ws_max_connections_per_principal"]
    per_socket = LIMITS["ws_max_operations_per_connection"]

    async def one_socket() -> dict[str, list[int]]:
        ws = await opened(api, TRANSPORT_WS)
        await init(ws)
        payload = {"query": BALANCE_CHANGED, "variables": {"id": HISTORY, "after": 8}}
        for n in range(per_socket):
            await ws.send(json.dumps({"id": str(n), "type": "subscribe", "payload": payload}))
        versions: dict[str, list[int]] = {str(n): [] for n in range(per_socket)}
        while sum(map(len, versions.values())) < 2 * per_socket:
            message = json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT))
            assert message["type"] == "next", message
            versions[message["id"]].append(message["payload"]["data"]["balanceChanged"]["version"])
        await ws.close()
        return versions

    async def scenario() -> list[dict[str, list[int]]]:
        return await asyncio.gather(*(one_socket() for _ in range(sockets)))

    for versions in asyncio.run(scenario()):
        assert versions == {str(n): [9, 10] for n in range(per_socket)}


def test_a_replay_too_far_behind_is_refused(api: ProcessApi) -> None:
    async def scenario() -> list[dict[str, Any]]:
        ws = await opened(api, TRANSPORT_WS)
        await init(ws)
        for n, after in enumerate((0, 10 - LIMITS["max_replay_versions"])):
            payload = {"query": BALANCE_CHANGED, "variables": {"id": HISTORY, "after": after}}
            await ws.send(json.dumps({"id": str(n), "type": "subscribe", "payload": payload}))
        found = [json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT)) for _ in range(2)]
        await ws.close()
        return sorted(found, key=lambda m: m["id"])

    far, near = asyncio.run(scenario())
    error = far["payload"][0] if far["type"] == "error" else far["payload"]["errors"][0]
    assert error["extensions"]["code"] == "INVALID_INPUT"
    assert "page through `transactions`" in error["message"]
    assert near["type"] == "next", near
    assert near["payload"]["data"]["balanceChanged"]["version"] == 6
