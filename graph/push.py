"""Subscriptions that hold no task while idle: Strawberry's `Schema.stream`, split at the wait.

Strawberry runs a subscription as one task iterating a chain of async generators (its
`_stream`, graphql-core's `map_async_iterable`, the resolver's, the feed's). An idle
subscriber keeps that whole chain suspended: ten frames, a task and their helpers, about 5 KB
of each idle subscriber. `run_operation` takes the same steps in two halves: it prepares the
operation through the schema's own hooks (the operation scope, parse, cost, validation) and
resolves its source event stream exactly as `Schema.stream` does; a source that can push
(`PushSource`, such as `balanceChanged`'s) is then left listening and calls back with each
event, which is executed and handed to the sink on a task that exists only while there is
something to deliver. Any other operation (a query, a mutation, a source that cannot push)
runs to its end as `Schema.stream` would run it.

Strawberry has no public API for this split; the private members used are those its own
`Schema._stream` uses, on the pinned version (tests/graph/test_push.py fails on a change).
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import sys
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from types import TracebackType
from typing import Any, NamedTuple, Protocol, runtime_checkable

from graphql import ExecutionResult as GraphQLExecutionResult
from graphql.execution import create_source_event_stream, execute_subscription_event
from graphql.execution.middleware import MiddlewareManager
from strawberry.exceptions import MissingQueryError
from strawberry.extensions.context import OperationContextManager
from strawberry.extensions.runner import SchemaExtensionsRunner
from strawberry.schema import Schema
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.schema.schema import (
    DEFAULT_ALLOWED_OPERATION_TYPES,
    _coerce_error,
    _coerce_pre_execution_error,
)
from strawberry.types.execution import ExecutionContext, PreExecutionError
from strawberry.types.graphql import OperationType
from strawberry.utils.await_maybe import await_maybe

from graph.execution import SlottedExecutionContext, idle_template, per_event

Deliver = Callable[[Any], Awaitable[None]]
End = Callable[[Exception], Awaitable[None]]

#: run_operation's default `start_gate`: operations start without waiting for one another.
NO_GATE: AbstractAsyncContextManager[Any] = contextlib.nullcontext()


@runtime_checkable
class PushSource(Protocol):
    """A source event stream that can hand its events to callbacks instead of being
    iterated."""

    def push(self, deliver: Deliver, end: End, *, context: contextvars.Context) -> None:
        """Call `deliver` with each event, in order, the next once it returns; then `end`
        once, with why it stopped (no more events after that)."""
        ...

    async def aclose(self) -> None:
        """Stop: no `deliver` or `end` call once this returns."""
        ...


class StreamSink(Protocol):
    """Where an operation's results go: the protocol handler's operation."""

    async def result(self, result: Any, *, first: bool) -> bool:
        """Send one result (the first may be a PreExecutionError); False: send no more."""
        ...

    async def complete(self) -> None:
        """A pushed operation ended by itself (not called when it is stopped, nor for an
        operation `run_operation` ran to its end)."""
        ...

    async def failed(self, error: Exception) -> None:
        """Sending a pushed result raised `error`; the operation is over."""
        ...


class OperationHooks:
    """The schema's `on_operation` hooks, entered and left by hand. Strawberry's
    OperationContextManager keeps an AsyncExitStack, with its deque (about 1 KB), for as long
    as the operation runs: for a subscription, its whole life."""

    __slots__ = ("_entered",)

    def __init__(self) -> None:
        self._entered: list[tuple[Any, bool]] = []

    @classmethod
    async def enter(cls, manager: OperationContextManager) -> OperationHooks:
        hooks = cls()
        try:
            for hook in manager.hooks:
                entering = hook.hook()
                if hook.is_async:
                    await entering.__aenter__()  # type: ignore[union-attr]
                else:
                    entering.__enter__()  # type: ignore[union-attr]
                hooks._entered.append((entering, hook.is_async))
        except BaseException:
            await hooks.leave(*sys.exc_info())
            raise
        return hooks

    async def leave(
        self,
        kind: type[BaseException] | None = None,
        error: BaseException | None = None,
        traceback: TracebackType | None = None,
    ) -> None:
        """Leave the hooks, last entered first; an error one raises is what the next sees,
        and is raised at the end (as an exit stack would)."""
        raised: BaseException | None = None
        entered, self._entered = self._entered, []
        for leaving, is_async in reversed(entered):
            try:
                if is_async:
                    await leaving.__aexit__(kind, error, traceback)
                else:
                    leaving.__exit__(kind, error, traceback)
            except BaseException as failure:  # noqa: BLE001 - passed on, then raised
                raised = failure
                kind, error, traceback = type(failure), failure, failure.__traceback__
        if raised is not None:
            raise raised


class PushedOperation:
    """A subscription left listening on its PushSource. `aclose()` stops it."""

    __slots__ = ("_context", "_execution", "_executor", "_extensions", "_hooks", "_sink", "_source")

    def __init__(
        self,
        execution: ExecutionContext,
        extensions: SchemaExtensionsRunner,
        hooks: OperationHooks | None,
        executor: SlottedExecutionContext,
        sink: StreamSink,
        context: contextvars.Context,
    ) -> None:
        self._execution = execution
        self._extensions = extensions
        self._hooks: OperationHooks | None = hooks
        self._executor = executor
        self._sink = sink
        self._context = context
        self._source: PushSource | None = None

    def listen(self, source: PushSource) -> None:
        self._source = source
        source.push(self._deliver, self._end, context=self._context)

    async def aclose(self) -> None:
        """Stop the subscription (the client completed it, or the socket closed): nothing more
        is sent, and the operation's hooks end."""
        source, self._source = self._source, None
        if source is not None:
            await source.aclose()
        await self._leave()

    async def _deliver(self, event: Any) -> None:
        result = execute_subscription_event(per_event(self._executor, event))
        if isinstance(result, GraphQLExecutionResult):
            await self._send(result)
        else:
            await self._send(await result)

    async def _end(self, error: Exception) -> None:
        """The source stopped: `error` is why (for a subscription closed by the server, the
        error the client sees), unless sending raised it."""
        source, self._source = self._source, None
        if source is None:
            return  # stopped by `aclose` meanwhile
        try:
            if isinstance(error, _SendFailed):
                raise error
            # As Schema._stream: an error of the source stream is the last result.
            await self._send(GraphQLExecutionResult(data=None, errors=[_coerce_error(error)]))
        except _SendFailed as failed:
            await self._leave()
            await self._sink.failed(failed.error)
            return
        await self._leave()
        await self._sink.complete()

    async def _send(self, result: GraphQLExecutionResult) -> None:
        handled = await self._execution.schema._handle_execution_result(
            self._execution, result, self._extensions
        )
        try:
            async with self._extensions.on_stream_result(handled):
                await self._sink.result(handled, first=False)
        except Exception as error:
            raise _SendFailed(error) from error

    async def _leave(self) -> None:
        """End the operation's hooks (its metrics, its span), in the context they began in,
        whichever task ends the operation."""
        hooks, self._hooks = self._hooks, None
        if hooks is not None:
            loop = asyncio.get_running_loop()
            await loop.create_task(hooks.leave(), context=self._context)


