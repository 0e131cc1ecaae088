"""A TCP fault proxy for HTTP/1.1 between the service and the DynamoDB endpoint.

It forwards request by request (keep-alive kept), and for each request decides, by a seeded
plan, to pass it, to reset the connection before forwarding it (nothing reached DynamoDB),
to drop the response after forwarding it (DynamoDB did the work, the answer is lost), to
delay it, or to answer with DynamoDB's throttling error without forwarding. The ambiguous
case, a dropped response, is the one that tests idempotency for real: the commit happened
and the client cannot know.

Runs its own event loop on a thread, so a service under test on any loop can use it:

    with FaultProxy(upstream_url, FaultPlan(drop_response=0.05, seed=7)) as url:
        settings = Settings(endpoint_url=url, ...)
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import socket
import struct
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from urllib.parse import urlsplit

THROTTLING_BODY = (
    b'{"__type":"com.amazonaws.dynamodb.v20120810#ThrottlingException",'
    b'"message":"Rate of requests exceeds the allowed throughput."}'
)
MAX_HEADER_BYTES = 64 * 1024


class Fault(StrEnum):
    PASS = "pass"
    RESET_BEFORE = "reset_before"
    DROP_RESPONSE = "drop_response"
    DELAY = "delay"
    THROTTLE = "throttle"


@dataclass
class FaultPlan:
    """Probabilities per request (the rest pass). `targets` limits faults to these
    `X-Amz-Target` operations (e.g. {"TransactWriteItems"}); None faults every operation."""

    reset_before: float = 0.0
    drop_response: float = 0.0
    throttle: float = 0.0
    delay: float = 0.0
    delay_seconds: float = 0.2
    targets: frozenset[str] | None = None
    seed: int | None = None
    enabled: bool = True
    _random: random.Random = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._random = random.Random(self.seed)

    def choose(self, target: str | None) -> Fault:
        if not self.enabled:
            return Fault.PASS
        if self.targets is not None and (target is None or target not in self.targets):
            return Fault.PASS
        roll = self._random.random()
        for fault, chance in (
            (Fault.RESET_BEFORE, self.reset_before),
            (Fault.DROP_RESPONSE, self.drop_response),
            (Fault.THROTTLE, self.throttle),
            (Fault.DELAY, self.delay),
        ):
            if roll < chance:
                return fault
            roll -= chance
        return Fault.PASS


@dataclass
class _Message:
    head: bytes
    body: bytes

    @property
    def raw(self) -> bytes:
        return self.head + self.body


class FaultProxy:
    """`with FaultProxy(upstream, plan) as url:`; `counts` says which faults were applied."""

    def __init__(self, upstream: str, plan: FaultPlan | None = None) -> None:
        parts = urlsplit(upstream)
        self._upstream = (parts.hostname or "127.0.0.1", parts.port or 80)
        self.plan = plan or FaultPlan()
        self.counts: Counter[Fault] = Counter()
        self.faulted_targets: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.Server | None = None
        self._thread: threading.Thread | None = None
        self.url = ""

    def __enter__(self) -> str:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def start(self) -> str:
        started = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(started,), daemon=True)
        self._thread.start()
        if not started.wait(10):
            raise RuntimeError("fault proxy did not start")
        return self.url

    def stop(self) -> None:
        loop = self._loop
        if loop is not None:
            loop.call_soon_threadsafe(loop.stop)
        if self._thread is not None:
            self._thread.join(10)

    def _run(self, started: threading.Event) -> None:
        loop = self._loop = asyncio.new_event_loop()
        self._server = loop.run_until_complete(
            asyncio.start_server(self._serve, "127.0.0.1", 0, limit=MAX_HEADER_BYTES)
        )
        port = self._server.sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        started.set()
        try:
            loop.run_forever()
        finally:
            self._server.close()
            for task in asyncio.all_tasks(loop):
                task.cancel()
            with contextlib.suppress(Exception):
                loop.run_until_complete(asyncio.sleep(0))
            loop.close()

    def _decide(self, target: str | None) -> Fault:
        with self._lock:
            fault = self.plan.choose(target)
            self.counts[fault] += 1
            if fault is not Fault.PASS and target:
                self.faulted_targets[target] += 1
        return fault

    async def _serve(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        upstream: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        try:
            while True:
                request = await _read_message(client_r, request=True)
                if request is None:
                    return
                fault = self._decide(_target(request.head))
                if fault is Fault.RESET_BEFORE:
                    _reset(client_w)
                    return
                if fault is Fault.THROTTLE:
                    client_w.write(_throttling_response())
                    await client_w.drain()
                    continue
                if fault is Fault.DELAY:
                    await asyncio.sleep(self.plan.delay_seconds)
                if upstream is None:
                    upstream = await asyncio.open_connection(*self._upstream)
                up_r, up_w = upstream
                up_w.write(request.raw)
                await up_w.drain()
                response = await _read_message(up_r, request=False)
                if response is None:
                    _reset(client_w)
                    return
                if fault is Fault.DROP_RESPONSE:
                    _reset(client_w)  # DynamoDB did the work; the client never hears of it
                    return
                client_w.write(response.raw)
                await client_w.drain()
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            _reset(client_w)
        finally:
            if upstream is not None:
                upstream[1].close()
            client_w.close()


def _target(head: bytes) -> str | None:
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"x-amz-target":
            return value.strip().decode("ascii", "replace").rpartition(".")[2]
    return None


async def _read_message(reader: asyncio.StreamReader, *, request: bool) -> _Message | None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as exc:
        if exc.partial:
            raise
        return None
    length: int | None = None
    chunked = False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        key = name.strip().lower()
        if key == b"content-length":
            length = int(value.strip())
        elif key == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
    if chunked:
        return _Message(head, await _read_chunked(reader))
    if length is None:
        if request:
            return _Message(head, b"")
        return _Message(head, await reader.read())  # close-delimited response
    return _Message(head, await reader.readexactly(length))


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    body = bytearray()
    while True:
        size_line = await reader.readuntil(b"\r\n")
        body += size_line
        size = int(size_line.split(b";")[0].strip(), 16)
        body += await reader.readexactly(size + 2)
        if size == 0:
            return bytes(body)


def _throttling_response() -> bytes:
    head = (
        "HTTP/1.1 400 Bad Request\r\n"
        "Content-Type: application/x-amz-json-1.0\r\n"
        f"Content-Length: {len(THROTTLING_BODY)}\r\n"
        "x-amzn-RequestId: fault-proxy\r\n\r\n"
    )
    return head.encode("ascii") + THROTTLING_BODY


def _reset(writer: asyncio.StreamWriter) -> None:
    """Close with a TCP RST rather than a FIN: what a crashed peer or a cut network looks like."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


@contextlib.contextmanager
def faulty(upstream: str, plan: FaultPlan) -> Iterator[FaultProxy]:
    proxy = FaultProxy(upstream, plan)
    proxy.start()
    try:
        yield proxy
    finally:
        proxy.stop()
