"""The app, with GraphQL websockets on a short lane of their own.

Every middleware and routing layer a websocket passes through stays on its stack for the
socket's whole life: a suspended frame each, with the closures some of them wrap `send` in.
For an idle subscriber that was ~3 KB in layers that do nothing for a websocket: the error
page (HTTP only), the body size limit (HTTP only), CORS (HTTP only), Starlette's exception
handlers (our view raises none of theirs) and the router (one path). The lane is what does
act on a websocket, in the same order: the host check, then the observability middleware
(request id, trace, connection count), then the GraphQL view. Everything else is Starlette's
as before.
"""

from __future__ import annotations

from collections.abc import Sequence

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.types import ASGIApp, Receive, Scope, Send

from entrypoints.request_id import SendWithRequestId, request_id, request_id_of
from services.observability import metrics

#: The one websocket route.
GRAPHQL_PATH = "/graphql"


def chain(app: ASGIApp, middleware: Sequence[Middleware]) -> ASGIApp:
    """`app` wrapped in `middleware`, the first outermost (as Starlette builds its stack)."""
    for cls, args, kwargs in reversed(middleware):
        app = cls(app, *args, **kwargs)
    return app


class LedgerApp(Starlette):
    """Starlette, except for websockets to GRAPHQL_PATH, which take `socket_lane`."""

    socket_lane: ASGIApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        lane = self.socket_lane
        if (
            lane is not None
            and scope["type"] == "websocket"
            and scope["path"] == GRAPHQL_PATH
            and not scope.get("root_path")
        ):
            # What Starlette and its router would have put in the scope.
            scope["app"] = self
            scope["router"] = self.router
            scope["path_params"] = {}
            await lane(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


class _Admitted(Exception):
    """Raised by the host check's inner app: the host is allowed."""


async def _admit(scope: Scope, receive: Receive, send: Send) -> None:
    raise _Admitted


class SocketLane:
    """The lane in one frame: what TrustedHostMiddleware, RequestIdMiddleware and
    WebsocketConnections do for a websocket (host check, request id, open-connection count),
    then the view. Each middleware would be a frame suspended for the socket's life.

    The host check is the HTTP stack's own (`hosts`, a TrustedHostMiddleware with its
    options), run as a gate: its inner app only signals that the host passed, so nothing of
    it stays on the stack.
    """

    __slots__ = ("_count", "_gate", "_request_ids", "_view")

    def __init__(self, view: ASGIApp, hosts: Middleware, *, request_ids: bool, count: bool) -> None:
        self._view = view
        cls, args, kwargs = hosts
        self._gate = cls(_admit, *args, **kwargs)
        self._request_ids = request_ids
        self._count = count

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await self._gate(scope, receive, send)
        except _Admitted:
            pass
        else:
            return  # refused: the gate has answered
        token = None
        if self._request_ids:
            current = request_id_of(scope)
            send = SendWithRequestId(send, current)
            token = request_id.set(current)
        if self._count:
            metrics.websocket_connections.inc()
        try:
            await self._view(scope, receive, send)
        finally:
            if self._count:
                metrics.websocket_connections.dec()
            if token is not None:
                request_id.reset(token)