class _SendFailed(Exception):
    """The sink raised while sending a pushed result (a socket gone, say)."""

    def __init__(self, error: Exception) -> None:
        super().__init__(repr(error))
        self.error = error


async def run_operation(
    schema: Schema,
    sink: StreamSink,
    *,
    query: str | None,
    variables: dict[str, Any] | None,
    operation_name: str | None,
    context: Any,
    root_value: Any,
    start_gate: AbstractAsyncContextManager[Any] = NO_GATE,
) -> PushedOperation | None:
    """Run one operation as `Schema.stream` would, its results sent to `sink`. A subscription
    whose source can push is returned listening; anything else has ended (None: the caller
    completes it). Cancelling the caller while it prepares cancels the operation.

    `start_gate` is held while the operation starts: parse, validation and, for a
    subscription, its source (the resolver's reads). Never while a result is sent, which
    waits on the client."""
    # The operation's hooks are entered here and left by whichever task ends it: they all
    # run in this one context, as they would in Strawberry's one task (a trace span's
    # context token is only accepted back by the context that made it).
    operation_context = contextvars.copy_context()
    request = (query, variables, operation_name)
    task = asyncio.get_running_loop().create_task(
        _run(schema, sink, request, context, root_value, start_gate, operation_context),
        context=operation_context,
    )
    try:
        return await task
    except asyncio.CancelledError:
        # Cancelled just as the operation started listening: stop it, or it would listen on.
        if task.done() and not task.cancelled() and (pushed := task.result()) is not None:
            await pushed.aclose()
        raise


