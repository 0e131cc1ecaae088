"""LeanWebSocketProtocol under uvicorn over a real socket: messages in order, the handshake let
go once answered, and every attribute uvicorn sets in a slot (a uvicorn upgrade that adds one
puts the 1.6 KB instance dict back on every socket)."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import uvicorn
from websockets.asyncio.client import connect

from entrypoints.ws_protocol import LeanWebSocketProtocol
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
    assert (await receive())["type"] == "websocket.connect"
    await send({"type": "websocket.accept"})
    while (message := await receive())["type"] == "websocket.receive":
        await send({"type": "websocket.send", "text": message["text"].upper()})


async def test_messages_in_order_and_no_instance_dict() -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(echo, ws=Recorded, log_level="warning"))
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    await until(lambda: server.started or serving.done())
    try:
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
    finally:
        server.should_exit = True
        await serving
        sock.close()
