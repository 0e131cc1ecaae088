"""The web side of metrics and traces: /metrics (on the API's port, or on LEDGER_METRICS_PORT of
its own), the websocket connection gauge, request ids and the OpenTelemetry ASGI middleware."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, start_http_server
from prometheus_client.multiprocess import MultiProcessCollector
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from entrypoints.request_id import RequestIdMiddleware
from entrypoints.socket_lane import SocketLane, chain
from services.observability import metrics
from services.observability.settings import ObservabilitySettings, metrics_enabled
from services.observability.tracing import tracing_enabled

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Receive, Scope, Send

log = logging.getLogger(__name__)


async def metrics_endpoint(request: Request) -> Response:
    body, content_type = metrics.exposition()
    return Response(body, media_type=content_type)


class WebsocketConnections:
    """Counts open websocket connections in ledger_websocket_connections."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "websocket":
            await self.app(scope, receive, send)
            return
        metrics.websocket_connections.inc()
        try:
            await self.app(scope, receive, send)
        finally:
            metrics.websocket_connections.dec()


def middleware() -> list[Middleware]:
    """Outermost first: request ids (so every response has one), traces when on, websockets."""
    chosen: list[Middleware] = []
    if metrics_enabled():
        chosen.append(Middleware(RequestIdMiddleware))
    if tracing_enabled():
        from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware

        chosen.append(Middleware(OpenTelemetryMiddleware, exclude_spans=["receive", "send"]))
    if metrics_enabled():
        chosen.append(Middleware(WebsocketConnections))
    return chosen


def socket_lane(view: ASGIApp, hosts: Middleware) -> ASGIApp:
    """The websocket lane (entrypoints.socket_lane) to `view`: the HTTP stack's host check
    (`hosts`), then `middleware()`. Without traces it is one SocketLane frame; with them, the
    middleware chain, OpenTelemetry's included."""
    if tracing_enabled():
        return chain(view, [hosts, *middleware()])
    enabled = metrics_enabled()
    return SocketLane(view, hosts, request_ids=enabled, count=enabled)


def metrics_routes(settings: ObservabilitySettings) -> list[Route]:
    """/metrics on the API's port, unless it has a port of its own (or metrics are off)."""
    if not settings.enabled or settings.port is not None:
        return []
    return [Route("/metrics", metrics_endpoint, methods=["GET"])]


@contextmanager
def metrics_port(settings: ObservabilitySettings) -> Iterator[int | None]:
    """Serve /metrics on `settings.port` (a thread) while the block runs; yields the port, or
    None when no port is configured or another worker of this host already serves it (in
    multiprocess mode it shows every worker's metrics)."""
    if not settings.enabled or settings.port is None:
        yield None
        return
    registry: CollectorRegistry | None = None
    if metrics.multiprocess():
        registry = CollectorRegistry()
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    try:
        if registry is None:
            server, thread = start_http_server(settings.port, settings.host)
        else:
            server, thread = start_http_server(settings.port, settings.host, registry)
    except OSError as exc:
        log.info("metrics port already served", extra={"port": settings.port, "error": str(exc)})
        yield None
        return
    log.info("metrics served", extra={"port": server.server_port})
    try:
        yield int(server.server_port)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
