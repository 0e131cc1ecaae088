"""Transport limits: request body size, open websockets per principal and per process,
websocket operations starting at once per process, and the websocket settings Strawberry's
view takes (operations per socket, `connection_init` timeout). Message size on websockets is
uvicorn's `ws_max_size` (`ledger serve`).

What a client sees: HTTP 413 for a body over the limit; a websocket upgrade refused with 503
and Retry-After when the process holds its maximum of sockets; a socket closed with 4429
right after its `connection_init` when its principal already holds its maximum; an
operation that waits for its turn to start (none of them is refused for it).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta

from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.settings import Settings

#: Close code of a socket whose principal already holds its maximum (as for a repeated init).
TOO_MANY_SOCKETS = 4429


@dataclass(frozen=True)
class TransportLimits:
    max_operations_per_socket: int = 100
    connection_init_timeout: timedelta = timedelta(seconds=10)
    max_sockets_per_principal: int = 20
    max_sockets: int = 10_000
    max_operation_starts: int = 16

    @classmethod
    def from_settings(cls, settings: Settings) -> TransportLimits:
        return cls(
            max_operations_per_socket=settings.ws_max_operations_per_connection,
            connection_init_timeout=timedelta(seconds=settings.ws_connection_init_timeout_seconds),
            max_sockets_per_principal=settings.ws_max_connections_per_principal,
            max_sockets=settings.ws_max_connections,
            max_operation_starts=settings.ws_max_operation_starts,
        )


class OpenSockets:
    """The websockets this process holds, in all and by rate key (principal)."""

    def __init__(self, limits: TransportLimits) -> None:
        self._limits = limits
        self.total = 0
        self._by_key: Counter[str] = Counter()

    def admit(self) -> bool:
        """Count one more socket unless the process is full; `leave()` when it ends."""
        if self.total >= self._limits.max_sockets:
            return False
        self.total += 1
        return True

    def leave(self) -> None:
        self.total -= 1

    def claim(self, key: str) -> bool:
        """Count one more socket of `key` unless it holds its maximum; `release(key)` after."""
        if self._by_key[key] >= self._limits.max_sockets_per_principal:
            return False
        self._by_key[key] += 1
        return True

    def release(self, key: str) -> None:
        self._by_key[key] -= 1
        if self._by_key[key] <= 0:
            del self._by_key[key]

    def held_by(self, key: str) -> int:
        return self._by_key[key]


def refusal(status_code: int, message: str, headers: dict[str, str] | None = None) -> Response:
    """A refused request as a GraphQL response body (no `data`)."""
    body = json.dumps({"errors": [{"message": message}]}, separators=(",", ":"))
    return Response(body, status_code, headers, media_type="application/json; charset=utf-8")


class _BodyTooLarge(Exception):
    pass


class BodySizeLimit:
    """HTTP 413 for a request body over `max_bytes`, by its Content-Length before anything is
    read, or while it streams in (chunked) before the application sees more."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    def too_large(self) -> Response:
        return refusal(413, f"the request body is larger than {self.max_bytes} bytes")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        declared = headers.get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await self.too_large()(scope, receive, send)
            return
        if declared is not None and b"transfer-encoding" not in headers:
            # The server reads no more than a declared length: nothing left to watch.
            await self.app(scope, receive, send)
            return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _BodyTooLarge
            return message

        async def watched_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, watched_send)
        except _BodyTooLarge:
            if not started:
                await self.too_large()(scope, receive, send)
