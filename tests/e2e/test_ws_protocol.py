"""LeanWebSocketProtocol under uvicorn over a real socket: messages in order, the handshake let
go once answered, and every attribute uvicorn sets in a slot (a uvicorn upgrade that adds one
puts the 1.6 KB instance dict back on every socket). HandingOverHttpProtocol: an upgraded
socket leaves no cyclic garbage, and plain HTTP still works on it."""

from __future__ import annotations

import asyncio
import gc
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import uvicorn
from websockets.asyncio.client import connect

from entrypoints.ws_protocol import (
    HandingOverHttpProtocol,
    LeanWebSocketProtocol,
    websocket_options,
)
from services.settings import Settings
from tests.e2e.live import until
from tests.support.slots import assert_all_in_slots, recording

seen: list[LeanWebSocketProtocol] = []
Recorded = recording(LeanWebSocketProtocol, seen)


async def echo(scope: Any, receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    if scope["type"] == "http":
        await receive()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"plain"})
        return
    assert (await receive())["type"] == "websocket.connect"
    await send({"type": "websocket.accept"})
    while (message := await receive())["type"] == "websocket.receive":
        await send({"type": "websocket.send", "text": message["text"].upper()})


@asynccontextmanager
async def echo_server(**config: Any) -> AsyncIterator[int]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(echo, log_level="warning", **config))
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    await until(lambda: server.started or serving.done())
    try:
        yield sock.getsockname()[1]
    finally:
        server.should_exit = True
        await serving
        sock.close()


async def test_messages_in_order_and_no_instance_dict() -> None:
    async with echo_server(ws=Recorded) as port:
        async with connect(f"ws://127.0.0.1:{port}/") as ws:
            for i in range(50):  # sent back to back: several wait in the queue at once
                await ws.send(f"m{i}")
            assert [await ws.recv() for _ in range(50)] == [f"M{i}" for i in range(50)]
            (protocol,) = seen
            assert protocol.request is None
            assert protocol.response is None
            assert_all_in_slots(protocol, "UVICORN_ATTRIBUTES")
        await asyncio.sleep(0.1)
        assert_all_in_slots(protocol, "UVICORN_ATTRIBUTES")


async def upgrade_garbage(**config: Any) -> list[str]:
    """The uvicorn and httptools objects that five websockets leave to the cyclic collector."""
    async with echo_server(**config) as port:
        async with connect(f"ws://127.0.0.1:{port}/") as ws:  # first use: not garbage
            await ws.send("warm")
            await ws.recv()
        gc.collect()
        gc.set_debug(gc.DEBUG_SAVEALL)
        try:
            for i in range(5):
                async with connect(f"ws://127.0.0.1:{port}/") as ws:
                    await ws.send(f"m{i}")
                    assert await ws.recv() == f"M{i}"
            await asyncio.sleep(0.1)
            gc.collect()
            return sorted(
                type(found).__qualname__
                for found in gc.garbage
                if type(found).__module__.split(".")[0] in ("uvicorn", "httptools")
            )
        finally:
            gc.set_debug(0)
            gc.garbage.clear()


async def test_an_upgraded_socket_leaves_no_cyclic_garbage() -> None:
    left = await upgrade_garbage(ws=LeanWebSocketProtocol, http=HandingOverHttpProtocol)
    assert left == []
    # uvicorn's own protocol leaves its parser and itself on every upgrade (the guard's proof)
    plain = await upgrade_garbage(ws=LeanWebSocketProtocol, http="httptools")
    assert plain.count("HttpToolsProtocol") == 5


async def test_plain_http_keeps_alive_through_the_handing_over_protocol() -> None:
    async with (
        echo_server(ws=LeanWebSocketProtocol, http=HandingOverHttpProtocol) as port,
        httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client,
    ):
        for _ in range(3):  # one keep-alive connection, parsed by the same protocol
            response = await client.get("/")
            assert (response.status_code, response.text) == (200, "plain")


def test_ledger_serve_runs_both_protocols_without_deflate() -> None:
    options = websocket_options(Settings.model_construct())
    assert options["http"] is HandingOverHttpProtocol
    assert options["ws"] is LeanWebSocketProtocol
    assert options["ws_per_message_deflate"] is False
