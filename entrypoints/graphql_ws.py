"""The two GraphQL websocket protocols, with what the stock handlers lack.

- Authentication in `connection_init` (the view's `on_ws_connect`), and no socket outliving
  its credential (`entrypoints/ws_credential.py`).
- graphql-transport-ws: the server's keep-alive `ping`, which Strawberry never sends itself.
  Idle websockets behind load balancers are cut after a minute or so; a subscriber waiting
  for a rare balance change is exactly such a socket.
- Legacy graphql-ws: a repeated `connection_init` closes the socket (4429) instead of
  starting one more keep-alive task each time; a refused one closes it with 4403 like the
  other protocol; a socket that never sends `connection_init` is closed (4408).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any, cast

from graphql import GraphQLError
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http.exceptions import (
    NonJsonMessageReceived,
    NonTextMessageReceived,
    WebSocketDisconnected,
)
from strawberry.schema import Schema
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
    Operation,
    _OperationStreamClosed,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import Message
from strawberry.subscriptions.protocols.graphql_ws.handlers import BaseGraphQLWSHandler
from strawberry.subscriptions.protocols.graphql_ws.types import ConnectionInitMessage
from strawberry.types.execution import ExecutionResult, PreExecutionError
from strawberry.types.unset import UnsetType

from entrypoints.limits import operation_refused, rate_key
from entrypoints.transport import TOO_MANY_SOCKETS
from entrypoints.ws_clock import SocketClock
from entrypoints.ws_credential import (
    CREDENTIAL_RECHECK_SECONDS,
    FORBIDDEN,
    Closer,
    CredentialWatch,
)
from entrypoints.ws_messages import malformed
from graph.context import Context
from graph.masking import truncated
from graph.push import PushedOperation
from graph.push import run_operation as run_pushed
from graph.ratelimit import rate_limited_error

log = logging.getLogger(__name__)

#: Close codes shared by both protocols.
BAD_MESSAGE = 4400
INIT_TIMEOUT = 4408
TOO_MANY_INITS = 4429


def clock_of(view: Any) -> SocketClock:
    """The SocketClock of the view (LedgerGraphQL) that built the handler."""
    clock: SocketClock = view.clock
    return clock


def operation_starts_of(view: Any) -> asyncio.Semaphore:
    """The gate the view (LedgerGraphQL) holds its operations to while they start."""
    starts: asyncio.Semaphore = view.operation_starts
    return starts


async def yield_to_others() -> None:
    """Let the event loop run other tasks between two messages of one socket. Buffered
    messages are received without suspending, so a socket flooding thousands of them would
    otherwise hold the loop (and every other request) until its buffer is empty."""
    await asyncio.sleep(0)


class SocketClaim:
    """The socket's place in its principal's count of open websockets (view.sockets)."""

    def __init__(self) -> None:
        self._key: str | None = None

    async def claim(self, handler: Any, close: Closer) -> bool:
        """False (the socket closed with 4429) when the principal holds its maximum."""
        principal = handler.context.principal
        if principal is None or self._key is not None:
            return True
        key = rate_key(principal, handler.context.client_address)
        if not handler.view.sockets.claim(key):
            await close(TOO_MANY_SOCKETS, "Too many open websockets for this principal")
            return False
        self._key = key
        return True

    def release(self, handler: Any) -> None:
        if self._key is not None:
            handler.view.sockets.release(self._key)
            self._key = None


class OperationSink:
    """Where graph.push sends one graphql-transport-ws operation's results: through the
    handler's own steps, as Strawberry's operation task would."""

    __slots__ = ("_handler", "_operation")

    def __init__(self, handler: KeepAliveTransportWSHandler, operation: Operation[Context, None]):
        self._handler = handler
        self._operation = operation

    async def result(self, result: Any, *, first: bool) -> bool:
        if first and isinstance(result, PreExecutionError):
            # Closes the socket (raising _OperationStreamClosed) for a syntax error.
            await self._handler._handle_pre_execution_error(self._operation, result)
            return False
        if not isinstance(result, ExecutionResult):
            await self._handler._reject_incremental_delivery(self._operation)
            return False
        await self._operation.send_next(result)
        return True

    async def complete(self) -> None:
        self._handler.forget_pushed(self._operation.id)
        await self._operation.send_operation_message({"id": self._operation.id, "type": "complete"})

    async def failed(self, error: Exception) -> None:
        self._handler.forget_pushed(self._operation.id)
        await self._handler.operation_failed(self._operation, error)


class KeepAliveTransportWSHandler(BaseGraphQLTransportWSHandler[Context, None]):
    """graphql-transport-ws with a `ping` every `view.keep_alive_interval` seconds, once
    acknowledged, and the credential watch. The view's one SocketClock sends the pings and
    enforces the wait for `connection_init` (no task of its own per socket). Operations run
    through graph.push: a subscription waiting for its next event holds no task."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._credential = CredentialWatch()
        self._slot = SocketClaim()
        self._pushed: dict[str, PushedOperation] | None = None

    async def handle(self) -> None:
        # Strawberry's loop, except that the last message is dropped once handled: an idle
        # subscriber's `subscribe` message would otherwise live as long as its socket.
        self.on_request_accepted()
        try:
            try:
                async for message in self.websocket.iter_json():
                    await self.handle_message(cast("Message", message))
                    del message
            except NonTextMessageReceived:
                await self.handle_invalid_message("WebSocket message type must be text")
            except NonJsonMessageReceived:
                await self.handle_invalid_message("WebSocket message must be valid JSON")
        except WebSocketDisconnected:
            pass
        finally:
            await self.shutdown()

    async def run_operation(self, operation: Operation[Context, None]) -> None:
        assert isinstance(self.schema, Schema)
        try:
            pushed = await run_pushed(
                self.schema,
                OperationSink(self, operation),
                query=operation.query,
                variables=operation.variables,
                operation_name=operation.operation_name,
                context=self.context,
                root_value=self.root_value,
                start_gate=operation_starts_of(self.view),
            )
        except _OperationStreamClosed:
            return
        except Exception as error:
            await self.operation_failed(operation, error)
            raise
        if pushed is None:
            await operation.send_operation_message({"id": operation.id, "type": "complete"})
        elif operation.completed or self.operations.get(operation.id) is not operation:
            await pushed.aclose()  # completed by the client while it started
        else:
            if self._pushed is None:
                self._pushed = {}
            self._pushed[operation.id] = pushed
            operation.task = None  # done: its result is the listening operation

    async def operation_failed(self, operation: Operation[Context, None], error: Exception) -> None:
        """As Strawberry's operation task on an error: logged, completed, forgotten."""
        await self.handle_task_exception(error)
        with contextlib.suppress(Exception):
            await operation.send_operation_message({"id": operation.id, "type": "complete"})
        self.operations.pop(operation.id, None)

    def forget_pushed(self, operation_id: str) -> None:
        if self._pushed is not None:
            self._pushed.pop(operation_id, None)

    async def cleanup_operation(self, operation_id: str) -> None:
        pushed = self._pushed.pop(operation_id, None) if self._pushed else None
        if pushed is None:
            await super().cleanup_operation(operation_id)
            return
        operation = self.operations.pop(operation_id, None)
        if operation is not None:
            operation.completed = True  # nothing more is sent for it
        await pushed.aclose()

    def on_request_accepted(self) -> None:
        clock_of(self.view).add(self)

    def is_initialised(self) -> bool:
        return self.connection_init_received

    def wants_ping(self) -> bool:
        return self.connection_acknowledged

    async def ping(self) -> None:
        await self.send_message({"type": "ping"})

    async def init_timed_out(self) -> None:
        self.connection_timed_out = True
        await self._close(INIT_TIMEOUT, "Connection initialisation timeout")

    async def handle_connection_init(self, message: Any) -> None:
        await super().handle_connection_init(message)
        if self.connection_acknowledged and await self._slot.claim(self, self._close):
            self._credential.start(self.context, self._close, CREDENTIAL_RECHECK_SECONDS)

    async def _close(self, code: int, reason: str) -> None:
        await self.websocket.close(code=code, reason=reason)

    async def handle_message(self, message: Any) -> None:
        await yield_to_others()
        if reason := malformed(message):
            await self._close(BAD_MESSAGE, reason)
            return
        await super().handle_message(message)

    async def handle_task_exception(self, error: Exception) -> None:
        # A document that does not parse ends its operation task with the GraphQLError
        # rather than a PreExecutionError: the client's mistake, closed as the protocol says
        # (4400 with the reason), not logged as a crash.
        if isinstance(error, GraphQLError):
            with contextlib.suppress(WebSocketDisconnected, RuntimeError, OSError):
                await self._close(BAD_MESSAGE, error.message[:120])
            return
        await super().handle_task_exception(error)

    async def handle_subscribe(self, message: Any) -> None:
        if self.connection_acknowledged and (refusal := await operation_refused(self.context)):
            error = rate_limited_error(refusal).formatted
            await self.send_message({"id": message["id"], "type": "error", "payload": [error]})
            return
        await super().handle_subscribe(message)

    async def shutdown(self) -> None:
        clock_of(self.view).discard(self)
        await self._credential.stop()
        self._slot.release(self)
        await super().shutdown()


