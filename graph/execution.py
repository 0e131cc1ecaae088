"""graphql-core's executor with its state in slots.

A subscription keeps its executor for its whole life. graphql-core's keeps 32 attributes in an
instance dict too large for Python to share its keys: 1.6 KB on every idle subscriber. In
slots they are 0.3 KB. Anything a later graphql-core adds still works (in a dict again);
tests/graph/test_execution_slots.py says when the list needs updating.
"""

from __future__ import annotations

from typing import Any

from graphql import ExecutionResult
from graphql.type.definition import GraphQLResolveInfoHelpers
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

#: Every attribute graphql-core 3.3's IncrementalExecutor and Strawberry's subclass set.
EXECUTOR_ATTRIBUTES = (
    "_deferred_execution_plans",
    "_initial_execution_plans",
    "_relevant_sub_fields",
    "_stream_usages",
    "abort_signal",
    "async_helpers",
    "async_work_finished_hook_task",
    "background_futures",
    "collected_errors",
    "context_value",
    "defer_usage_set",
    "enable_early_execution",
    "error_propagation",
    "field_resolver",
    "fragment_definitions",
    "fragments",
    "groups",
    "hide_suggestions",
    "hooks",
    "is_async_iterable",
    "is_awaitable",
    "middleware_manager",
    "operation",
    "operation_extensions",
    "pending_incremental_futures",
    "root_value",
    "schema",
    "streams",
    "subscribe_field_resolver",
    "tasks",
    "type_resolver",
    "variable_values",
)


class SlottedExecutionContext(StrawberryGraphQLCoreExecutionContext):
    __slots__ = EXECUTOR_ATTRIBUTES

    def build_response(self, data: dict[str, Any] | None) -> Any:
        """The response, and then the executor's cycle broken: its `async_helpers` hold bound
        methods of the executor itself, so every finished query left it, its context and its
        collected fields (~50 objects) for the cyclic collector, whose passes then walked
        every in-flight request too (~8% of a transfer's CPU at 64 concurrent). A response
        with incremental work still pending keeps them: its publisher runs the executor."""
        response = super().build_response(data)
        if type(response) is ExecutionResult:
            self.async_helpers = None  # type: ignore[assignment]
        return response


def idle_template(executor: SlottedExecutionContext) -> None:
    """Shed what a subscription's executor holds only for running an event: it waits as the
    template `per_event` copies, and its three empty sets (the errors seen, the pending and
    background futures: 650 bytes) would sit on every idle subscriber."""
    executor.collected_errors = None  # type: ignore[assignment]
    executor.pending_incremental_futures = None  # type: ignore[assignment]
    executor.background_futures = None  # type: ignore[assignment]
    # Bound methods of the template itself: a cycle that outlived the subscription until a
    # full collection, and helpers no event would use (each has its own, below).
    executor.async_helpers = None  # type: ignore[assignment]


def per_event(template: SlottedExecutionContext, payload: object) -> SlottedExecutionContext:
    """The executor for one event of a subscription whose template is `idle_template`d:
    graphql-core's `build_per_event_executor`, with state of its own. A shallow copy would
    share the template's async helpers, which track work on the template's state."""
    executor = template.build_per_event_executor(payload)
    executor.pending_incremental_futures = set()
    executor.background_futures = set()
    executor.async_helpers = GraphQLResolveInfoHelpers(
        gather=executor.gather_async_work, track=executor.track_async_work
    )
    return executor  # type: ignore[return-value]
