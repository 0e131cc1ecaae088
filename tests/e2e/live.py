"""A GraphQL websocket client for tests that speaks both subprotocols by hand.

Messages are routed to a queue per operation id by a reader task; keep-alives (`ping` on
graphql-transport-ws, `ka` on graphql-ws) are counted, and pings answered with `pong`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

TRANSPORT_WS = "graphql-transport-ws"
LEGACY_WS = "graphql-ws"
PROTOCOLS = [TRANSPORT_WS, LEGACY_WS]

BALANCE_CHANGED = """
subscription($id: ID!, $after: Int) {
  balanceChanged(accountId: $id, afterVersion: $after) {
    accountId balance delta version at
    entry { id transferId accountId counterpartyId direction amount balanceAfter currency }
  }
}
"""

#: Every wait for something expected; a test fails (never hangs) when it does not come.
TIMEOUT = 8.0


class GraphQLSocket:
    def __init__(self, ws: ClientConnection, protocol: str) -> None:
        self.ws = ws
        self.protocol = protocol
        self.keep_alives = 0
        self._keep_alive = asyncio.Event()
        self._queues: dict[str, asyncio.Queue[dict[str, Any]]] = {}
        self._reader: asyncio.Task[None] | None = None

    @classmethod
    @asynccontextmanager
    async def open(
        cls, url: str, protocol: str, token: str | None = None
    ) -> AsyncIterator[GraphQLSocket]:
        """Connected and acknowledged; `token` goes in `connectionParams` as Apollo, urql and
        graphql-ws send it."""
        ws_url = url.replace("http://", "ws://", 1) + "/graphql"
        async with connect(
            ws_url, subprotocols=[Subprotocol(protocol)], open_timeout=TIMEOUT, proxy=None
        ) as ws:
            socket = cls(ws, protocol)
            payload = {"Authorization": f"Bearer {token}"} if token else {}
            await ws.send(json.dumps({"type": "connection_init", "payload": payload}))
            ack = json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT))
            assert ack["type"] == "connection_ack", ack
            socket._reader = asyncio.create_task(socket._read())
            try:
                yield socket
            finally:
                socket._reader.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await socket._reader

    async def _read(self) -> None:
        with contextlib.suppress(ConnectionClosed):
            async for raw in self.ws:
                message = json.loads(raw)
                kind = message.get("type")
                if kind in ("ping", "ka"):
                    self.keep_alives += 1
                    self._keep_alive.set()
                    if kind == "ping":
                        await self.ws.send(json.dumps({"type": "pong"}))
                elif "id" in message:
                    self._queue(message["id"]).put_nowait(message)

    def _queue(self, operation_id: str) -> asyncio.Queue[dict[str, Any]]:
        return self._queues.setdefault(operation_id, asyncio.Queue())

    async def start(self, operation_id: str, query: str, **variables: Any) -> None:
        kind = "subscribe" if self.protocol == TRANSPORT_WS else "start"
        payload = {"query": query, "variables": variables}
        await self.ws.send(json.dumps({"id": operation_id, "type": kind, "payload": payload}))

    async def subscribe_balance(
        self, operation_id: str, account_id: str, after_version: int | None = None
    ) -> None:
        await self.start(operation_id, BALANCE_CHANGED, id=account_id, after=after_version)

    async def stop(self, operation_id: str) -> None:
        kind = "complete" if self.protocol == TRANSPORT_WS else "stop"
        await self.ws.send(json.dumps({"id": operation_id, "type": kind}))

    async def receive(self, operation_id: str, seconds: float = TIMEOUT) -> dict[str, Any]:
        """The next message of the operation, with `type` "next" on both protocols (the
        legacy protocol's "data"), "error" or "complete"."""
        message = await asyncio.wait_for(self._queue(operation_id).get(), seconds)
        if message["type"] == "data":
            message["type"] = "next"
        return message

    async def changes(
        self, operation_id: str, count: int, seconds: float = TIMEOUT
    ) -> list[dict[str, Any]]:
        """The next `count` BalanceChange objects, failing on anything else."""
        found = []
        for _ in range(count):
            message = await self.receive(operation_id, seconds)
            assert message["type"] == "next", message
            assert "errors" not in message["payload"], message
            found.append(message["payload"]["data"]["balanceChanged"])
        return found

    def pending(self, operation_id: str) -> int:
        return self._queue(operation_id).qsize()

    async def wait_keep_alive(self, seconds: float = TIMEOUT) -> None:
        await asyncio.wait_for(self._keep_alive.wait(), seconds)


async def until(condition: Callable[[], bool], seconds: float = TIMEOUT) -> None:
    """Wait for `condition`, polling; fail after `seconds`."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not condition():
        assert loop.time() < deadline, "condition not met in time"
        await asyncio.sleep(0.01)
