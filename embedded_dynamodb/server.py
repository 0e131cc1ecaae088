"""The embedded endpoint's HTTP server: moto's WSGI app, patched, one request at a time.

moto's backends have no locking and its server runs each request on its own thread; requests
racing inside a backend lose acknowledged writes and fail with "dictionary changed size during
iteration". Here uvicorn takes the connections (HTTP/1.1 keep-alive, so AWS clients reuse their
pooled connections instead of paying a TCP handshake and a new thread per call, as werkzeug's
server makes them do) and hands every request to one worker thread: requests run one at a time,
which makes each atomic, as DynamoDB's single-item and transactional writes are, and costs little
because each is short and CPU-bound under the GIL anyway.
"""

from __future__ import annotations

import asyncio
import io
import logging
import socket
import sys
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import uvicorn

from embedded_dynamodb.patches import apply_patches

#: The line the child prints once it listens, followed by its URL.
READY = "EMBEDDED_DYNAMODB_READY"

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]
Scope = dict[str, Any]
Receive = Callable[[], Any]
Send = Callable[[dict[str, Any]], Any]
Response = tuple[int, list[tuple[bytes, bytes]], bytes]

# Hop-by-hop headers belong to uvicorn's connection, not to the app's answer.
_HOP_BY_HOP = frozenset({b"connection", b"keep-alive", b"transfer-encoding", b"content-length"})


class SerializedWsgi:
    """An ASGI app running a WSGI app on a single worker thread: one request at a time."""

    def __init__(self, app: WsgiApp) -> None:
        self._app = app
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="moto")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        body = bytearray()
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        environ = _environ(scope, bytes(body))
        loop = asyncio.get_running_loop()
        status, headers, content = await loop.run_in_executor(self._worker, self._run, environ)
        headers.append((b"content-length", str(len(content)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": content})

    def _run(self, environ: dict[str, Any]) -> Response:
        answer: dict[str, Any] = {}

        def start_response(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Any:
            answer["status"] = int(status.split(" ", 1)[0])
            answer["headers"] = [
                (name.lower().encode("latin-1"), value.encode("latin-1"))
                for name, value in headers
                if name.lower().encode("latin-1") not in _HOP_BY_HOP
            ]
            return lambda data: answer.setdefault("written", []).append(data)

        result = self._app(environ, start_response)
        try:
            chunks = [*answer.get("written", []), *result]
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        return answer["status"], answer["headers"], b"".join(chunks)


def _environ(scope: Scope, body: bytes) -> dict[str, Any]:
    server_host, server_port = scope.get("server") or ("127.0.0.1", 0)
    environ: dict[str, Any] = {
        "REQUEST_METHOD": scope["method"],
        "SCRIPT_NAME": "",
        "PATH_INFO": scope["path"],
        "QUERY_STRING": scope["query_string"].decode("latin-1"),
        "SERVER_NAME": str(server_host),
        "SERVER_PORT": str(server_port),
        "SERVER_PROTOCOL": f"HTTP/{scope['http_version']}",
        "REMOTE_ADDR": (scope.get("client") or ("127.0.0.1", 0))[0],
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scope.get("scheme", "http"),
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    for raw_name, raw_value in scope["headers"]:
        name = raw_name.decode("latin-1").upper().replace("-", "_")
        value = raw_value.decode("latin-1")
        if name == "CONTENT_TYPE":
            environ["CONTENT_TYPE"] = value
        elif name != "CONTENT_LENGTH":
            key = f"HTTP_{name}"
            environ[key] = f"{environ[key]},{value}" if key in environ else value
    return environ


def build_app() -> SerializedWsgi:
    """moto's server app with the patches applied, behind the one-at-a-time bridge."""
    apply_patches()
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    return SerializedWsgi(DomainDispatcherApplication(create_backend_app))


def serve(host: str, port: int, on_ready: Callable[[str], None]) -> None:
    """Listen on host:port (0 picks a free port), call `on_ready(url)`, serve until killed."""
    # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY only on sockets that say so, and without
    # it Nagle holds each response body until the client's delayed ACK (40 ms a request).
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((host, port))
    bound_host, bound_port = listener.getsockname()[:2]
    server = uvicorn.Server(
        uvicorn.Config(
            build_app(),
            lifespan="off",
            access_log=False,
            log_level="warning",
            log_config=None,
            timeout_keep_alive=120,
            server_header=False,
        )
    )
    logging.getLogger("uvicorn.error").setLevel(logging.WARNING)

    async def run() -> None:
        serving = asyncio.create_task(server.serve(sockets=[listener]))
        while not server.started:
            if serving.done():
                await serving  # raises what stopped it
            await asyncio.sleep(0.01)
        on_ready(f"http://{bound_host}:{bound_port}")
        await serving

    asyncio.run(run())
