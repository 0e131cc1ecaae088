"""The websocket adapter GraphQL's handlers read messages through, keeping nothing of the last
message while they wait for the next.

Strawberry's adapter reads through Starlette's `receive_text` and `receive` (two more frames
suspended on every idle socket) and its generator keeps the last message's text and ASGI
dict while it waits: for an idle subscriber, its `subscribe` message, query text included,
for the socket's whole life. This one reads the ASGI messages itself, with Starlette's state
rules (`WebSocket.receive`), and drops each message once it has handed it on.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from json import JSONDecodeError

from starlette.websockets import WebSocketDisconnect, WebSocketDisconnected, WebSocketState
from strawberry.asgi import ASGIWebSocketAdapter
from strawberry.http.exceptions import NonJsonMessageReceived, NonTextMessageReceived


class LeanWebSocketAdapter(ASGIWebSocketAdapter):
    async def iter_json(
        self, *, ignore_parsing_errors: bool = False
    ) -> AsyncGenerator[object, None]:
        ws = self.ws
        try:
            while ws.application_state != WebSocketState.DISCONNECTED:
                # Starlette's `receive_text` and `receive` checks, and their errors.
                if ws.application_state != WebSocketState.CONNECTED:
                    raise WebSocketDisconnected("WebSocket is not connected.")
                if ws.client_state != WebSocketState.CONNECTED:
                    raise WebSocketDisconnected("Cannot receive once disconnected.")
                message = await ws._receive()
                kind = message["type"]
                if kind == "websocket.disconnect":
                    ws.client_state = WebSocketState.DISCONNECTED
                    raise WebSocketDisconnect(message.get("code", 1000), message.get("reason"))
                if kind != "websocket.receive":
                    raise RuntimeError(f"unexpected ASGI message {kind!r}")
                text = message["text"]
                del message
                if text is None:
                    raise KeyError("text")  # a binary message
                try:
                    decoded = self.view.decode_json(text)
                except JSONDecodeError as error:
                    if not ignore_parsing_errors:
                        raise NonJsonMessageReceived from error
                    continue
                finally:
                    del text
                yield decoded
                del decoded
        except KeyError as error:
            raise NonTextMessageReceived from error
        except WebSocketDisconnect:
            pass
