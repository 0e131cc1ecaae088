"""Server keep-alive pings for graphql-transport-ws, which Strawberry never sends itself.

Idle websockets behind load balancers and proxies are cut after a minute or so; a subscriber
waiting for a rare balance change is exactly such a socket. The legacy graphql-ws protocol
has Strawberry's own `ka` messages (`keep_alive=True`); this handler sends the protocol's
`{"type": "ping"}` on graphql-transport-ws at the same interval, once the connection is
acknowledged. Clients answer with `pong`, which Strawberry accepts and ignores.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)

from graph.context import Context

log = logging.getLogger(__name__)


class KeepAliveTransportWSHandler(BaseGraphQLTransportWSHandler[Context, None]):
    """graphql-transport-ws with a `ping` every `view.keep_alive_interval` seconds."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._keep_alive_task: asyncio.Task[None] | None = None

    def on_request_accepted(self) -> None:
        super().on_request_accepted()
        interval = self.view.keep_alive_interval
        if interval:
            self._keep_alive_task = asyncio.create_task(self._ping_every(interval))

    async def _ping_every(self, interval: float) -> None:
        try:
            while True:
                await asyncio.sleep(interval)
                if self.connection_acknowledged:
                    await self.send_message({"type": "ping"})
        except (WebSocketDisconnected, RuntimeError, OSError) as exc:
            # The socket is closing: the receive loop ends the connection on its own.
            log.debug("keep-alive ping not sent", extra={"reason": repr(exc)})

    async def shutdown(self) -> None:
        if self._keep_alive_task is not None:
            self._keep_alive_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._keep_alive_task
        await super().shutdown()
