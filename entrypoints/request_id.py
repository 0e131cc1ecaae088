"""Request ids: the client's X-Request-Id when it is safe to echo (1 to 128 characters of
letters, digits and `._:-`), else a new one; returned in the response (and a websocket's
handshake answer) and added to every log line written while the request runs."""

from __future__ import annotations

import logging
import os
import re
from contextvars import ContextVar
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEADER = b"x-request-id"
MAX_LENGTH = 128
_SAFE = re.compile(rb"[A-Za-z0-9._:\-]{1,%d}" % MAX_LENGTH)

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)


def accepted(value: bytes | None) -> str | None:
    """The client's id when it may be echoed and logged as it is, else None."""
    if value is None or not _SAFE.fullmatch(value):
        return None
    return value.decode("ascii")


def request_id_of(scope: Scope) -> str:
    """The request's id: the client's X-Request-Id when it is safe, else a new one."""
    given = next((v for k, v in scope["headers"] if k == HEADER), None)
    return accepted(given) or os.urandom(16).hex()


class SendWithRequestId:
    """`send`, adding the X-Request-Id header to the response (or the handshake answer)."""

    __slots__ = ("_header", "_send")

    def __init__(self, send: Send, current: str) -> None:
        self._send = send
        self._header = (HEADER, current.encode("ascii"))

    async def __call__(self, message: Message) -> None:
        if message["type"] in ("http.response.start", "websocket.accept"):
            message["headers"] = [*message.get("headers", ()), self._header]
        await self._send(message)


class RequestIdMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        current = request_id_of(scope)
        token = request_id.set(current)
        try:
            await self.app(scope, receive, SendWithRequestId(send, current))
        finally:
            request_id.reset(token)


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every record logged while a request runs."""

    def filter(self, record: logging.LogRecord) -> bool:
        current = request_id.get()
        if current is not None:
            record.request_id = current
        return True
