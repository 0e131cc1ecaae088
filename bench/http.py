"""A minimal keep-alive HTTP/1.1 JSON client over asyncio streams.

The load generator shares two cores with the server and the endpoint: a client that costs
little CPU per request leaves the server's figures less disturbed than a full-featured one.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from typing import Any


class HttpError(RuntimeError):
    pass


#: uvicorn closes a keep-alive connection idle for 5 s: reconnect before that can bite.
IDLE_RECONNECT_SECONDS = 4.0


class Connection:
    def __init__(self, host: str, port: int, headers: dict[str, str] | None = None) -> None:
        self._host = host
        self._port = port
        #: Sent with every request (an `Authorization` header, say).
        self._extra = "".join(f"{name}: {value}\r\n" for name, value in (headers or {}).items())
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._used = 0.0

    async def _open(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self._writer is not None and time.monotonic() - self._used > IDLE_RECONNECT_SECONDS:
            await self.close()
        self._used = time.monotonic()
        if self._reader is None or self._writer is None:
            self._reader, self._writer = await asyncio.open_connection(self._host, self._port)
        return self._reader, self._writer

    async def request(self, method: str, path: str, body: bytes = b"") -> tuple[int, bytes]:
        reader, writer = await self._open()
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: {self._host}:{self._port}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
            f"{self._extra}\r\n"
        )
        writer.write(head.encode() + body)
        status_line = await reader.readline()
        if not status_line:
            raise HttpError("connection closed")
        status = int(status_line.split(b" ", 2)[1])
        length = 0
        while True:
            line = await reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value.strip())
        return status, await reader.readexactly(length)

    async def graphql(self, query: str, variables: dict[str, Any] | None = None) -> Any:
        """The `data` of a GraphQL POST; raises HttpError on any error in the response."""
        payload = {"query": query, "variables": variables or {}}
        status, body = await self.request("POST", "/graphql", json.dumps(payload).encode())
        result = json.loads(body)
        if status != 200 or result.get("errors"):
            raise HttpError(f"HTTP {status}: {body[:500]!r}")
        return result["data"]

    async def get_json(self, path: str) -> Any:
        status, body = await self.request("GET", path)
        if status != 200:
            raise HttpError(f"GET {path}: HTTP {status}")
        return json.loads(body)

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            with contextlib.suppress(OSError):
                await self._writer.wait_closed()
        self._reader = self._writer = None


class Pool:
    """`size` connections, one per concurrent worker."""

    def __init__(
        self, host: str, port: int, size: int, headers: dict[str, str] | None = None
    ) -> None:
        self.connections = [Connection(host, port, headers) for _ in range(size)]

    async def close(self) -> None:
        await asyncio.gather(*(c.close() for c in self.connections))