async def _run(
    schema: Schema,
    sink: StreamSink,
    request: tuple[str | None, dict[str, Any] | None, str | None],
    context: Any,
    root_value: Any,
    start_gate: AbstractAsyncContextManager[Any],
    operation_context: contextvars.Context,
) -> PushedOperation | None:
    query, variables, operation_name = request
    execution = schema._create_execution_context(
        query=query,
        allowed_operation_types=DEFAULT_ALLOWED_OPERATION_TYPES,
        variable_values=variables,
        context_value=context,
        root_value=root_value,
        operation_name=operation_name,
    )
    extensions = schema.get_extensions()
    for extension in extensions:
        extension.execution_context = execution
    runner = schema.create_extensions_runner(execution, extensions)
    hooks = await OperationHooks.enter(runner.operation())
    pushed: PushedOperation | None = None
    try:
        async with start_gate:
            started = await _start(schema, execution, runner, extensions)
        pushed = await _started(schema, sink, execution, runner, hooks, started, operation_context)
        return pushed
    finally:
        if pushed is None:
            await hooks.leave(*sys.exc_info())


class _Start(NamedTuple):
    """An operation, started: the error to send as its first result, or what runs it (a
    query or mutation has no executor yet; a subscription has its executor and source)."""

    error: PreExecutionError | None
    middleware: MiddlewareManager | None = None
    executor: SlottedExecutionContext | None = None
    source: Any = None


async def _start(
    schema: Schema,
    execution: ExecutionContext,
    runner: SchemaExtensionsRunner,
    extensions: list[Any],
) -> _Start:
    """Schema._stream's body, from after `operation()` is entered, up to the first result."""
    try:
        initial_error = await schema._prepare_operation_async(execution, runner)
    except (MissingQueryError, CannotGetOperationTypeError, InvalidOperationTypeError) as error:
        initial_error = PreExecutionError(data=None, errors=[_coerce_pre_execution_error(error)])
    if initial_error:
        initial_error.extensions = await runner.get_extensions_results(execution)
        return _Start(initial_error)
    middleware = schema._get_middleware_manager(extensions)
    if execution.operation_type is not OperationType.SUBSCRIPTION:
        return _Start(None, middleware)
    executor: SlottedExecutionContext | None = None
    try:
        async with runner.executing():
            assert execution.graphql_document is not None
            built = schema.execution_context_class.build(
                schema._schema,
                execution.graphql_document,
                execution.root_value,
                execution.context,
                execution.variables,
                execution.operation_name,
                middleware=middleware,
                operation_extensions=None,
            )
            if isinstance(built, list):
                source: Any = GraphQLExecutionResult(data=None, errors=built)
            else:
                assert isinstance(built, SlottedExecutionContext)
                executor = built
                source = await await_maybe(create_source_event_stream(executor))
    except Exception as error:  # noqa: BLE001 - as Schema._stream: an on_execute hook's error
        source = GraphQLExecutionResult(data=None, errors=[_coerce_error(error)])
    if executor is None or isinstance(source, GraphQLExecutionResult):
        return _Start(PreExecutionError(None, source.errors))
    return _Start(None, middleware, executor, source)


async def _started(
    schema: Schema,
    sink: StreamSink,
    execution: ExecutionContext,
    runner: SchemaExtensionsRunner,
    hooks: OperationHooks,
    start: _Start,
    operation_context: contextvars.Context,
) -> PushedOperation | None:
    """Schema._stream's body, from the first result on."""
    if start.error is not None:
        await _send_first(schema, sink, execution, runner, start.error)
        return None
    if start.executor is None:  # a query or a mutation
        assert start.middleware is not None
        first = True
        results = schema._stream_non_subscription(execution, runner, start.middleware)
        async with contextlib.aclosing(results):
            async for result in results:
                async with runner.on_stream_result(result):
                    if not await sink.result(result, first=first):
                        return None
                first = False
        return None
    executor, source = start.executor, start.source
    idle_template(executor)
    if isinstance(source, PushSource):
        pushed = PushedOperation(execution, runner, hooks, executor, sink, operation_context)
        pushed.listen(source)
        return pushed
    # A source that cannot push: iterate it here, as Schema._stream would (the caller leaves
    # the operation's hooks).
    iterated = PushedOperation(execution, runner, None, executor, sink, operation_context)
    try:
        try:
            async for event in source:
                await iterated._deliver(event)
        except _SendFailed:
            raise
        except Exception as error:  # noqa: BLE001 - the source's error is its last result
            await iterated._send(GraphQLExecutionResult(data=None, errors=[_coerce_error(error)]))
    except _SendFailed as failed:
        raise failed.error from None
    return None


async def _send_first(
    schema: Schema,
    sink: StreamSink,
    execution: ExecutionContext,
    runner: SchemaExtensionsRunner,
    error: PreExecutionError,
) -> None:
    result = await schema._handle_execution_result(execution, error, runner)
    async with runner.on_stream_result(result):
        await sink.result(result, first=True)


__all__ = [
    "NO_GATE",
    "OperationHooks",
    "PushSource",
    "PushedOperation",
    "StreamSink",
    "run_operation",
]
