"""uvicorn's sans-I/O websocket protocol, lean enough for a hundred thousand idle subscribers.

An idle subscriber's socket is mostly state the protocol keeps from its first second: the
parsed handshake request and the response headers (about 3.5 KB, never read again once the
socket is open), an asyncio.Queue for incoming messages (three deques and an Event: 3 KB for
what is, on an idle socket, no message at all) and an asyncio.Event for write back-pressure
(another deque). This subclass drops the handshake once it is answered and swaps the two for
structures that cost a few dozen bytes until they are used. Everything else, framing, limits,
keep-alive pings and closing, is uvicorn's own.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Any

from uvicorn._types import ASGIReceiveEvent, ASGISendEvent
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

from services.settings import Settings


class MessageQueue:
    """The FIFO of events for the app (asyncio.Queue's put_nowait, get and empty): one
    reader, the app's `receive`; a deque only while messages are waiting."""

    __slots__ = ("_items", "_waiter")

    def __init__(self) -> None:
        self._items: deque[ASGIReceiveEvent] | None = None
        self._waiter: asyncio.Future[None] | None = None

    def put_nowait(self, item: ASGIReceiveEvent) -> None:
        if self._items is None:
            self._items = deque()
        self._items.append(item)
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    def empty(self) -> bool:
        return not self._items

    async def get(self) -> ASGIReceiveEvent:
        while not self._items:
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        item = self._items.popleft()
        if not self._items:
            self._items = None
        return item


class WriteGate:
    """asyncio.Event's set, clear and wait for the transport's write back-pressure, without a
    deque of waiters on every socket: waiters exist only while writing is paused."""

    __slots__ = ("_open", "_waiters")

    def __init__(self) -> None:
        self._open = True
        self._waiters: list[asyncio.Future[None]] | None = None

    def set(self) -> None:
        self._open = True
        waiters, self._waiters = self._waiters, None
        for waiter in waiters or ():
            if not waiter.done():
                waiter.set_result(None)

    def clear(self) -> None:
        self._open = False

    async def wait(self) -> None:
        if self._open:
            return
        waiter = asyncio.get_running_loop().create_future()
        if self._waiters is None:
            self._waiters = []
        self._waiters.append(waiter)
        await waiter


#: Every attribute uvicorn 0.54's WebSocketsSansIOProtocol sets. In slots: its ~40 attributes
#: made an instance dict of 1.6 KB per socket, 0.3 KB as slots. One a later uvicorn adds still
#: works (in a dict again); tests/e2e/test_ws_protocol.py says when this list needs updating.
UVICORN_ATTRIBUTES = (
    "app",
    "app_state",
    "asgi_version",
    "client",
    "close_sent",
    "close_timeout",
    "close_timer",
    "config",
    "conn",
    "connections",
    "curr_msg_data_type",
    "default_headers",
    "disconnected",
    "frames",
    "handshake_complete",
    "handshake_initiated",
    "initial_response",
    "last_ping_rtt",
    "logger",
    "loop",
    "pending_ping_payload",
    "ping_interval",
    "ping_sent_at",
    "ping_timeout",
    "ping_timer",
    "pong_timer",
    "queue",
    "read_paused",
    "request",
    "response",
    "root_path",
    "scheme",
    "scope",
    "server",
    "tasks",
    "transport",
    "writable",
)


class LeanWebSocketProtocol(WebSocketsSansIOProtocol):
    __slots__ = UVICORN_ATTRIBUTES

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.queue = MessageQueue()  # type: ignore[assignment]
        self.writable = WriteGate()  # type: ignore[assignment]

    async def send(self, message: ASGISendEvent) -> None:
        await super().send(message)
        if self.handshake_complete and getattr(self, "response", None) is not None:
            # Answered (accepted or refused): the handshake is never read again. Its headers
            # are emptied, not just let go: websockets' parser keeps the request object for
            # the socket's life (a local of its generator).
            self.request.headers.clear()
            self.response.headers.clear()
            self.request = None  # type: ignore[assignment]
            self.response = None  # type: ignore[assignment]


class HandingOverHttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, which lets go of its parser once it has handed the socket
    to the websocket protocol. The parser's callbacks are bound methods of the protocol, so the
    abandoned pair (with its flow control, event and buffers: 18 objects) was cyclic garbage on
    every websocket, left for a full collection; how much of it piled up first decided the
    process's RSS high-water mark as subscribers connected."""

    def handle_websocket_upgrade(self) -> None:
        super().handle_websocket_upgrade()
        # Raised out of the parser's feed_data: nothing of this protocol runs again.
        del self.parser


def websocket_options(settings: Settings) -> dict[str, Any]:
    """uvicorn's websocket options for the app: this protocol, without permessage-deflate (its
    zlib state costs ~45 KiB per connection, held by every idle subscriber, to compress
    messages of a few hundred bytes), the message size limit (a larger message closes the
    socket with 1009), and the HTTP protocol that hands sockets over to it cleanly."""
    return {
        "http": HandingOverHttpProtocol,
        "ws": LeanWebSocketProtocol,
        "ws_per_message_deflate": False,
        "ws_max_size": settings.ws_max_message_bytes,
    }