class LegacyWSHandler(BaseGraphQLWSHandler[Context, None]):
    """The legacy graphql-ws protocol, closed like graphql-transport-ws where it is silent.
    Its `ka` and its wait for `connection_init` are the view's SocketClock's, like the other
    protocol's."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._init_received = False
        self._credential = CredentialWatch()
        self._slot = SocketClaim()

    async def handle(self) -> None:
        clock_of(self.view).add(self)
        try:
            await super().handle()
        finally:
            clock_of(self.view).discard(self)
            await self._credential.stop()
            self._slot.release(self)

    def is_initialised(self) -> bool:
        return self._init_received

    def wants_ping(self) -> bool:
        return self.connection_acknowledged and self.keep_alive

    async def ping(self) -> None:
        await self.send_message({"type": "ka"})

    async def init_timed_out(self) -> None:
        await self._close(INIT_TIMEOUT, "Connection initialisation timeout")

    async def _close(self, code: int, reason: str) -> None:
        await self.websocket.close(code=code, reason=reason)

    async def handle_message(self, message: Any) -> None:
        await yield_to_others()
        if reason := malformed(message):
            await self._close(BAD_MESSAGE, reason)
            return
        await super().handle_message(message)

    async def handle_async_results(self, operation_id: str, *args: Any, **kwargs: Any) -> None:
        # A document that does not parse escapes as the GraphQLError (see the transport-ws
        # handler's handle_task_exception): an error message for the operation, not a crash.
        try:
            await super().handle_async_results(operation_id, *args, **kwargs)
        except GraphQLError as error:
            with contextlib.suppress(WebSocketDisconnected, RuntimeError, OSError):
                await self.send_message(
                    {"type": "error", "id": operation_id, "payload": truncated(error).formatted}
                )

    async def handle_start(self, message: Any) -> None:
        if self.connection_acknowledged and (refusal := await operation_refused(self.context)):
            error = rate_limited_error(refusal).formatted
            await self.send_message({"type": "error", "id": message["id"], "payload": error})
            return
        await super().handle_start(message)

    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        if self._init_received:
            await self._close(TOO_MANY_INITS, "Too many initialisation requests")
            return
        self._init_received = True
        payload = message.get("payload")
        if payload is not None and not isinstance(payload, dict):
            await self.send_message({"type": "connection_error"})
            await self.websocket.close(code=1000, reason="")
            return
        self.context.connection_params = payload
        try:
            ack_payload = await self.view.on_ws_connect(self.context)
        except ConnectionRejectionError as rejected:
            await self.send_message({"type": "connection_error", "payload": rejected.payload})
            await self.websocket.close(code=FORBIDDEN, reason="Forbidden")
            return
        if not await self._slot.claim(self, self._close):
            return
        if isinstance(ack_payload, UnsetType) or ack_payload is None:
            await self.send_message({"type": "connection_ack"})
        else:
            await self.send_message({"type": "connection_ack", "payload": ack_payload})
        self.connection_acknowledged = True
        if self.keep_alive:
            await self.ping()  # the first `ka` at once, as the stock handler; then the clock's
        self._credential.start(self.context, self._close, CREDENTIAL_RECHECK_SECONDS)
