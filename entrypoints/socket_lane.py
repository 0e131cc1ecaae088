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
